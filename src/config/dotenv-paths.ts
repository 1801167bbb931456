/**
 * Paths written in a `.env` file are relative to that file's folder, as docker compose and the
 * dotenv tools read the files they name: `NETSENTINEL_CONFIG=ns.yaml` beside the .env means that
 * ns.yaml wherever netsentinel is started from. Before, such a path was read from the current
 * directory, so the same .env named another file (or none) when run from elsewhere.
 *
 * Only the variables whose values are paths are rewritten, and only their relative paths; absolute
 * paths, URLs (postgres://), `none`, `-` and `off` stay as written. The process environment's own
 * values are never touched: a path typed in a shell stays relative to the current directory.
 */
import { isAbsolute, resolve } from 'node:path';
import type { DotenvEntry } from './dotenv.js';

/** How each path-valued variable is written. */
type PathKind = 'path' | 'paths' | 'store' | 'log';

/** The variables (and seed aliases) whose values name files. */
export const DOTENV_PATH_VARIABLES: Readonly<Record<string, PathKind>> = {
  NETSENTINEL_CONFIG: 'path',
  NETSENTINEL_STORE: 'store',
  NETSENTINEL_INTEL_STORE: 'store',
  NETSENTINEL_INTEL_FEEDS: 'paths',
  NETSENTINEL_LOG_FILE: 'path',
  LOG_FILE: 'path',
  NETSENTINEL_SERVER_ACCESS_LOG: 'log',
};

/** `value` of a `kind` variable with a relative path made absolute from `dir`. */
export function pathFromDotenv(kind: PathKind, value: string, dir: string): string {
  const one = (p: string): string => (p === '' || isAbsolute(p) ? p : resolve(dir, p));
  switch (kind) {
    case 'path':
      return one(value);
    case 'paths':
      return value
        .split(',')
        .map((p) => (p.trim() === '' ? p : one(p.trim())))
        .join(',');
    case 'log':
      return value === '-' || value.toLowerCase() === 'off' ? value : one(value);
    case 'store': {
      if (value === 'none') return value;
      const sqlite = /^sqlite:(\/\/)?/i.exec(value);
      if (sqlite) return sqlite[0] + one(value.slice(sqlite[0].length));
      // postgres:// and any other scheme (refused later, naming it) stay as written
      if (/^[a-z][a-z0-9+.-]+:/i.test(value)) return value;
      return one(value);
    }
  }
}

/** The .env file's variables with the relative paths of path-valued ones resolved from `dir`. */
export function dotenvPathsFrom(dotenv: Map<string, DotenvEntry>, dir: string): Map<string, DotenvEntry> {
  for (const [name, kind] of Object.entries(DOTENV_PATH_VARIABLES)) {
    const e = dotenv.get(name);
    if (e === undefined || e.value === '') continue;
    dotenv.set(name, { ...e, value: pathFromDotenv(kind, e.value, dir) });
  }
  return dotenv;
}
