/**
 * Paths written in a `.env` file are relative to that file's folder, as docker compose and the
 * dotenv tools read the files they name: `NETSENTINEL_CONFIG=ns.yaml` beside the .env means that
 * ns.yaml wherever netsentinel is started from. Before, such a path was read from the current
 * directory, so the same .env named another file (or none) when run from elsewhere.
 *
 * Only the variables whose values are paths are rewritten (NETSENTINEL_CONFIG, and the environment
 * names of the path settings of relative-paths.ts, with their seed aliases), and only their
 * relative paths. The process environment's own values are never touched: a path typed in a shell
 * stays relative to the current directory.
 */
import type { DotenvEntry } from './dotenv.js';
import { PATH_SETTINGS, pathRelativeTo, type PathKind } from './relative-paths.js';
import { SETTING_KEYS, envNameOf } from './setting-keys.js';

/** The variables (and seed aliases) whose values name files. */
export const DOTENV_PATH_VARIABLES: Readonly<Record<string, PathKind>> = Object.fromEntries([
  ['NETSENTINEL_CONFIG', 'path'],
  ...Object.entries(PATH_SETTINGS).flatMap(([key, kind]) => [envNameOf(key), ...(SETTING_KEYS.find((k) => k.key === key)?.aliases ?? [])].map((name) => [name, kind])),
]);

/** The .env file's variables with the relative paths of path-valued ones resolved from `dir`. */
export function dotenvPathsFrom(dotenv: Map<string, DotenvEntry>, dir: string, file: string): Map<string, DotenvEntry> {
  for (const [name, kind] of Object.entries(DOTENV_PATH_VARIABLES)) {
    const e = dotenv.get(name);
    if (e === undefined || e.value === '') continue;
    dotenv.set(name, { ...e, value: pathRelativeTo(kind, e.value, dir, { name, file: `${file} line ${e.line}` }) });
  }
  return dotenv;
}
