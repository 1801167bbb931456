/**
 * A PostgreSQL server that drops a store's idle connections (a restart, a failover, an admin's
 * pg_terminate_backend) must not end the process: pg reports a dropped idle client as an 'error'
 * event on its pool, and an unheard 'error' event is an uncaught exception. Each store opens its
 * pool through newPgPool, which listens; this test drops every connection of each store for real
 * and then uses the store again. Real PostgreSQL on 127.0.0.1:5432 (in CI it must answer); the
 * schema made here is dropped afterwards.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { dropPgSchemas, pgReachable } from '../testing/local-services.js';
import { openKeyStore } from './key-store.js';
import { openIntelCache } from './intel-cache-store.js';
import { openAlertReader } from './alert-query.js';
import { openStore } from './open-store.js';

const pgUp = await pgReachable();
const skip = !pgUp && process.env.CI !== 'true' ? 'PostgreSQL is not running on 127.0.0.1:5432' : false;
const schema = `ns_dropped_conn_${process.pid}`;
const url = `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`;
const admin = 'postgres://postgres@127.0.0.1:5432/test';

after(async () => {
  if (!pgUp) return;
  await dropPgSchemas(schema);
});

/** Terminate every backend whose last statement named this test's schema; how many. */
async function dropConnections(): Promise<number> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    const r = await c.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE $1`,
      [`%${schema}.%`],
    );
    return r.rows.filter((x) => x.ok).length;
  } finally {
    await c.end();
  }
}

/** give the dropped sockets' 'error' events time to arrive (they would end the process if unheard) */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

test('stores keep working after PostgreSQL drops their idle connections', { skip, timeout: 60_000 }, async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    const keys = await openKeyStore(url);
    const intel = await openIntelCache(url);
    const store = await openStore(url);
    const reader = await openAlertReader(url);
    try {
      await keys.add('ops', 'read', 5);
      await intel.put('test', '192.0.2.1', { listed: true }, 3600);
      assert.equal((await reader.countBySeverity()).high ?? 0, 0);

      const dropped = await dropConnections();
      assert.ok(dropped >= 3, `expected the stores' idle connections to be dropped, dropped ${dropped}`);
      await settle();
      assert.deepEqual(uncaught, [], 'a dropped idle connection reached the process as an uncaught error');

      // each store makes a new connection and answers as before
      assert.equal((await keys.list()).length, 1);
      assert.deepEqual((await intel.get('test', '192.0.2.1'))?.answer, { listed: true });
      assert.equal(await reader.lastId(), 0);
    } finally {
      await Promise.all([keys.close(), intel.close(), reader.close(), store.close()]);
    }
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});
