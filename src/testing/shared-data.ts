/**
 * Where tests and benchmarks find ../shared (datasets, captures, peers). The product never reads
 * it; tests that need it skip with a clear reason when it is absent (a user's clone without it).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const candidates = [process.env.NETSENTINEL_SHARED, resolve(process.cwd(), '../shared')];

export const sharedRoot: string | undefined = candidates.find((p): p is string => !!p && existsSync(p));

/** Absolute path under ../shared, or undefined when ../shared (or that file) is missing. */
export function sharedPath(...parts: string[]): string | undefined {
  if (!sharedRoot) return undefined;
  const p = resolve(sharedRoot, ...parts);
  return existsSync(p) ? p : undefined;
}

/** Reason string for node:test's `skip` option, or false when the data is there. */
export function skipWithoutShared(...parts: string[]): string | false {
  return sharedPath(...parts) ? false : `needs ../shared/${parts.join('/')} (not found beside the project)`;
}
