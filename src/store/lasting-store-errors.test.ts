/**
 * lastingStoreError on real errors of the drivers: PostgreSQL (127.0.0.1:5432, trust auth) for a
 * database and a role that do not exist, a missing table and a syntax error; SQLite for tables
 * that are not ours, a read-only file and a busy one; a refused connection. Only the lasting ones
 * are named (UserError, exit 2; our SQL's syntax an internal error); the rest pass (retried).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { lastingStoreError } from './lasting-store-errors.js';
import { UserError } from '../util/errors.js';
import { pgReachable } from '../testing/local-services.js';
import { freePort } from '../testing/nats-server.js';

const caught = async (f: () => Promise<unknown> | unknown): Promise<unknown> => {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
};

async function pgError(database: string, user: string, sql = 'SELECT 1'): Promise<unknown> {
  const c = new pg.Client({ host: '127.0.0.1', port: 5432, database, user, connectionTimeoutMillis: 5000 });
  return caught(async () => {
    try {
      await c.connect();
      await c.query(sql);
    } finally {
      await c.end().catch(() => undefined);
    }
  });
}

test('PostgreSQL: a missing database or role, a missing table are lasting (exit 2, naming the fix); our syntax error is internal', { skip: !(await pgReachable()) && 'PostgreSQL is not running on 127.0.0.1:5432' }, async () => {
  const what = 'stream: the lease round in postgres://127.0.0.1:5432/x';
  const noDb = lastingStoreError(await pgError(`ns_ux_no_such_db_${process.pid}`, 'postgres'), what);
  assert.ok(noDb instanceof UserError && noDb.exitCode === 2);
  assert.match(noDb.message, /^stream: the lease round in postgres:\/\/127\.0\.0\.1:5432\/x failed: database "ns_ux_no_such_db_\d+" does not exist \(3D000\); this does not pass by waiting: create the database/);
  const noRole = lastingStoreError(await pgError('postgres', `ns_ux_no_such_role_${process.pid}`), what);
  assert.ok(noRole instanceof UserError);
  assert.match(noRole.message, /role "ns_ux_no_such_role_\d+" does not exist \(28000\); .*user and password/);
  const noTable = lastingStoreError(await pgError('postgres', 'postgres', `SELECT * FROM ns_ux_no_such_schema_${process.pid}.partition_leases`), what);
  assert.ok(noTable instanceof UserError);
  assert.match(noTable.message, /\((3F000|42P01)\); this does not pass by waiting/);
  const syntax = lastingStoreError(await pgError('postgres', 'postgres', 'SELEC 1'), what);
  assert.ok(syntax instanceof Error && !(syntax instanceof UserError), 'our SQL: an internal error');
  assert.match(syntax.message, /\(42601\)$/);
  // an outage passes: retried
  const port = await freePort();
  const refused = await caught(async () => {
    const c = new pg.Client({ host: '127.0.0.1', port, database: 'postgres', user: 'postgres' });
    await c.connect();
  });
  assert.equal((refused as { code?: string }).code, 'ECONNREFUSED');
  assert.equal(lastingStoreError(refused, what), undefined);
});

test('SQLite: tables that are not ours and a read-only file are lasting; a busy file passes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-lasting-'));
  try {
    const file = join(dir, 'x.db');
    const db = new Database(file);
    db.exec('CREATE TABLE partition_workers (name TEXT)');
    const wrong = lastingStoreError(await caught(() => db.prepare('INSERT INTO partition_workers (group_name, owner, expires_ms) VALUES (1, 2, 3)').run()), 'stream: the lease round in sqlite:x.db');
    assert.ok(wrong instanceof UserError);
    assert.match(wrong.message, /has no column named group_name \(SQLITE_ERROR\); this does not pass by waiting: the file's tables are not netsentinel's/);
    const ro = new Database(file, { readonly: true });
    assert.match(lastingStoreError(await caught(() => ro.prepare("INSERT INTO partition_workers VALUES ('a')").run()), 'w')?.message ?? '', /\(SQLITE_READONLY\); .*writable/);
    ro.close();
    // another connection holding the write lock: busy, which passes
    db.exec('BEGIN IMMEDIATE');
    const other = new Database(file, { timeout: 0 });
    const busy = await caught(() => other.prepare("INSERT INTO partition_workers VALUES ('b')").run());
    assert.equal((busy as { code?: string }).code, 'SQLITE_BUSY');
    assert.equal(lastingStoreError(busy, 'w'), undefined);
    other.close();
    db.exec('ROLLBACK');
    db.close();
    assert.equal(lastingStoreError(new Error('Connection terminated unexpectedly'), 'w'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
