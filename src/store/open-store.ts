/**
 * Pick the store from a location: a postgres:// (or postgresql://) URL → PostgreSQL; anything
 * else (a path, or sqlite:PATH) → an embedded SQLite file. The default is ./netsentinel.db.
 */
import type { AlertStore } from './alert-store.js';
import { openSqliteStore } from './sqlite-store.js';
import { openPostgresStore } from './postgres-store.js';

export const DEFAULT_STORE = 'netsentinel.db';

export async function openStore(location: string = DEFAULT_STORE): Promise<AlertStore> {
  if (/^postgres(ql)?:\/\//i.test(location)) return openPostgresStore(location);
  return openSqliteStore(location.replace(/^sqlite:/i, ''));
}
