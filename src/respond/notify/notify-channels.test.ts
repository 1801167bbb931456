/**
 * Each channel against a real server the test starts: SMTP (STARTTLS + AUTH, one message per
 * batch with text and HTML), the HTTP backend (retries with backoff on 503/429, the same
 * Idempotency-Key on every attempt, a 4xx is final), syslog over UDP and TCP (RFC 5424, octet
 * counting); and the outbox's one line when a server cannot be reached, and what it says of an
 * alert a server refused (held, until when, and the server's words).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { findProgram } from '../../util/find-program.js';
import { TestHttpBackend, TestSmtpServer, TestSyslogTcp, TestSyslogUdp, testCertificate } from '../../testing/notify-servers.js';
import { decisionMessage, type AlertMessage } from './alert-message.js';
import { sendEmail, emailContent } from './email-channel.js';
import { smtpConfigFrom, syslogConfigFrom, webhookConfigFrom } from './notify-config.js';
import { escapeSdValue, formatRfc5424, octetFrame, readOctetFrames } from './rfc5424.js';
import { sendSyslog, syslogLine } from './syslog-channel.js';
import { backoffMs, postAlert, DeliveryError, webhookBody } from './webhook-channel.js';
import { channelsFrom, enqueueAlerts, flushOutbox } from './outbox-delivery.js';
import { openOutboxStore } from '../../store/outbox-store.js';

function alert(i: number, o: Partial<AlertMessage> = {}): AlertMessage {
  return { key: `netsentinel-k${i}`, ip: `203.0.113.${i}`, scope: 'ip', severity: i % 2 ? 'critical' : 'medium', reason: `port-scan.vertical: probed ${i * 10} ports <b>&</b> "quoted"`, risk: 0.99999, origin: 'analyze:t', created: '2026-12-03T08:00:00.000Z', expires: '2026-12-04T08:00:00.000Z', blocked: i % 2 === 1, ...o };
}

test('RFC 5424: header fields, structured data escaping, octet counting', () => {
  const line = formatRfc5424({ facility: 16, severity: 2, timestamp: new Date('2026-12-03T08:00:00.123Z'), hostname: 'sensor 1', appName: 'netsentinel', procId: '42', msgId: 'ALERT', structuredData: { 'netsentinel@32473': { ip: '203.0.113.1', reason: 'a "b" \\c] d' } }, message: 'critical 203.0.113.1: x' });
  assert.equal(line, '<130>1 2026-12-03T08:00:00.123Z sensor_1 netsentinel 42 ALERT [netsentinel@32473 ip="203.0.113.1" reason="a \\"b\\" \\\\c\\] d"] \uFEFFcritical 203.0.113.1: x');
  assert.equal(formatRfc5424({ facility: 4, severity: 5, timestamp: new Date(0), hostname: '', appName: 'a', message: '' }), '<37>1 1970-01-01T00:00:00.000Z - a - - -');
  assert.equal(escapeSdValue(']"\\'), '\\]\\"\\\\');
  const frames = Buffer.concat([octetFrame('héllo'), octetFrame('two words'), Buffer.from('12 partial')]);
  assert.equal(octetFrame('héllo').toString('utf8'), '6 héllo');
  const r = readOctetFrames(frames);
  assert.deepEqual(r.messages, ['héllo', 'two words']);
  assert.equal(r.rest.toString(), '12 partial');
});

test('email: STARTTLS and AUTH against smtp-server; one message per batch, text and HTML, IPs, severities, reasons', { skip: findProgram('openssl') ? false : 'needs openssl to make a test certificate' }, async () => {
  const tls = testCertificate();
  const server = new TestSmtpServer(tls);
  await server.start();
  try {
    const cfg = smtpConfigFrom({ host: '127.0.0.1', port: server.port, user: 'alerts', password: 's3cret', to: ['soc@example.org'], ca: tls.certFile }, {}, 't.yaml')!;
    await sendEmail(cfg, [alert(1), alert(2), alert(3)]);
    assert.equal(server.messages.length, 1);
    const m = server.messages[0];
    assert.equal(m.secure, true, 'the session was upgraded by STARTTLS');
    assert.equal(m.user, 'alerts');
    assert.deepEqual(m.keys, ['netsentinel-k1', 'netsentinel-k2', 'netsentinel-k3']);
    assert.match(m.raw, /multipart\/alternative/);
    assert.match(m.raw, /Content-Type: text\/plain/);
    assert.match(m.raw, /Content-Type: text\/html/);
    assert.match(m.raw.replace(/\r\n[ \t]+/g, ' '), /Subject: Security Alert: Suspicious Activity Detected: 3 sources \(worst: critical\)/);
    const c = emailContent([alert(1), alert(2)], 'S');
    assert.match(c.text, /203\.0\.113\.1 {2}CRITICAL {2}risk 0\.999990 {2}BLOCKED\n {4}port-scan\.vertical: probed 10 ports/);
    assert.match(c.html, /<td><code>203\.0\.113\.2<\/code><\/td><td>medium<\/td>/);
    assert.match(c.html, /&lt;b&gt;&amp;&lt;\/b&gt; &quot;quoted&quot;/);
    // a wrong password is refused by the server: an error, nothing accepted
    const bad = smtpConfigFrom({ host: '127.0.0.1', port: server.port, user: 'alerts', password: 'nope', ca: tls.certFile }, {}, 't.yaml')!;
    await assert.rejects(sendEmail(bad, [alert(4)]), /Invalid username or password/);
    assert.equal(server.messages.length, 1);
    // without the CA, the self-signed certificate is refused
    await assert.rejects(sendEmail({ ...cfg, ca: undefined }, [alert(5)]), /self[- ]signed/i);
  } finally {
    await server.stop();
  }
});

test('email: a server without STARTTLS is refused with smtp.requireTls (the default), saying so; without it the mail goes in the clear', async () => {
  const got: string[] = [];
  const plain = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, cb) {
      let d = '';
      stream.on('data', (c: Buffer) => (d += c.toString()));
      stream.on('end', () => (got.push(d), cb()));
    },
  });
  await new Promise<void>((res) => plain.listen(0, '127.0.0.1', () => res()));
  const port = (plain.server.address() as { port: number }).port;
  try {
    const cfg = smtpConfigFrom({ host: '127.0.0.1', port }, {}, 't.yaml')!;
    assert.equal(cfg.requireTls, true);
    await assert.rejects(sendEmail(cfg, [alert(1)]), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ETLS');
      assert.match(e.message, /^the server does not offer STARTTLS, and smtp\.requireTls refuses to send in the clear \(set smtp\.requireTls: false only for a server on a trusted network; server said: 500 Error: command not recognized\)$/);
      return true;
    });
    assert.equal(got.length, 0);
    await sendEmail({ ...cfg, requireTls: false }, [alert(1)]);
    assert.equal(got.length, 1);
  } finally {
    await new Promise<void>((res) => plain.close(() => res()));
  }
});

test('webhook: retries 503 and 429 with backoff, the same Idempotency-Key each time; a 400 is final', async () => {
  const backend = new TestHttpBackend();
  await backend.start();
  try {
    const cfg = webhookConfigFrom({}, { BACKEND_API_URL: `http://127.0.0.1:${backend.port}/api/alerts`, API_TIMEOUT: '2', MAX_RETRIES: '3', NETSENTINEL_WEBHOOK_BACKOFF_SECONDS: '0.01' }, 't.yaml')!;
    assert.equal(cfg.timeout, 2);
    assert.equal(cfg.maxRetries, 3);
    backend.script.push(503, 429);
    const sleeps: number[] = [];
    await postAlert(cfg, alert(7), async (ms) => void sleeps.push(ms));
    assert.equal(backend.requests, 3);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps[0] >= 5 && sleeps[0] < 15 && sleeps[1] >= 10 && sleeps[1] < 30, `backoff doubles with jitter: ${sleeps}`);
    assert.deepEqual([...backend.arrivals], [['netsentinel-k7', 1]]);
    assert.equal(backend.accepted.get('netsentinel-k7')!.ip, '203.0.113.7');
    // the answer is lost after the backend recorded it: the retry carries the same key, counted once
    backend.cutAt = 0;
    await postAlert(cfg, alert(8), async () => undefined);
    assert.equal(backend.arrivals.get('netsentinel-k8'), 2);
    assert.equal(backend.accepted.size, 2);
    backend.script.push(400);
    await assert.rejects(postAlert(cfg, alert(9), async () => undefined), (e: unknown) => e instanceof DeliveryError && !e.retryable && /HTTP 400/.test(e.message));
    backend.script.push(503, 503, 503, 503);
    await assert.rejects(postAlert(cfg, alert(10), async () => undefined), /HTTP 503 after 4 attempts/);
  } finally {
    await backend.stop();
  }
  const c = { backoff: 1, maxBackoff: 5 };
  assert.equal(backoffMs(c, 1, () => 0), 500);
  assert.equal(backoffMs(c, 3, () => 0.999999) < 6000, true);
  assert.equal(backoffMs(c, 10, () => 0.5), 5000);
  assert.throws(() => webhookConfigFrom({ url: 'ftp://x' }, {}, 't.yaml'), /t\.yaml: webhook\.url: "ftp:\/\/x" must be an http/);
  assert.throws(() => webhookConfigFrom({}, { BACKEND_API_URL: 'http://x', MAX_RETRIES: 'many' }, 't.yaml'), /environment variable MAX_RETRIES must be a whole number/);
});

test('syslog: RFC 5424 over UDP and over TCP with octet counting', async () => {
  const udp = new TestSyslogUdp();
  const tcp = new TestSyslogTcp();
  await udp.start();
  await tcp.start();
  try {
    await sendSyslog(syslogConfigFrom({ host: '127.0.0.1', port: udp.port, protocol: 'udp', facility: 'auth', hostname: 'sensor1' }, {}, 't.yaml')!, [alert(1), alert(2)]);
    await sendSyslog(syslogConfigFrom({ host: '127.0.0.1', port: tcp.port, protocol: 'tcp' }, {}, 't.yaml')!, [alert(3), alert(4), alert(5)]);
    for (let i = 0; i < 50 && udp.messages.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(udp.messages.length, 2);
    assert.match(udp.messages[0], /^<34>1 \S+Z sensor1 netsentinel \d+ ALERT \[netsentinel@32473 key="netsentinel-k1" ip="203\.0\.113\.1" severity="critical" risk="0\.99999" origin="analyze:t" blocked="true" expires="2026-12-04T08:00:00\.000Z"\] \uFEFFcritical 203\.0\.113\.1: port-scan/);
    assert.match(udp.messages[1], /^<36>1 /, 'medium → warning (4), facility auth (4)');
    assert.deepEqual(tcp.messages.map((m) => /key="([^"]+)"/.exec(m)![1]), ['netsentinel-k3', 'netsentinel-k4', 'netsentinel-k5']);
    assert.match(tcp.messages[0], /^<130>1 /, 'facility local0 by default');
    assert.throws(() => syslogConfigFrom({ host: 'x', facility: 'bogus' }, {}, 't.yaml'), /t\.yaml: syslog\.facility must be a syslog facility/);
  } finally {
    await udp.stop();
    await tcp.stop();
  }
});

test('an unreachable server is one line naming it; its notifications wait in the outbox', async () => {
  const backend = new TestHttpBackend();
  await backend.start();
  const port = backend.port;
  await backend.stop();
  const store = join(mkdtempSync(join(tmpdir(), 'ns-outbox-')), 'n.db');
  const outbox = await openOutboxStore(store);
  try {
    const channels = channelsFrom({ webhook: webhookConfigFrom({ url: `http://127.0.0.1:${port}/api/alerts`, maxRetries: 1, backoffSeconds: 0.01 }, {}, 't')! });
    assert.equal(await enqueueAlerts(outbox, channels, [alert(1), alert(2)]), 2);
    const lines: string[] = [];
    const r = await flushOutbox(outbox, channels, { onProblem: (l) => lines.push(l) });
    assert.deepEqual(lines, [`webhook http://127.0.0.1:${port}/api/alerts unreachable (ECONNREFUSED after 2 attempts); 2 notifications wait in the outbox (sqlite:${store})`]);
    assert.deepEqual(r, [{ channel: 'webhook', server: `webhook http://127.0.0.1:${port}/api/alerts`, sent: 0, waiting: 2, error: 'ECONNREFUSED after 2 attempts' }]);
    await backend.start();
    const again = await flushOutbox(outbox, channels);
    assert.equal(again[0].sent, 2);
    assert.deepEqual([...backend.accepted.keys()], ['netsentinel-k1', 'netsentinel-k2']);
  } finally {
    await outbox.close();
    await backend.stop();
  }
});

test("a refused alert: the server's words in its error, and the outbox (and `notify`) says it is held, until when, and why", async () => {
  const backend = new TestHttpBackend();
  await backend.start();
  const dir = mkdtempSync(join(tmpdir(), 'ns-outbox-refused-'));
  const store = join(dir, 'n.db');
  const outbox = await openOutboxStore(store);
  try {
    const url = `http://127.0.0.1:${backend.port}/api/alerts`;
    const channels = channelsFrom({ webhook: webhookConfigFrom({ url, maxRetries: 0 }, {}, 't')! });
    assert.equal(await enqueueAlerts(outbox, channels, [alert(1), alert(2)]), 2);
    backend.script.push(400);
    const lines: string[] = [];
    const before = Date.now();
    const r = await flushOutbox(outbox, channels, { onProblem: (l) => lines.push(l) });
    const refusal = 'HTTP 400 Bad Request: {"error": "field \\"ip\\": not accepted here"}';
    assert.deepEqual(lines, [`webhook ${url} refused alert netsentinel-k1 (${refusal}); it stays in the outbox, retried after 15 min`]);
    assert.deepEqual(r.map((x) => [x.sent, x.waiting]), [[1, 1]]);
    const [c] = await outbox.counts();
    assert.deepEqual({ ...c, heldUntil: undefined }, { channel: 'webhook', pending: 1, sent: 1, held: 1, heldUntil: undefined, lastError: refusal });
    const until = Date.parse(c.heldUntil!);
    assert.ok(until >= before + 15 * 60_000 && until <= Date.now() + 15 * 60_000, c.heldUntil!);
    // the CLI: a flush that could deliver nothing says why, instead of exit 1 and no reason
    const cfg = join(dir, 'ns.yaml');
    writeFileSync(cfg, `webhook:\n  url: ${url}\n`);
    const cli = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
    const flush = spawnSync(process.execPath, [cli, 'notify', '--flush', '--store', store, '--config', cfg], { encoding: 'utf8', env: { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '' } });
    assert.equal(flush.status, 1, flush.stderr);
    assert.equal(flush.stdout.split('\n')[1], `  webhook  1 waiting, 1 sent (1 not retried before ${c.heldUntil}; last error: ${refusal})`);
    assert.equal(backend.requests, 2, 'the held alert was not offered again');
  } finally {
    await outbox.close();
    await backend.stop();
  }
});

test('a host under attack (a finding with no source address) is told apart from a suspect on every channel', () => {
  const decision = { id: 'abc', scope: 'ip', value: '10.0.0.5', type: 'alert', severity: 'high', reason: 'under attack: flood.target-connections: 10.0.0.5 received 21,146 weighted connections (no sender address to ban: the senders are many or forged)', reasonKey: 'target:flood.target-connections', origin: 'analyze:t', created: '2026-12-03T08:00:00.000Z', expires: '2026-12-03T12:00:00.000Z', simulated: false } as const;
  const target = decisionMessage(decision, false);
  assert.equal(target.target, true);
  assert.equal('target' in decisionMessage({ ...decision, reasonKey: 'risk' }, false), false, 'a suspect\'s message is as before');
  const mail = emailContent([alert(1), target], 'S');
  assert.equal(mail.subject, 'S: 1 source, 1 host under attack (worst: critical)');
  const [suspects, attacked] = mail.text.split('The following hosts are under attack');
  assert.ok(suspects.includes('203.0.113.1') && !suspects.includes('10.0.0.5'), mail.text);
  assert.match(attacked, /^ by senders no address can be given for \(many or forged; nothing is blocked for it\) \(1\):\n\n10\.0\.0\.5 {2}HIGH\n {4}under attack: flood/);
  assert.equal(emailContent([target], 'S').subject, 'S: 1 host under attack (worst: high)');
  assert.match(emailContent([target], 'S').text, /^Alert: The following hosts are under attack/);
  assert.match(mail.html, /<p>The following hosts are under attack .*<\/p>\n<table[^]*10\.0\.0\.5/);
  assert.equal(webhookBody(target).role, 'target');
  assert.equal(webhookBody(alert(1)).role, 'source');
  const line = syslogLine(target, syslogConfigFrom({ host: '127.0.0.1' }, {}, 't.yaml')!);
  assert.match(line, / netsentinel \d+ ATTACKED \[netsentinel@32473 key="netsentinel-abc" ip="10\.0\.0\.5" role="target" severity="high" /);
});
