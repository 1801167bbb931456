/**
 * Worker-thread entry for cluster-sums.ts: takes row blocks from the shared counter, runs the
 * SIMD kernel on its own WebAssembly memory, and sends its partial sums back (moved, not copied).
 * Nothing else lives here so that the worker loads only what it needs.
 */
import { serveTasks } from '../../util/worker-pool.js';
import { runSumsJob, type SumsJob } from './cluster-sums.js';

serveTasks<null, Float64Array>(
  (_task, data) => runSumsJob(data as SumsJob),
  (sums) => [sums.buffer as ArrayBuffer],
);
