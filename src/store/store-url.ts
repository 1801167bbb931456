/**
 * What a store location string names, for every store module (alerts, decisions, outbox, keys,
 * intel cache, model versions, partition leases), so they all land in the same file or database:
 * a postgres:// (or postgresql://) URL with an optional `?schema=` (default "netsentinel"), or a
 * SQLite path, plain or as sqlite:PATH / sqlite://PATH. Any other URL scheme (mysql://, http://)
 * is refused: it used to become a SQLite file named "mysql:/x". No driver is loaded here, so
 * parsing costs a SQLite run nothing.
 */
import { UserError } from '../util/errors.js';

/** the store when none is named: a SQLite file in the current folder (here, not in open-store.ts, so option tables name it without loading a driver) */
export const DEFAULT_STORE = 'netsentinel.db';

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string; readonly where: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string; readonly where: string };

/** The store a location names; a UserError for an unknown scheme or an empty sqlite: path. */
export function parseStoreLocation(location: string): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(location)) return postgresLocation(location);
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
 */
export function postgresLocation(url: string): Extract<StoreLocation, { kind: 'postgres' }> {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'netsentinel';
  if (!/^[a-z_][a-z0-9_]*$/i.test(schema)) throw new UserError(`store URL: schema "${schema}" is not a plain SQL identifier`);
  u.searchParams.delete('schema');
  return { kind: 'postgres', url: u.toString(), schema, where: `${u.protocol}//${u.hostname}${u.port ? ':' + u.port : ''}${u.pathname}` };
}
