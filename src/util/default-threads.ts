/**
 * Worker threads when --threads is not given: the cores this process may use, at most 8. Its own
 * module so that option tables (--help) print the default without loading the models.
 */
import { availableParallelism } from 'node:os';

export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}
