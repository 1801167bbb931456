/**
 * The streaming worker's alerts are delivered in the background, never inside a message's step:
 * a webhook that holds its request does not hold the next messages' decisions (before, each
 * message flushed the outbox itself and waited for the answer, its ack and the messages behind it
 * too); a webhook that fails is not tried again by every message but after a wait, and by itself
 * once the wait is over (the alert goes out with no new message to carry it). Real HTTP servers;
 * the responder is driven as the worker drives it, one message at a time (no NATS needed), and
 * `stream --stdin` runs through the CLI with the webhook down.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { Finding } from '../detect/finding.js';
import { buildAllowlist } from '../respond/allowlist.js';
import { loadRespondSettings } from '../respond/respond-settings.js';
import { TestHttpBackend } from '../testing/notify-servers.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { timeOrderedCopy } from '../testing/time-ordered-sample.js';
import { streamResponder, type StreamRespondOptions } from './stream-respond.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-stream-delivery-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const scan = (srcIp: string): Finding => ({
  ruleId: 'port-scan.vertical',
  title: 'Vertical port scan',
  category: 'reconnaissance',
  severity: 2,
  srcIp,
  targets: { ips: ['10.0.0.1'], ipCount: 1, ports: [22, 80], portCount: 150, countsCapped: false },
  firstSeen: '2026-12-07T08:00:00.000Z',
  lastSeen: '2026-12-07T08:00:01.000Z',
  count: 150,
  evidence: {},
  rows: [],
  reason: `${srcIp} probed 150 ports on 10.0.0.1`,
});

async function options(name: string, webhook: string[], problems: string[]): Promise<StreamRespondOptions> {
  const config = join(dir, `${name}.yaml`);
  writeFileSync(config, ['respond:', '  allowlistDefaults: false', 'webhook:', ...webhook, ''].join('\n'));
  const settings = loadRespondSettings({ configFile: config });
  const allowlist = await buildAllowlist({ entries: settings.respond.allowlist, defaults: false, gateways: [], resolvers: [], where: config });
  return { config: settings.respond, notify: settings.notify, allowlist, store: join(dir, `${name}.db`), apply: true, onProblem: (l) => problems.push(l) };
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms).unref())]);

test('a webhook that holds its request holds no message: each message returns once its alerts are queued', async () => {
  const held: { ip: unknown; answer: () => void }[] = [];
  const received: unknown[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const b = JSON.parse(body) as Record<string, unknown>;
      held.push({ ip: b.ip, answer: () => (received.push(b.ip), res.writeHead(201, { 'content-type': 'application/json' }).end('{}')) });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const problems: string[] = [];
  const r = streamResponder(await options('held', [`  url: http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, '  timeoutSeconds: 120'], problems));
  try {
    const scanners = ['203.0.113.31', '203.0.113.32', '203.0.113.33'];
    for (const [i, ip] of scanners.entries()) {
      const made = await within(r.respondTo(`stream:t#${i + 1}`, [], [scan(ip)]), 5_000, `message ${i + 1} with the webhook holding its first request`);
      assert.deepEqual(made!.decisions.map((d) => `${d.type} ${d.value}`).sort(), [`alert ${ip}`, `ban ${ip}`]);
      assert.equal(made!.queued, 1);
      assert.deepEqual(made!.delivery, [], 'nothing delivered inside the step');
    }
    for (let i = 0; i < 100 && !held.length; i++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(held.length, 1, 'one delivery at a time: the first alert is still held');
    // the webhook answers from now on: each alert is delivered once, in the background
    held[0].answer();
    const answering = setInterval(() => {
      for (const h of held.splice(1)) h.answer();
    }, 20);
    try {
      await within(r.idle(), 10_000, 'the delivery');
    } finally {
      clearInterval(answering);
    }
    assert.deepEqual([...received].sort(), scanners);
    assert.deepEqual(await r.close(), { waiting: 0 });
    assert.deepEqual(problems, []);
  } finally {
    for (const h of held.splice(1)) h.answer();
    await new Promise<void>((res) => {
      server.close(() => res());
      server.closeAllConnections();
    });
  }
});

test('a webhook that fails is tried again after a wait, not by every message, and by itself once the wait is over', async () => {
  const backend = new TestHttpBackend();
  await backend.start();
  backend.script.push(503);
  const problems: string[] = [];
  const o = await options('down', [`  url: http://127.0.0.1:${backend.port}/alerts`, '  maxRetries: 0'], problems);
  const r = streamResponder({ ...o, retry: { firstRetryMs: 1_500 } });
  try {
    await r.respondTo('stream:t#1', [], [scan('203.0.113.41')]);
    await r.idle();
    assert.equal(backend.requests, 1, 'the first delivery was tried');
    assert.equal(backend.accepted.size, 0);
    assert.equal(problems.filter((l) => /unreachable/.test(l)).length, 1, problems.join('\n'));
    assert.match(problems.join('\n'), /respond: delivering alerts: the next try in 1\.5 s/);
    // two more messages within the wait: their alerts are queued, the webhook is not tried again
    await r.respondTo('stream:t#2', [], [scan('203.0.113.42')]);
    await r.respondTo('stream:t#3', [], [scan('203.0.113.43')]);
    await r.idle();
    assert.equal(backend.requests, 1, 'no message tried the failed webhook again within the wait');
    // the wait ends: the three alerts go out with no message to carry them
    for (let i = 0; i < 250 && backend.accepted.size < 3; i++) await new Promise((res) => setTimeout(res, 20));
    await r.idle();
    assert.deepEqual([...backend.accepted.values()].map((b) => b.ip).sort(), ['203.0.113.41', '203.0.113.42', '203.0.113.43']);
    assert.equal(problems.filter((l) => /unreachable/.test(l)).length, 1, 'one failure, said once');
    // the wait ended with the delivery: the next alert goes at once
    await r.respondTo('stream:t#4', [], [scan('203.0.113.44')]);
    await within(r.idle(), 5_000, 'the next delivery');
    assert.equal(backend.accepted.size, 4);
    assert.deepEqual(await r.close(), { waiting: 0 });
  } finally {
    await backend.stop();
  }
});

test('at drain the worker says what still waits in the outbox', async () => {
  const backend = new TestHttpBackend();
  await backend.start();
  backend.script.push(503, 503);
  const problems: string[] = [];
  const o = await options('drain', [`  url: http://127.0.0.1:${backend.port}/alerts`, '  maxRetries: 0'], problems);
  const r = streamResponder({ ...o, retry: { firstRetryMs: 60_000 } });
  try {
    await r.respondTo('stream:t#1', [], [scan('203.0.113.51')]);
    await r.respondTo('stream:t#2', [], [scan('203.0.113.52')]);
    await r.idle();
    assert.deepEqual(await within(r.close(), 5_000, 'the drain'), { waiting: 2 }, 'the drain does not wait for the retry');
    assert.equal(backend.requests, 1);
  } finally {
    await backend.stop();
  }
});

test('stream --stdin --respond --apply with the webhook down: the run is not held, the webhook tried once per wait, what waits said at drain', { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv'), timeout: 300_000 }, async () => {
  const file = (name: string): string => sharedPath('datasets', 'cicids2017-sample', name)!;
  const cli = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, maxBuffer: 256 << 20, env: { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '' } });
  const baseline = join(dir, 'benign.nsb');
  const b = cli(['baseline', file('BENIGN_2500.csv'), '-o', baseline, '-q']);
  assert.equal(b.status, 0, b.stderr);
  // a port nothing listens on
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const config = join(dir, 'stdin.yaml');
  writeFileSync(config, ['respond:', '  allowlistDefaults: false', 'webhook:', `  url: http://127.0.0.1:${port}/alerts`, '  maxRetries: 0', ''].join('\n'));
  // four attacks, each in time order as a live feed comes (a random sample's shuffled order closes
  // few source windows): a dozen messages with something to decide
  const input = ['Portscan_2500.csv', 'SSH-Patator_2500.csv', 'FTP-Patator_2500.csv', 'DDoS_2500.csv']
    .map((f, i) => {
      const text = readFileSync(timeOrderedCopy(file(f), dir), 'utf8');
      return i ? text.slice(text.indexOf('\n') + 1) : text;
    })
    .join('');
  const started = performance.now();
  const s = cli(['stream', '--stdin', '--baseline', baseline, '--respond', '--apply', '--config', config, '--store', join(dir, 'stdin.db'), '--batch-rows', '250', '--json'], input);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(s.status, 0, s.stderr);
  const stats = JSON.parse(s.stderr.split('\n').filter((l) => l.startsWith('{')).at(-1)!) as { respond: { decisions: number; queued: number; runs: number } };
  assert.ok(stats.respond.runs >= 5 && stats.respond.queued >= 2, JSON.stringify(stats.respond));
  // the first delivery failed; the later messages queued theirs without trying again (before: one try per run)
  const tries = s.stderr.split('\n').filter((l) => /webhook .* unreachable/.test(l)).length;
  assert.ok(tries >= 1 && tries <= 1 + Math.floor(seconds / 15), `${tries} tries in ${seconds.toFixed(1)} s over ${stats.respond.runs} runs:\n${s.stderr}`);
  assert.match(s.stderr, /respond: delivering alerts: the next try in 15 s/);
  const waiting = /netsentinel: stream: (\d+) notifications? waits? in the outbox \(a channel down\); the next worker with --respond --apply, or `netsentinel notify --flush`, sends/.exec(s.stderr);
  assert.ok(waiting, s.stderr);
  assert.equal(Number(waiting[1]), stats.respond.queued, 'every queued alert still waits, none lost');
});
