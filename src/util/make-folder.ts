/**
 * `mkdir -p` that always ends. Node 20's `mkdirSync(path, { recursive: true })` never returns for a
 * path under /proc: procfs answers mkdir with ENOENT (not EACCES), Node reads that as "the parent is
 * missing", makes the parent (/proc: exists), tries the child again, and loops at 100 % CPU ignoring
 * SIGTERM — a user's `--store /proc/x/alerts.db` or `-o /proc/x` hung the command. Here the missing
 * folders are found by walking up to the first path that exists, then made one at a time from the
 * top, each without `recursive`: the first refusal is thrown as it is (ENOENT, ENOTDIR, EACCES, EROFS
 * with its path), for the caller's usual error text.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeFolder(path: string): void {
  const missing: string[] = [];
  let at = resolve(path);
  for (;;) {
    try {
      statSync(at);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') break;
    }
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i]);
    } catch (e) {
      // made meanwhile by another process: fine if it is a folder now
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(missing[i]).isDirectory()) throw e;
    }
  }
  // an existing non-folder at `path` itself: what mkdirSync(recursive) reports
  if (missing.length === 0 && !statSync(resolve(path)).isDirectory()) {
    const e = new Error(`EEXIST: file already exists, mkdir '${resolve(path)}'`) as NodeJS.ErrnoException;
    e.code = 'EEXIST';
    e.path = resolve(path);
    throw e;
  }
}
