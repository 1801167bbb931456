/**
 * alerts.jsonl is written as bytes (one Buffer per call): the file must be every alert's JSON line,
 * in order, exactly as UTF-8 of the joined text, non-ASCII reasons and several calls included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertsJsonlSink, ALERTS_FILE } from './alerts-jsonl-sink.js';
import { makeAlert, type Alert } from '../alerts.js';
import type { RunInfo } from '../sink.js';

test('alerts.jsonl holds each alert JSON line in order, as UTF-8, across calls', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-alerts-jsonl-'));
  try {
    const sink = alertsJsonlSink();
    await sink.open!({ outDir: dir } as RunInfo);
    const reasons = ['Connection flood from a source ×2: 4 target hosts', 'naïve “quoted” reason, with a comma', 'emoji \u{1F600} and CJK 漢字', 'plain ascii'];
    const alerts: Alert[] = [];
    for (let i = 0; i < 300; i++) {
      alerts.push(
        makeAlert(
          { timeMs: 1.7e12 + i * 1234.5, srcIp: `10.0.${i >> 8}.${i & 255}`, srcPort: 1000 + i, destIp: 'fe80::1', destPort: 443, proto: 6, signature: 'netsentinel: risky flow', source: 'risk:flow', category: 'Anomalous traffic', severity: 1 + (i % 3), netsentinel: { risk: 0.999 + i / 1e6, reasons: reasons.slice(0, 1 + (i % 4)) } },
          `f:${i}`,
          0,
        ),
      );
    }
    await sink.alerts!(alerts.slice(0, 1));
    await sink.alerts!([]);
    await sink.alerts!(alerts.slice(1, 200));
    await sink.alerts!(alerts.slice(200));
    await sink.commit!({} as never);
    const want = Buffer.from(alerts.map((a) => a.json + '\n').join(''), 'utf8');
    const got = readFileSync(join(dir, ALERTS_FILE));
    assert.equal(got.length, want.length);
    assert.ok(got.equals(want), 'bytes equal the joined lines as UTF-8');
    assert.deepEqual(got.toString('utf8').trim().split('\n').map((l) => JSON.parse(l).netsentinel.reasons), alerts.map((a) => (a.record.netsentinel as { reasons: string[] }).reasons));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
