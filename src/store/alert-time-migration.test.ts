/**
 * A store holds alert times in one form. Versions before the API turned posted times into the
 * store's UTC form kept them as given ("2017-07-07T19:51:45.479+02:00", or no offset at all), and
 * opening such a store with this version left them beside the UTC ones: `since` compared them as
 * text, so an alert two hours earlier than another sorted after it. Now the first open rewrites
 * them (SQLite and PostgreSQL), says so once on stderr and records it in `store_meta`; new alerts
 * are stored in the UTC form whatever form they come in. PostgreSQL: a schema of its own at
 * 127.0.0.1:5432 (skipped without it unless CI=true).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from './open-store.js';
import type { StoredAlert } from './alert-store.js';
import { setMigrationNoteSink, utcAlertTime } from './alert-time-migration.js';
import { pgReachable, dropPgSchemas } from '../testing/local-services.js';

const pgUp = await pgReachable();
const pgSkip = !pgUp && process.env.CI !== 'true' ? 'PostgreSQL is not running on 127.0.0.1:5432' : false;

function alert(key: string, timestamp: string): StoredAlert {
  return { key, timestamp, signature: 'netsentinel: risky flow', category: 'Anomalous traffic', severity: 3, srcIp: '10.0.0.1', srcPort: null, destIp: '10.0.0.2', destPort: 80, proto: 'TCP', risk: 0.99, reasons: ['r'], record: { event_type: 'alert' } };
}

test('utcAlertTime: offsets converted (the fraction kept), no offset taken as UTC, no time left', () => {
  assert.deepEqual(utcAlertTime('2017-07-07T17:51:45.479000+0000'), { time: '2017-07-07T17:51:45.479000+0000', assumedUtc: false });
  assert.deepEqual(utcAlertTime('2017-07-07T19:51:45.479123+02:00'), { time: '2017-07-07T17:51:45.479123+0000', assumedUtc: false });
  assert.deepEqual(utcAlertTime('2017-07-07T12:51:45-0500'), { time: '2017-07-07T17:51:45.000000+0000', assumedUtc: false });
  assert.deepEqual(utcAlertTime('2017-07-07T17:51:45.5Z'), { time: '2017-07-07T17:51:45.500000+0000', assumedUtc: false });
  assert.deepEqual(utcAlertTime('2017-07-08T01:10:00+08:00'), { time: '2017-07-07T17:10:00.000000+0000', assumedUtc: false });
  assert.deepEqual(utcAlertTime('2017-07-07 17:51:45'), { time: '2017-07-07T17:51:45.000000+0000', assumedUtc: true });
  assert.equal(utcAlertTime('yesterday'), null);
  assert.equal(utcAlertTime('2017-02-30T10:00:00Z'), null);
});

// what an older version left: the instant 17:51 UTC written as local time in Berlin, one with no
// offset, one that is no time, beside an alert at 18:00 UTC in the store's own form
const OLD: Record<string, string> = { berlin: '2017-07-07T19:51:45.479000+02:00', naive: '2017-07-07 17:20:00', junk: 'unknown', utc: '2017-07-07T18:00:00.000000+0000' };

for (const backend of ['sqlite', 'postgres'] as const) {
  test(`${backend}: an older store's local alert times are migrated to UTC once, said once; new ones are stored in UTC`, { skip: backend === 'postgres' ? pgSkip : false }, async () => {
    const schema = `ns_test_times_${process.pid}`;
    const file = join(mkdtempSync(join(tmpdir(), 'ns-times-')), 'old.db');
    const loc = backend === 'sqlite' ? file : `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`;
    const notes: string[] = [];
    setMigrationNoteSink((l) => notes.push(l));
    try {
      // make the store as an older version left it: rows with the times as given, no migration record
      let s = await openStore(loc);
      const run = await s.saveRun({ startedAt: '2017-07-07T18:00:00Z', finishedAt: '2017-07-07T18:00:01Z', inputs: [], flows: 4, alerts: 4, summary: {} });
      await s.saveAlerts(run, Object.keys(OLD).map((k) => alert(k, '2017-07-07T18:00:00.000000+0000')));
      await s.close();
      if (backend === 'sqlite') {
        const db = new Database(file);
        for (const [k, ts] of Object.entries(OLD)) db.prepare('UPDATE alerts SET ts = ? WHERE key = ?').run(ts, k);
        db.exec('DROP TABLE store_meta');
        db.close();
      } else {
        const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
        await c.connect();
        for (const [k, ts] of Object.entries(OLD)) await c.query(`UPDATE ${schema}.alerts SET ts = $1 WHERE key = $2`, [ts, k]);
        await c.query(`DROP TABLE ${schema}.store_meta`);
        await c.end();
      }
      assert.equal(notes.length, 0);

      s = await openStore(loc);
      const byKey = new Map((await s.listAlerts()).map((a) => [a.key, a.timestamp]));
      assert.equal(byKey.get('berlin'), '2017-07-07T17:51:45.479000+0000');
      assert.equal(byKey.get('naive'), '2017-07-07T17:20:00.000000+0000');
      assert.equal(byKey.get('junk'), 'unknown');
      assert.equal(byKey.get('utc'), '2017-07-07T18:00:00.000000+0000');
      // since compares as time now: 17:51 UTC is before 17:55 UTC (as text "19:51+02:00" was after)
      const since = (await s.listAlerts({ since: '2017-07-07T17:55:00.000000+0000' })).map((a) => a.key);
      assert.deepEqual(since.sort(), ['junk', 'utc']);
      assert.equal(notes.length, 1);
      assert.match(notes[0], /held alert times stored by an older version \(e\.g\. .*"2017-07-07T19:51:45\.479000\+02:00"/);
      assert.match(notes[0], /1 converted from local times with their offset to UTC; 1 without an offset taken as UTC; 1 that are no time left as they were; every other alert time is now in UTC/);
      // a new alert handed with a local time is stored in UTC
      await s.saveAlerts(run, [alert('tokyo', '2017-07-08T03:00:00+09:00')]);
      assert.equal((await s.listAlerts()).find((a) => a.key === 'tokyo')?.timestamp, '2017-07-07T18:00:00.000000+0000');
      await s.close();

      // once: the next open neither scans nor says it again
      s = await openStore(loc);
      await s.close();
      assert.equal(notes.length, 1);
      if (backend === 'sqlite') {
        const db = new Database(file, { readonly: true });
        const meta = JSON.parse((db.prepare("SELECT value FROM store_meta WHERE key = 'alertTimes'").get() as { value: string }).value);
        db.close();
        assert.deepEqual([meta.form, meta.converted, meta.assumedUtc, meta.unreadable], ['utc', 1, 1, 1]);
      }
    } finally {
      setMigrationNoteSink((l) => process.stderr.write(`netsentinel: note: ${l}\n`));
      if (backend === 'postgres') await dropPgSchemas(schema);
    }
  });
}
