/**
 * A path written in a settings file (the config file, a `.env` file) is relative to that file's
 * folder, as docker compose, nginx and tsconfig read theirs: `store: data/alerts.db` in
 * /etc/netsentinel/ns.yaml is /etc/netsentinel/data/alerts.db wherever netsentinel is started
 * from. A path typed on the command line or set in the process environment stays relative to the
 * current directory (not rewritten here).
 *
 * This file holds what both kinds of file share: which settings name files (PATH_SETTINGS), how a
 * value of each kind is resolved (absolute paths, URLs such as postgres://, `none`, `-` and `off`
 * stay as written), and the record of what was resolved from where, so that a message about such a
 * path names it as the user wrote it as well as where it led (`pathsAsWritten`). The .env file's
 * variables: dotenv-paths.ts; the config file's keys: config-file-paths.ts.
 */
import { isAbsolute, resolve } from 'node:path';

/** How a path-valued setting is written. */
export type PathKind = 'path' | 'paths' | 'store' | 'log';

/**
 * The settings (as the config file writes them) whose values name files, and how. Their
 * environment names (NETSENTINEL_STORE, ...) are the .env file's path variables too.
 */
export const PATH_SETTINGS: Readonly<Record<string, PathKind>> = {
  store: 'store',
  'intel.store': 'store',
  'intel.feeds': 'paths',
  'log.file': 'path',
  'server.accessLog': 'log',
  'smtp.ca': 'path',
  'rules.geoip.cityDatabase': 'path',
  'rules.geoip.asnDatabase': 'path',
};

/** Where a setting was written: its name there and the file ("store", "/etc/ns/ns.yaml"; "NETSENTINEL_STORE", "/srv/ns/.env line 3"). */
export interface SettingPlace {
  readonly name: string;
  readonly file: string;
}

/** One path resolved from a settings file: as written, and where. */
interface WrittenPath extends SettingPlace {
  readonly written: string;
}

/** resolved path → how it was written; a process reads a handful of settings files */
const resolvedPaths = new Map<string, WrittenPath>();

/**
 * `value` of a `kind` setting with its relative paths made absolute from `dir`; each one rewritten
 * is remembered with `place` (see pathsAsWritten).
 */
export function pathRelativeTo(kind: PathKind, value: string, dir: string, place: SettingPlace): string {
  const one = (p: string): string => {
    if (p === '' || isAbsolute(p)) return p;
    const abs = resolve(dir, p);
    resolvedPaths.set(abs, { written: p, name: place.name, file: place.file });
    return abs;
  };
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

/**
 * `text` (an error, a rule's reason for being off) with, for each path in it that a settings file
 * gave relative to its folder, how and where it was written: "cannot read the feed
 * /etc/ns/feeds/drop.txt: no such file (intel.feeds "feeds/drop.txt" in /etc/ns/ns.yaml, read
 * from that file's folder)". Text that names no such path is returned as it is.
 */
export function pathsAsWritten(text: string): string {
  if (resolvedPaths.size === 0) return text;
  const notes: string[] = [];
  for (const [abs, w] of resolvedPaths) {
    if (mentions(text, abs) && !text.includes(`"${w.written}" in `)) notes.push(`${w.name} "${w.written}" in ${w.file}, read from that file's folder`);
  }
  return notes.length ? `${text} (${notes.join('; ')})` : text;
}

/** Whether `text` names `path` or a file under it (not merely a longer name: /x/data is not in /x/data.db). */
function mentions(text: string, path: string): boolean {
  for (let at = text.indexOf(path); at >= 0; at = text.indexOf(path, at + 1)) {
    if (!/[\w.-]/.test(text.charAt(at + path.length))) return true;
  }
  return false;
}

/** The paths settings files gave relative to their folder, resolved (for the errors a user can fix). */
export function pathsFromSettingsFiles(): readonly string[] {
  return [...resolvedPaths.keys()];
}
