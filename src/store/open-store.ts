/**
 * Pick the store from a location: a postgres:// (or postgresql://) URL → PostgreSQL; sqlite:PATH
 * or a plain path → an embedded SQLite file. The default is the per-user one (store-url.ts). Any other URL scheme
 * (mysql://, http://, ...) is refused: it used to become a SQLite file named "mysql:/x".
 */
import type { AlertStore } from './alert-store.js';
import { openSqliteStore } from './sqlite-store.js';
import { DEFAULT_STORE, parseStoreLocation } from './store-url.js';

export { DEFAULT_STORE, parseStoreLocation } from './store-url.js';

export async function openStore(location: string = DEFAULT_STORE): Promise<AlertStore> {
  const where = parseStoreLocation(location);
  // loaded only when used: the pg driver takes ~0.1 s to load, which every SQLite run would pay
  if (where.kind === 'postgres') return (await import('./postgres-store.js')).openPostgresStore(location);
  return openSqliteStore(where.path);
}

/**
 * `analyze`'s store: PostgreSQL opened now (a refused connection is said before any input is
 * read), a SQLite file only when first used, so a run that fails before its input yields a flow
 * (a typo'd path, a file that is no dataset) leaves no empty store behind.
 */
export async function openStoreWhenUsed(location: string = DEFAULT_STORE): Promise<AlertStore> {
  const where = parseStoreLocation(location);
  if (where.kind === 'postgres') return openStore(location);
  let store: AlertStore | undefined;
  const open = (): AlertStore => (store ??= openSqliteStore(where.path));
  return {
    get where() {
      return store?.where ?? `sqlite:${where.path}`;
    },
    saveRun: (run) => open().saveRun(run),
    saveAlerts: (runId, alerts) => open().saveAlerts(runId, alerts),
    finishRun: (runId, run) => open().finishRun!(runId, run),
    listRuns: (limit) => open().listRuns!(limit),
    listAlerts: (q) => open().listAlerts(q),
    countAlerts: () => open().countAlerts(),
    close: async () => store?.close(),
  };
}
