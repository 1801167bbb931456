/**
 * Results publishing: the message text of an alert is exactly JSON.stringify({ key, ...record })
 * (the record's JSON spliced, not serialised again), and publishWindowed against a real
 * nats-server (a private one, JetStream on) stores every message, never more than the window in
 * flight, and after a failure sends again only the messages not acknowledged.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JetStreamClient } from '@nats-io/jetstream';
import { makeAlert, findingAlert } from '../analysis/alerts.js';
import { makeAlertWithRecord } from '../adapt/stamp-alert.js';
import type { Finding } from '../detect/finding.js';
import { startPrivateNats, NATS_SERVER, type PrivateNats } from '../testing/nats-server.js';
import { skipWithoutProgram } from '../testing/programs.js';
import { openBus, type Bus } from './nats-bus.js';
import { resultMessages } from './result-publisher.js';

const dec = new TextDecoder();
const tmp = mkdtempSync(join(tmpdir(), 'ns-result-pub-'));
let nats: PrivateNats | undefined;
let bus: Bus | undefined;
after(async () => {
  await bus?.close();
  await nats?.kill();
  rmSync(tmp, { recursive: true, force: true });
});

const input = (i: number) => ({
  timeMs: 1499443200000 + i * 1.25,
  srcIp: `10.0.${i >> 8}.${i & 255}`,
  srcPort: 40000 + i,
  destIp: '192.168.10.50',
  destPort: 80,
  proto: 6,
  signature: `netsentinel: risky flow (Web Attack – XSS "<script>" \\ ${i})`,
  source: 'risk:flow',
  category: 'Anomalous traffic',
  severity: 1 + (i % 3),
  netsentinel: { risk: 0.999999, z: 4.75, reasons: ['Flow Bytes/s high', 'ünïcode ✓'], detectors: { iforest: 0.99, svm: NaN }, file: 'a,b.csv', line: i + 2 },
});

test('an alert message is the text JSON.stringify({ key, ...record }) gives, for findings { key, ...finding }', () => {
  const alerts = Array.from({ length: 50 }, (_, i) => makeAlert(input(i), `f.csv:${i}`, 1_700_000_000_000));
  // a record that has a "key" field of its own: serialised as before (its key wins, in the first place)
  alerts.push(makeAlertWithRecord(alerts[0], { ...alerts[0].record, key: 'the record says' }));
  const finding = {
    ruleId: 'port-scan.vertical',
    title: 'vertical port scan',
    category: 'recon',
    severity: 2,
    srcIp: '10.0.0.9',
    reason: '120 ports in 10 s',
    evidence: { ports: 120 },
    count: 120,
    firstSeen: '2017-07-07T12:00:00.000Z',
    lastSeen: '2017-07-07T12:00:10.000Z',
    targets: { ips: ['192.168.10.50'], ipCount: 1, ports: [22, 80], portCount: 2, countsCapped: false },
    rows: [3, 9],
  } as unknown as Finding;
  const messages = resultMessages('ns.x', alerts, [finding]);
  assert.equal(messages.length, alerts.length + 1);
  alerts.forEach((a, i) => {
    assert.equal(messages[i].subject, 'ns.x.alerts');
    assert.equal(messages[i].msgID, `a-${a.key}`);
    assert.equal(dec.decode(messages[i].data), JSON.stringify({ key: a.key, ...a.record }));
  });
  const fk = findingAlert(finding, 0).key;
  assert.deepEqual({ subject: messages.at(-1)!.subject, msgID: messages.at(-1)!.msgID, text: dec.decode(messages.at(-1)!.data) }, { subject: 'ns.x.findings', msgID: `f-${fk}`, text: JSON.stringify({ key: fk, ...finding }) });
});

