/**
 * What a store location string names, for every store module (alerts, decisions, outbox, keys,
 * intel cache, model versions, partition leases), so they all land in the same file or database:
 * a postgres:// (or postgresql://) URL with an optional `?schema=` (default "netsentinel"), or a
 * SQLite path, plain or as sqlite:PATH / sqlite://PATH. Any other URL scheme (mysql://, http://)
 * is refused: it used to become a SQLite file named "mysql:/x". No driver is loaded here, so
 * parsing costs a SQLite run nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../util/errors.js';

/**
 * Where the store is when none is named (--store, NETSENTINEL_STORE, the config's `store:`): one
 * SQLite file per user, in the XDG data folder, $XDG_DATA_HOME/netsentinel/netsentinel.db, else
 * ~/.local/share/netsentinel/netsentinel.db (a relative XDG_DATA_HOME is ignored, as the XDG Base
 * Directory spec says); under sudo, the invoking user's when it exists. Every verb that has a store takes this one, so analyze's alerts and
 * --respond's decisions, `respond`, `decisions`, `block`, `notify`, `keys`, `models`, `serve` and
 * the intel cache meet in the same file from whatever folder they are run.
 *
 * Before, it was ./netsentinel.db: each folder analyze was run in got a stray store, and `serve` or
 * `decisions list` started elsewhere saw none of what was written. An earlier ./netsentinel.db is
 * not read any more: `--store netsentinel.db` names it (defaultStoreNote says so once).
 *
 * Here, not in open-store.ts, so option tables print it without loading a driver.
 */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env, home: string = homedir(), sudoHome: (user: string) => string | undefined = homeOf): string {
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'netsentinel', 'netsentinel.db');
  // `sudo netsentinel block apply` (HOME is root's under sudo) must find the decisions that the
  // user's `respond` stored: the invoking user's store, when that user has one
  if (env.SUDO_USER && env.SUDO_USER !== 'root' && process.getuid?.() === 0) {
    const theirs = sudoHome(env.SUDO_USER);
    const file = theirs ? join(theirs, '.local', 'share', 'netsentinel', 'netsentinel.db') : undefined;
    if (file && existsSync(file)) return file;
  }
  return join(home, '.local', 'share', 'netsentinel', 'netsentinel.db');
}

/** a user's home folder from /etc/passwd (no lookup library: the store's location must load nothing) */
function homeOf(user: string): string | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f.length >= 6 && isAbsolute(f[5])) return f[5];
    }
  } catch {
    // no /etc/passwd (another OS): root's own store then
  }
  return undefined;
}

/** the store when none is named (see defaultStorePath), as --help prints it */
export const DEFAULT_STORE = defaultStorePath();

/** the default store before: a file in the current folder */
export const OLD_DEFAULT_STORE = 'netsentinel.db';

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string; readonly where: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string; readonly where: string };

/** The store a location names; a UserError for an unknown scheme or an empty sqlite: path. */
export function parseStoreLocation(location: string): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(location)) return postgresLocation(location);
  // analyze, capture and stream take 'none' (keep alerts nowhere) before they open a store; a verb
  // that cannot do without one (respond, decisions) made a SQLite file named "none" in the folder
  if (location.trim() === 'none') throw new UserError('--store none keeps nothing, but this command needs a store (its decisions, their suppression, what is blocked): give a SQLite path or a postgres:// URL (sqlite:none for a file named "none")');
  let path = location;
  if (/^sqlite:/i.test(location)) {
    path = location.replace(/^sqlite:(\/\/)?/i, '');
    if (!path) throw new UserError(`--store ${location}: sqlite: needs a file path, e.g. sqlite:alerts.db`);
  } else {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location);
    // a one-letter "scheme" is a Windows drive (C:\alerts.db), not a URL
    if (scheme && scheme[1].length > 1) {
      throw new UserError(`--store ${location}: unknown store type "${scheme[1]}:"; use a SQLite path (alerts.db or sqlite:alerts.db) or a postgres:// URL`);
    }
  }
  return { kind: 'sqlite', path, where: `sqlite:${path}` };
}

/**
 * A postgres:// URL's parts: the URL to connect with (without `?schema=`), the schema (default
 * "netsentinel", a plain SQL identifier or a UserError) and where it is without credentials.
 *
 * `where` names the schema too, the default included: it is what every message, banner and --json
 * shows as the store, and one database holds many schemas (a worker per team, a test's own), so
 * "postgres://db:5432/ns" alone did not say which one got the alerts. It stays a URL that names
 * the same store when given back to --store (the user, never the password, is left out).
 */
export function postgresLocation(url: string): Extract<StoreLocation, { kind: 'postgres' }> {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'netsentinel';
  if (!/^[a-z_][a-z0-9_]*$/i.test(schema)) throw new UserError(`store URL: schema "${schema}" is not a plain SQL identifier`);
  u.searchParams.delete('schema');
  return { kind: 'postgres', url: u.toString(), schema, where: `${u.protocol}//${u.hostname}${u.port ? ':' + u.port : ''}${u.pathname}?schema=${schema}` };
}
