/**
 * `stream --respond` spares a victim across messages: a scanned host's own risky-source alert
 * comes when its source window closes, often in a later message than the scan finding that names
 * it. The worker remembers the attacks its findings named (for respond.suppress), so the policy
 * still knows the host was attacked: alerted on, not banned (see src/respond/victim-not-banned.test.ts).
 * No NATS needed: the responder is driven as the worker drives it, one message at a time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamResponder } from './stream-respond.js';
import { makeAlert } from '../analysis/alerts.js';
import type { Finding } from '../detect/finding.js';
import { Allowlist } from '../respond/allowlist.js';
import { DEFAULT_RESPOND_CONFIG } from '../respond/respond-config.js';

const scan: Finding = {
  ruleId: 'port-scan.vertical',
  title: 'Vertical port scan',
  category: 'reconnaissance',
  severity: 2,
  srcIp: '172.16.0.1',
  targets: { ips: ['192.168.10.50'], ipCount: 1, ports: [22, 80], portCount: 600, countsCapped: false },
  firstSeen: '2017-07-07T17:51:14.185Z',
  lastSeen: '2017-07-07T17:53:05.093Z',
  count: 918,
  evidence: {},
  rows: [],
  reason: '172.16.0.1 probed 603 distinct ports on 192.168.10.50',
};

function riskySource(ip: string) {
  return makeAlert({ timeMs: Date.parse('2017-07-07T18:00:00Z'), srcIp: ip, srcPort: null, destIp: null, destPort: null, proto: null, signature: 'netsentinel: risky source', source: 'risk:ip', category: 'Anomalous traffic', severity: 1, netsentinel: { risk: 1, reasons: ['many mildly unusual flows add up'] } }, '', 0);
}

test('a victim named by an earlier message of the worker is alerted on, not banned', async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'ns-stream-victims-')), 'n.db');
  const r = streamResponder({ config: DEFAULT_RESPOND_CONFIG, notify: {}, allowlist: new Allowlist([]), store, apply: true });
  try {
    const first = await r.respondTo('stream:t#1', [], [scan]);
    assert.deepEqual(first!.decisions.filter((d) => d.type === 'ban').map((d) => d.value), ['172.16.0.1']);
    const second = await r.respondTo('stream:t#2', [riskySource('192.168.10.50'), riskySource('198.51.100.9')], []);
    assert.deepEqual(second!.decisions.filter((d) => d.type === 'ban').map((d) => d.value), ['198.51.100.9']);
    assert.deepEqual(second!.skipped.map((s) => `${s.value} ${s.why}`), ['192.168.10.50 victim']);
    assert.match(second!.decisions.find((d) => d.value === '192.168.10.50' && d.type === 'alert')!.reason, /target of 172\.16\.0\.1's port-scan\.vertical: not blocked/);
  } finally {
    await r.close();
  }
});
