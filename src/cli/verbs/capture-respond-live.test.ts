/**
 * `netsentinel capture --respond --apply` acts while the capture runs: in two namespaces this test
 * creates, a port scan from one to the other is banned and its alert delivered to a webhook server
 * (a real HTTP server in the capturing namespace) before the capture is stopped; the decision is
 * printed as a "decision" record and is in the store for `decisions list`. The SYN watch and the
 * port-scan rule both find the scan: one source with two reasons, one ban and one alert. At the end
 * the whole result goes through the policy once more and decides nothing twice: only the scanner's
 * risk, judged at the end and more severe than its findings (critical), is a new decision. Needs root, tcpdump and iproute2: skipped, saying why, without them, except
 * under CI=true.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Background, killAll, namespacePair, sleep } from '../../testing/live-namespaces.js';
import { liveCaptureTest } from '../../testing/live-capture-test.js';

const { main, dir, baselineFile, skip } = liveCaptureTest('ns-capture-respond-');

type Line = Record<string, any>;
const parse = (out: string): Line[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

/** a webhook backend: each request's body as a JSON line in the file, answered 201 */
const RECEIVER = `
import http from 'node:http';
import { appendFileSync } from 'node:fs';
const [port, file] = process.argv.slice(2);
http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    appendFileSync(file, JSON.stringify({ key: req.headers['idempotency-key'], body: JSON.parse(body) }) + '\\n');
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
`;

/** the same with a syslog receiver beside it: each datagram a line in the second file */
const RECEIVERS = RECEIVER.replace("import http from 'node:http';", "import http from 'node:http';\nimport dgram from 'node:dgram';") + `
const [, , syslogPort, syslogFile] = process.argv.slice(2);
dgram.createSocket('udp4').on('message', (m) => appendFileSync(syslogFile, m.toString() + '\\n')).bind(Number(syslogPort), '127.0.0.1');
`;

test('capture --respond --apply bans a scanner and delivers its alert while the capture runs; the end decides nothing twice', { skip: skip(['tcpdump', 'ip'], 'tcpdump, iproute2') }, async () => {
  const net = namespacePair('prs', dir);
  const received = join(dir, 'webhook.jsonl');
  const store = join(dir, 'decisions.db');
  const port = String(20000 + (process.pid % 20000));
  writeFileSync(join(dir, 'receiver.mjs'), RECEIVER);
  const config = join(dir, 'netsentinel.yaml');
  writeFileSync(config, ['webhook:', `  url: http://127.0.0.1:${port}/alerts`, ''].join('\n'));
  let server: Background | undefined;
  let hook: Background | undefined;
  let cap: Background | undefined;
  try {
    server = await net.serve();
    hook = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, join(dir, 'receiver.mjs'), port, received)));
    await hook.waitFor('out', /ready/, 20000);
    cap = new Background(
      spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', net.vethA, '-b', baselineFile, '--json', '--batch-seconds', '1', '--respond', '--apply', '--config', config, '--store', store)),
    );
    await cap.waitFor('err', /nothing is kept on disk.*\n/, 30000);
    net.fromB('scan', net.ipA, '1', '150');
    // the ban, printed as it is decided, while the capture runs
    await cap.waitFor('out', new RegExp(`"event_type":"decision"[^\\n]*"value":"${net.ipB.replace(/\./g, '\\.')}","type":"ban"`), 30000);
    // its alert at the webhook, also before the capture ends
    const until = Date.now() + 30000;
    const alertsAbout = (): Line[] => (existsSync(received) ? parse(readFileSync(received, 'utf8')) : []).filter((r) => r.body.ip === net.ipB);
    while (!alertsAbout().length && Date.now() < until) await sleep(100);
    assert.equal(cap.child.exitCode, null, 'the capture is still running');
    const live = alertsAbout();
    assert.equal(live.length, 1, readFileSync(received, 'utf8'));
    assert.equal(live[0].body.blocked, true);
    assert.equal(live[0].body.role, 'source');
    assert.match(live[0].body.reason, /^packet\.syn-scan: 10\.77\.0\.2 sent SYNs to \d+ \(host, port\) targets/);
    // a real decision in the store, for `decisions list` and `block apply`
    const listed = spawnSync(process.execPath, [main, 'decisions', 'list', '--store', store, '--ip', net.ipB, '--json'], { encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    const held = (JSON.parse(listed.stdout) as { decisions: Line[] }).decisions;
    assert.deepEqual(held.map((d) => [d.type, d.simulated, d.origin.split(':')[0]]).sort(), [['alert', false, 'capture'], ['ban', false, 'capture']]);

    cap.child.kill('SIGINT');
    assert.equal(await cap.exited, 0, cap.err);
    const lines = parse(cap.out);
    const decided = lines.filter((l) => l.event_type === 'decision');
    // decided once for the scan: when the SYN watch found it; the port-scan rule's finding (opened,
    // then both closed) is one more reason of the same source, not a second ban and alert. Its
    // risky-source window, closed when the capture ended, adds a decision only if its risk is more
    // severe than the findings (critical)
    const ofB = decided.filter((d) => d.value === net.ipB);
    assert.deepEqual(ofB.filter((d) => d.reasonKey !== 'risk').map((d) => [d.type, d.reasonKey]).sort(), [['alert', 'rule:packet.syn-scan'], ['ban', 'rule:packet.syn-scan']]);
    assert.ok(ofB.filter((d) => d.reasonKey === 'risk').every((d) => d.severity === 'critical'), JSON.stringify(ofB));
    const summary = lines.at(-1) as Line;
    assert.equal(summary.event_type, 'capture_summary');
    // every decision printed while capturing is counted; one notification per alert (the scan's says the address is blocked)
    assert.deepEqual(summary.respondWhileCapturing, { decisions: decided.length, queued: decided.filter((d) => d.type === 'alert').length });
    // the end: what was decided while capturing is suppressed; what is new is only the whole capture's risk, if more severe
    const atEnd = summary.respond.decisions.filter((d: Line) => d.value === net.ipB);
    assert.ok(atEnd.every((d: Line) => d.reasonKey === 'risk' && d.severity === 'critical'), JSON.stringify(atEnd));
    for (const d of atEnd) assert.ok(!ofB.some((x) => x.type === d.type && x.reasonKey === d.reasonKey), `decided twice: ${JSON.stringify(d)}`);
    assert.equal(summary.respond.notifications.undelivered, 0);
    const alertDecisions = ofB.filter((d) => d.type === 'alert').length + atEnd.filter((d: Line) => d.type === 'alert').length;
    assert.equal(alertsAbout().length, alertDecisions, 'one webhook alert per alert decision, none twice');
  } finally {
    await killAll(cap, hook, server);
    net.remove();
  }
});

