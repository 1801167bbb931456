/**
 * The alert reader on both back ends: pages newest first with a cursor that never repeats or
 * skips a row (even while rows are added), filters, the live feed's "after id", counts by
 * severity, top sources, risk per hour, runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from './open-store.js';
import { openAlertReader } from './alert-query.js';
import type { StoredAlert } from './alert-store.js';
import { pgReachable, dropPgSchemas } from '../testing/local-services.js';

function alert(i: number): StoredAlert {
  return {
    key: `k${i}`,
    timestamp: `2026-12-0${1 + (i % 3)}T0${i % 10}:00:00Z`,
    signature: i % 2 ? 'scan' : 'flood',
    category: 'c',
    severity: (i % 3) + 1,
    srcIp: `10.0.0.${i % 5}`,
    srcPort: null,
    destIp: '10.9.9.9',
    destPort: 80,
    proto: 'TCP',
    risk: 0.9 + i / 1000,
    reasons: [`r${i}`],
    record: { i },
  };
}

const pgSkip = !(await pgReachable()) && process.env.CI !== 'true' ? 'PostgreSQL is not running on 127.0.0.1:5432' : false;

for (const backend of ['sqlite', 'postgres'] as const) {
  test(`${backend}: cursor pages, filters, live feed, summaries`, { skip: backend === 'postgres' ? pgSkip : false }, async () => {
    const schema = `ns_aq_${process.pid}`;
    const loc = backend === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'ns-aq-')), 'a.db') : `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`;
    const store = await openStore(loc);
    const reader = await openAlertReader(loc);
    try {
      const run = await store.saveRun({ startedAt: '2026-12-01T00:00:00Z', finishedAt: '2026-12-01T00:00:01Z', inputs: ['x'], flows: 1, alerts: 30, summary: {} });
      await store.saveAlerts(run, Array.from({ length: 30 }, (_, i) => alert(i)));
      const first = await reader.page({ limit: 12 });
      assert.deepEqual(first.alerts.map((a) => a.key).slice(0, 3), ['k29', 'k28', 'k27']);
      // rows added between pages do not shift the next page
      await store.saveAlerts(run, [alert(100)]);
      const second = await reader.page({ limit: 12, before: first.next! });
      const third = await reader.page({ limit: 12, before: second.next! });
      assert.equal(third.next, null);
      const keys = [...first.alerts, ...second.alerts, ...third.alerts].map((a) => a.key);
      assert.equal(keys.length, 30);
      assert.equal(new Set(keys).size, 30);
      const f = await reader.page({ limit: 100, srcIp: '10.0.0.1', maxSeverity: 2, signature: 'scan' });
      assert.ok(f.alerts.length > 0);
      assert.ok(f.alerts.every((a) => a.srcIp === '10.0.0.1' && a.severity <= 2 && a.signature === 'scan'));
      assert.equal((await reader.page({ limit: 100, since: '2026-12-03T00:00:00Z' })).alerts.length, 10);
      const last = await reader.lastId();
      assert.deepEqual((await reader.after(last - 2, 10)).map((a) => a.key), ['k29', 'k100']);
      assert.deepEqual((await reader.after(last - 1, 10)).map((a) => a.key), ['k100']);
      const sev = await reader.countBySeverity();
      assert.equal(Object.values(sev).reduce((a, b) => a + b, 0), 31);
      const top = await reader.topSources(2);
      assert.equal(top[0].srcIp, '10.0.0.0');
      assert.ok(top[0].reasons.includes('r100'));
      assert.ok((await reader.riskOverTime(24)).length > 0);
      assert.equal((await reader.runs(5))[0].alerts, 30);
    } finally {
      await reader.close();
      await store.close();
      if (backend === 'postgres') await dropPgSchemas(schema);
    }
  });
}
