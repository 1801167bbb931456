/**
 * Several processes opening a new PostgreSQL store at the same moment (workers started together
 * on a fresh database): each must find or make the schema and its tables, none fail on
 * PostgreSQL's catalog race of concurrent CREATE … IF NOT EXISTS. Real PostgreSQL on
 * 127.0.0.1:5432 (in CI it must answer); separate processes, as in a deployment; the schema made
 * here is dropped afterwards.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { dropPgSchemas, pgReachable } from '../testing/local-services.js';

const pgUp = await pgReachable();
const skip = !pgUp && process.env.CI !== 'true' ? 'PostgreSQL is not running on 127.0.0.1:5432' : false;
const schema = `ns_schema_race_${process.pid}`;

after(async () => {
  if (!pgUp) return;
  await dropPgSchemas(schema);
});

test('six processes opening one new PostgreSQL store (alerts and partition leases) at once all succeed', { skip, timeout: 120_000 }, async () => {
  const url = `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`;
  const openStoreJs = new URL('./open-store.js', import.meta.url).href;
  const leasesJs = new URL('../stream/partition-leases.js', import.meta.url).href;
  // each waits for a common start time, so their CREATEs meet
  const startAt = Date.now() + 1500;
  const script = `
    const { openStore } = await import(${JSON.stringify(openStoreJs)});
    const { openLeaseStore } = await import(${JSON.stringify(leasesJs)});
    await new Promise((r) => setTimeout(r, ${startAt} - Date.now()));
    const [s, l] = await Promise.all([openStore(${JSON.stringify(url)}), openLeaseStore(${JSON.stringify(url)})]);
    await s.close();
    await l.close();`;
  const runs = Array.from({ length: 6 }, () => new Promise<{ code: number | null; err: string }>((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, err }));
  }));
  for (const r of await Promise.all(runs)) assert.equal(r.code, 0, r.err);
  const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await c.connect();
  const tables = await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [schema]);
  await c.end();
  const names = tables.rows.map((r) => String(r.table_name));
  for (const t of ['alerts', 'partition_leases', 'partition_workers', 'runs']) assert.ok(names.includes(t), `${t} in ${names.join(', ')}`);
});
