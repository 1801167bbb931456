/**
 * `stream --balance` on a lease store whose tables are not netsentinel's (a SQLite file with a
 * partition_workers table of other columns): the lease round's error does not pass by waiting, so
 * the worker ends at once with one line naming it and the fix, exit 2. Before, the round was
 * retried forever ("retrying until it works") and the worker never ended. A private nats-server.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { hasProgram } from '../testing/programs.js';
import { NATS_SERVER, startPrivateNats } from '../testing/nats-server.js';
import { runCli } from '../testing/cli-process.js';

const skip = !hasProgram(NATS_SERVER) && process.env.CI !== 'true' ? 'nats-server is not installed' : false;
const sample = fileURLToPath(new URL('../../samples/loopback/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ns-lease-lasting-'));
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

test('stream --balance: a lease store whose tables are not ours ends the worker with one line, exit 2 (not retried forever)', { skip, timeout: 120_000 }, async () => {
  mkdirSync(join(tmp, 'nats'));
  const nats = await startPrivateNats(join(tmp, 'nats'));
  cleanups.push(() => nats.kill());
  const b = runCli(['baseline', join(sample, 'normal.csv'), '-o', join(tmp, 'b.nsb'), '-q']);
  assert.equal((await b.done).code, 0, b.stderr());
  const store = join(tmp, 'other.db');
  const db = new Database(store);
  db.exec('CREATE TABLE partition_workers (name TEXT, seen TEXT)');
  db.close();
  const w = runCli(['stream', '--nats', nats.url, '--stream', `NSLAST_${process.pid}`, '--durable', 'w', '--balance', '2', '--lease-ttl', '3', '--baseline', join(tmp, 'b.nsb'), '--store', store]);
  const killer = setTimeout(() => w.child.kill('SIGKILL'), 60_000);
  const r = await w.done;
  clearTimeout(killer);
  assert.equal(r.signal, null, `the worker never ended on its own; it said: ${r.stderr}`);
  assert.equal(r.code, 2, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('netsentinel: stream: the lease round'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0], /^netsentinel: stream: the lease round in sqlite:\S*other\.db failed: table partition_workers has no column named group_name \(SQLITE_ERROR\); this does not pass by waiting: the file's tables are not netsentinel's: name another database file$/);
  assert.doesNotMatch(r.stderr, /retrying until it works|at .*\.js:\d+/, 'not retried, no stack trace');
});
