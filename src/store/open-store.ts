/**
 * Pick the store from a location: a postgres:// (or postgresql://) URL → PostgreSQL; sqlite:PATH
 * or a plain path → an embedded SQLite file. The default is ./netsentinel.db. Any other URL scheme
 * (mysql://, http://, ...) is refused: it used to become a SQLite file named "mysql:/x".
 */
import type { AlertStore } from './alert-store.js';
import { UserError } from '../util/errors.js';
import { openSqliteStore } from './sqlite-store.js';
import { openPostgresStore } from './postgres-store.js';

export const DEFAULT_STORE = 'netsentinel.db';

/** The kind of store a location names, and its SQLite path; a UserError for an unknown scheme. */
export function parseStoreLocation(location: string): { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string } {
  if (/^postgres(ql)?:\/\//i.test(location)) return { kind: 'postgres', url: location };
  if (/^sqlite:/i.test(location)) {
    const path = location.replace(/^sqlite:(\/\/)?/i, '');
    if (!path) throw new UserError(`--store ${location}: sqlite: needs a file path, e.g. sqlite:alerts.db`);
    return { kind: 'sqlite', path };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location);
  // a one-letter "scheme" is a Windows drive (C:\alerts.db), not a URL
  if (scheme && scheme[1].length > 1) {
    throw new UserError(`--store ${location}: unknown store type "${scheme[1]}:"; use a SQLite path (alerts.db or sqlite:alerts.db) or a postgres:// URL`);
  }
  return { kind: 'sqlite', path: location };
}

export async function openStore(location: string = DEFAULT_STORE): Promise<AlertStore> {
  const where = parseStoreLocation(location);
  if (where.kind === 'postgres') return openPostgresStore(where.url);
  return openSqliteStore(where.path);
}