test('capture --respond leaves its own notifications out of the capture: the webhook POST and syslog datagram of an alert on the captured interface are no flows', { skip: skip(['tcpdump', 'ip'], 'tcpdump, iproute2') }, async () => {
  const net = namespacePair('pro', dir);
  const received = join(dir, 'own-webhook.jsonl');
  const syslogged = join(dir, 'own-syslog.txt');
  const out = join(dir, 'own-out');
  const port = 20000 + ((process.pid + 7) % 20000);
  const syslogPort = port + 1;
  writeFileSync(join(dir, 'receivers.mjs'), RECEIVERS);
  const config = join(dir, 'own.yaml');
  writeFileSync(config, ['webhook:', `  url: http://127.0.0.1:${port}/alerts`, 'syslog:', '  host: 127.0.0.1', `  port: ${syslogPort}`, '  protocol: udp', ''].join('\n'));
  let server: Background | undefined;
  let hook: Background | undefined;
  let cap: Background | undefined;
  try {
    server = await net.serve();
    hook = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, join(dir, 'receivers.mjs'), String(port), received, String(syslogPort), syslogged)));
    await hook.waitFor('out', /ready/, 20000);
    // every interface of A: its link to B, and its loopback, which the notifications take
    cap = new Background(
      spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', 'any', '-b', baselineFile, '--json', '--batch-seconds', '1', '--respond', '--apply', '--config', config, '--store', join(dir, 'own.db'), '-o', out)),
    );
    await cap.waitFor('err', /Ctrl-C stops and writes the results.*\n/, 30000);
    net.fromB('scan', net.ipA, '1', '150');
    // the scan's alert, sent on both channels while the capture runs (through the captured loopback)
    const until = Date.now() + 30000;
    const sent = (): boolean => existsSync(received) && readFileSync(received, 'utf8').includes(net.ipB) && existsSync(syslogged) && readFileSync(syslogged, 'utf8').includes(net.ipB);
    while (!sent() && Date.now() < until) await sleep(100);
    assert.ok(sent(), `an alert on both channels: ${cap.err}`);
    await sleep(1500);
    cap.child.kill('SIGINT');
    assert.equal(await cap.exited, 0, cap.err);
    assert.doesNotMatch(cap.err, /does not resolve/);
    const rows = readFileSync(join(out, 'flows_scored.csv'), 'utf8').trim().split('\n');
    const col = rows[0].split(',');
    const [srcIp, srcPort, dstPort] = ['src_ip', 'src_port', 'dst_port'].map((c) => col.indexOf(c));
    const flows = rows.slice(1).map((r) => r.split(','));
    assert.ok(flows.filter((f) => f[srcIp] === net.ipB).length >= 100, 'the scan was captured');
    const own = flows.filter((f) => [String(port), String(syslogPort)].includes(f[dstPort]) || [String(port), String(syslogPort)].includes(f[srcPort]));
    assert.deepEqual(own.map((f) => f.join(',')), [], 'no flow of its own notifications');
  } finally {
    await killAll(cap, hook, server);
    net.remove();
  }
});
