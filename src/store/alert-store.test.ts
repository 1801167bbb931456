/**
 * Both back ends pass the same tests: the embedded SQLite file always, PostgreSQL at
 * 127.0.0.1:5432 when it answers (in CI it must: CI=true makes its absence a failure).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from './open-store.js';
import type { StoredAlert } from './alert-store.js';
import { pgReachable, dropPgSchemas } from '../testing/local-services.js';

function alert(key: string, risk: number, src = '10.0.0.1'): StoredAlert {
  return {
    key,
    timestamp: '2017-07-07T12:59:00.000+00:00',
    signature: 'netsentinel: vertical port scan',
    category: 'Attempted Information Leak',
    severity: 2,
    srcIp: src,
    srcPort: null,
    destIp: '10.0.0.2',
    destPort: 22,
    proto: 'TCP',
    risk,
    reasons: ['port-scan: 120 ports in 3 s'],
    record: { event_type: 'alert', src_ip: src },
  };
}

const PG_URL = process.env.NETSENTINEL_TEST_PG ?? `postgres://postgres@127.0.0.1:5432/test?schema=ns_test_${process.pid}`;

const pgUp = await pgReachable();
const pgSkip = !pgUp && process.env.CI !== 'true' ? 'PostgreSQL is not running on 127.0.0.1:5432' : false;

for (const backend of ['sqlite', 'postgres'] as const) {
  test(`${backend}: alerts persist, re-analysing the same input adds no duplicates`, { skip: backend === 'postgres' ? pgSkip : false }, async () => {
    const loc = backend === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'ns-store-')), 'a.db') : PG_URL;
    const store = await openStore(loc);
    try {
      const run = { startedAt: '2026-11-21T00:00:00Z', finishedAt: '2026-11-21T00:00:01Z', inputs: ['x.csv'], flows: 10, alerts: 2, summary: { a: 1 } };
      const id1 = await store.saveRun(run);
      const first = await store.saveAlerts(id1, [alert('k1', 0.99), alert('k2', 0.95, '10.0.0.9')]);
      assert.deepEqual(first, { inserted: 2, duplicates: 0 });
      const id2 = await store.saveRun(run);
      assert.notEqual(id1, id2);
      const again = await store.saveAlerts(id2, [alert('k1', 0.99), alert('k2', 0.95, '10.0.0.9'), alert('k3', 0.5)]);
      assert.deepEqual(again, { inserted: 1, duplicates: 2 });
      assert.equal(await store.countAlerts(), 3);
      const list = await store.listAlerts({ srcIp: '10.0.0.1' });
      assert.deepEqual(list.map((a) => a.key), ['k1', 'k3']);
      assert.deepEqual(list[0].reasons, ['port-scan: 120 ports in 3 s']);
      assert.equal(list[0].record.event_type, 'alert');
      assert.equal(list[0].destPort, 22);
    } finally {
      await store.close();
      if (backend === 'postgres') await dropPgSchemas(`ns_test_${process.pid}`);
    }
  });
}

for (const backend of ['sqlite', 'postgres'] as const) {
  // the PostgreSQL insert takes an alert's reasons from its record when they are the record's own
  // netsentinel.reasons (as storedAlert makes them), and sends them otherwise: both stored as given
  test(`${backend}: the reasons stored are the alert's, whether or not its record holds the same array`, { skip: backend === 'postgres' ? pgSkip : false }, async () => {
    const schema = `ns_test_reasons_${process.pid}`;
    const loc = backend === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'ns-store-')), 'a.db') : `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`;
    const store = await openStore(loc);
    try {
      const id = await store.saveRun({ startedAt: '2026-11-21T00:00:00Z', finishedAt: '2026-11-21T00:00:01Z', inputs: ['x.csv'], flows: 3, alerts: 3, summary: {} });
      const shared = ['one-class-svm p 0.999', 'rate "z" 4.1'];
      const own = { ...alert('own', 0.9), reasons: shared, record: { event_type: 'alert', netsentinel: { risk: 0.9, reasons: shared } } };
      const other = { ...alert('other', 0.9), reasons: ['given beside the record'], record: { event_type: 'alert', netsentinel: { reasons: ['in the record only'] } } };
      const none = { ...alert('none', 0.9), reasons: [], record: { event_type: 'alert' } };
      assert.deepEqual(await store.saveAlerts(id, [own, other, none]), { inserted: 3, duplicates: 0 });
      const byKey = new Map((await store.listAlerts({})).map((a) => [a.key, a]));
      assert.deepEqual(byKey.get('own')?.reasons, shared);
      assert.deepEqual(byKey.get('other')?.reasons, ['given beside the record']);
      assert.deepEqual(byKey.get('other')?.record, other.record);
      assert.deepEqual(byKey.get('none')?.reasons, []);
    } finally {
      await store.close();
      if (backend === 'postgres') await dropPgSchemas(schema);
    }
  });
}

test('a store location that cannot be opened is a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-store-bad-'));
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'not a folder');
  await assert.rejects(openStore(join(file, 'x.db')), /cannot open the alert database .*plain-file\/x\.db: ENOTDIR: .*plain-file is a file, not a folder$/);
  await assert.rejects(openStore(join(file, 'deeper', 'x.db')), /cannot open the alert database .*plain-file\/deeper\/x\.db: ENOTDIR: .*plain-file is a file, not a folder$/);
  // a folder where the database file should be
  await assert.rejects(openStore(dir), /cannot open the alert database .*: it is a folder; give a file, e\.g\. .*\/netsentinel\.db$/);
});
