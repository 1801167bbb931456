/**
 * Pick the store from a location: a postgres:// (or postgresql://) URL → PostgreSQL; anything
 * else (a path, or sqlite:PATH) → an embedded SQLite file. The default is ./netsentinel.db.
 */
import type { AlertStore } from './alert-store.js';
import { openSqliteStore } from './sqlite-store.js';

export const DEFAULT_STORE = 'netsentinel.db';

export async function openStore(location: string = DEFAULT_STORE): Promise<AlertStore> {
  // loaded only when used: the pg driver takes ~0.1 s to load, which every SQLite run would pay
  if (/^postgres(ql)?:\/\//i.test(location)) return (await import('./postgres-store.js')).openPostgresStore(location);
  return openSqliteStore(location.replace(/^sqlite:/i, ''));
}
