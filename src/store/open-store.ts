/**
 * Pick the store from a location: a postgres:// (or postgresql://) URL → PostgreSQL; sqlite:PATH
 * or a plain path → an embedded SQLite file. The default is ./netsentinel.db. Any other URL scheme
 * (mysql://, http://, ...) is refused: it used to become a SQLite file named "mysql:/x".
 */
import type { AlertStore } from './alert-store.js';
import { openSqliteStore } from './sqlite-store.js';
import { parseStoreLocation } from './store-url.js';

export const DEFAULT_STORE = 'netsentinel.db';

export { parseStoreLocation } from './store-url.js';

export async function openStore(location: string = DEFAULT_STORE): Promise<AlertStore> {
  const where = parseStoreLocation(location);
  // loaded only when used: the pg driver takes ~0.1 s to load, which every SQLite run would pay
  if (where.kind === 'postgres') return (await import('./postgres-store.js')).openPostgresStore(location);
  return openSqliteStore(where.path);
}
