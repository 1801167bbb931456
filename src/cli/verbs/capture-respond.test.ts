/**
 * The live responder of `capture --respond`, fed findings as capture prints them (no capture
 * needed: the live test, capture-respond-live.test.ts, runs it on a real interface as root). A scan
 * found by the SYN watch, then by the port-scan rule, then closed, is one ban and one alert; a
 * more severe finding of the same source is decided again; the findings of a forged flood's bogon
 * sources (folded per target at the end) are not decided one by one while the capture runs; the
 * end's sink runs after every queued run and suppresses what was decided live. Delivery runs beside
 * the decisions: a webhook that holds its first request does not hold the next sources' bans.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Finding } from '../../detect/finding.js';
import { captureResponder } from './capture-respond.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-capture-respond-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const finding = (ruleId: string, srcIp: string, target: string, severity: 1 | 2 | 3 | 4, reason: string): Finding => ({
  ruleId,
  title: ruleId,
  category: ruleId.startsWith('spoofing') ? 'spoofing' : 'reconnaissance',
  severity,
  srcIp,
  targets: { ips: [target], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
  firstSeen: '2026-12-07T08:00:00.000Z',
  lastSeen: '2026-12-07T08:00:01.000Z',
  count: 21,
  evidence: {},
  rows: [],
  reason,
});

test('one scan seen two ways is one decision; a more severe finding is decided again; forged bogon sources wait for the end', async () => {
  const config = join(dir, 'netsentinel.yaml');
  // no channel: decisions only (the live test delivers to a webhook)
  writeFileSync(config, 'respond:\n  allowlistDefaults: false\n');
  const lines: string[] = [];
  const r = await captureResponder({ respond: true, config }, join(dir, 'd.db'), (l) => lines.push(l), true);
  assert.equal(r.apply, false, 'a dry run without --apply');
  r.onFindings([finding('packet.syn-scan', '203.0.113.9', '10.0.0.1', 2, 'sent SYNs to 21 targets')]);
  r.onFindings([finding('port-scan.vertical', '203.0.113.9', '10.0.0.1', 2, 'probed 150 ports')]);
  r.onFindings([finding('packet.syn-scan', '203.0.113.9', '10.0.0.1', 2, 'sent SYNs to 150 targets'), finding('port-scan.vertical', '203.0.113.9', '10.0.0.1', 2, 'probed 150 ports')]);
  // 30 forged bogon sources towards one host (a flood from random addresses)
  r.onFindings(Array.from({ length: 30 }, (_, i) => finding('spoofing.bogon-source', `240.0.0.${i + 1}`, '10.0.0.5', 3, 'a source that cannot be on a wire')));
  r.onFindings([finding('brute-force.ssh', '203.0.113.9', '10.0.0.1', 1, '400 failed logins')]);
  await r.close();
  const decided = lines.map((l) => JSON.parse(l) as { event_type: string; value: string; type: string; reasonKey: string; severity: string; simulated: boolean });
  assert.ok(decided.every((d) => d.event_type === 'decision' && d.simulated));
  assert.deepEqual(
    decided.map((d) => [d.value, d.type, d.severity, d.reasonKey]),
    [
      ['203.0.113.9', 'alert', 'high', 'rule:packet.syn-scan'],
      ['203.0.113.9', 'ban', 'high', 'rule:packet.syn-scan'],
      ['203.0.113.9', 'alert', 'critical', 'rule:brute-force.ssh'],
      ['203.0.113.9', 'ban', 'critical', 'rule:brute-force.ssh'],
    ],
  );
  // four policy runs: the bogon sources' findings made none
  assert.deepEqual(r.totals, { decisions: 4, queued: 0, runs: 4 });
});

test('a webhook that holds its first request does not hold the next decisions; every alert is delivered once it answers', async () => {
  // a real HTTP server that keeps each request waiting until the test releases it
  const held: { body: Record<string, unknown>; answer: () => void }[] = [];
  const received: unknown[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const b = JSON.parse(body) as Record<string, unknown>;
      held.push({ body: b, answer: () => (received.push(b.ip), res.writeHead(201, { 'content-type': 'application/json' }).end('{}')) });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  let released = false;
  try {
    const config = join(dir, 'webhook.yaml');
    writeFileSync(config, ['respond:', '  allowlistDefaults: false', 'webhook:', `  url: http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, '  timeoutSeconds: 120', ''].join('\n'));
    const lines: string[] = [];
    const r = await captureResponder({ respond: true, apply: true, config }, join(dir, 'w.db'), (l) => lines.push(l), true);
    const scanners = ['203.0.113.21', '203.0.113.22', '203.0.113.23'];
    for (const ip of scanners) r.onFindings([finding('packet.syn-scan', ip, '10.0.0.1', 2, 'sent SYNs to 21 targets')]);
    // every scanner is banned while the first alert still waits for its answer
    for (let i = 0; i < 600 && (lines.length < 6 || !held.length); i++) await new Promise((res) => setTimeout(res, 50));
    const bans = lines.map((l) => JSON.parse(l) as { type: string; value: string; simulated: boolean }).filter((d) => d.type === 'ban');
    assert.deepEqual(bans.map((d) => [d.value, d.simulated]).sort(), scanners.map((ip) => [ip, false]));
    assert.equal(held.length, 1, 'one delivery at a time: the first alert is still held');
    // the webhook answers from now on: close() waits for every alert to be delivered
    released = true;
    held[0].answer();
    const answering = setInterval(() => {
      for (const h of held.splice(1)) h.answer();
    }, 20);
    try {
      await r.close();
    } finally {
      clearInterval(answering);
    }
    for (const h of held.splice(1)) h.answer();
    assert.deepEqual(r.totals, { decisions: 6, queued: 3, runs: 3 });
    assert.deepEqual([...received].sort(), scanners, 'each alert delivered once');
  } finally {
    if (!released) for (const h of held) h.answer();
    await new Promise<void>((res) => {
      server.close(() => res());
      server.closeAllConnections();
    });
  }
});
