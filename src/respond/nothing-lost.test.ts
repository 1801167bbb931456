/**
 * Target "Nothing lost": the alerts of an analysis of the CIC-IDS2017 sample go out by email
 * (SMTP with STARTTLS and AUTH), webhook and syslog (TCP); while they are being delivered, each of
 * the three servers stops (right after its first accepted delivery) and starts again later on
 * the same port. After `netsentinel notify --flush` every alert has arrived exactly once at each
 * server, counted there (the webhook by Idempotency-Key, which also absorbs one answer we make
 * the backend lose), and the outbox is empty. A second respond run adds nothing (suppression).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { TestHttpBackend, TestSmtpServer, TestSyslogTcp, testCertificate } from '../testing/notify-servers.js';
import { findProgram } from '../util/find-program.js';
import { readAnalysisOutput } from './analysis-input.js';
import { loadRespondSettings } from './respond-settings.js';
import { Allowlist } from './allowlist.js';
import { respond } from './respond-run.js';
import { channelsFrom } from './notify/outbox-delivery.js';
import { openOutboxStore } from '../store/outbox-store.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const skip = skipWithoutShared('datasets', 'cicids2017-sample') || (findProgram('openssl') ? false : 'needs openssl to make the SMTP test certificate');

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** the CLI without blocking this process: the test's own servers must keep answering meanwhile */
function cliAsync(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('Nothing lost: SMTP, webhook and syslog servers stopped and started during delivery; every alert arrives once at each', { skip, timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-nothing-lost-'));
  const sample = sharedPath('datasets', 'cicids2017-sample')!;
  const store = join(dir, 'n.db');
  const out = join(dir, 'out');
  const b = cli('baseline', join(sample, 'BENIGN_2500.csv'), '-o', join(dir, 'b.nsb'), '-q');
  assert.equal(b.code, 0, b.stderr);
  const a = cli('analyze', sample, '-b', join(dir, 'b.nsb'), '-o', out, '--store', store, '--no-report', '-q');
  assert.equal(a.code, 0, a.stderr);

  const tls = testCertificate();
  const smtp = new TestSmtpServer(tls);
  const backend = new TestHttpBackend();
  const syslog = new TestSyslogTcp();
  for (const s of [smtp, backend, syslog]) await s.start();
  try {
    const config = join(dir, 'netsentinel.yaml');
    writeFileSync(
      config,
      [
        'respond:',
        '  actions: { low: [alert] }',
        'smtp:',
        `  host: 127.0.0.1`,
        `  port: ${smtp.port}`,
        '  user: alerts',
        '  password: s3cret',
        `  ca: ${tls.certFile}`,
        '  to: [soc@example.org]',
        'webhook:',
        `  url: http://127.0.0.1:${backend.port}/api/alerts`,
        '  maxRetries: 1',
        '  backoffSeconds: 0.05',
        'syslog:',
        '  host: 127.0.0.1',
        `  port: ${syslog.port}`,
        '  protocol: tcp',
        '',
      ].join('\n'),
    );
    const settings = loadRespondSettings({ configFile: config, env: {} });
    const input = await readAnalysisOutput(out);
    // small batches, so each channel makes several deliveries and a stop lands in the middle
    const channels = channelsFrom(settings.notify, { emailBatch: 2, syslogBatch: 2 });
    smtp.stopAfter(1);
    backend.stopAfter(3);
    syslog.stopAfter(1);
    const problems: string[] = [];
    const first = await respond({ sources: input.sources, origin: input.origin, config: settings.respond, notify: settings.notify, allowlist: new Allowlist([]), store, apply: true, outDir: out, channels, onProblem: (l) => problems.push(l) });
    const alerts = first.decisions.filter((d) => d.type === 'alert');
    const keys = alerts.map((d) => `netsentinel-${d.id}`).sort();
    assert.ok(alerts.length >= 6, `the analysis gives several alerts (${alerts.length})`);
    assert.equal(first.queued, alerts.length * 3);
    // each server went down mid-run: some alerts delivered, the rest waiting, one line per server
    for (const s of [smtp, backend, syslog]) assert.equal(s.running, false);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems.join('\n'), new RegExp(`SMTP server 127\\.0\\.0\\.1:${smtp.port} unreachable .*; \\d+ (notification waits|notifications wait) in the outbox`));
    assert.match(problems.join('\n'), new RegExp(`webhook http://127\\.0\\.0\\.1:${backend.port}/api/alerts unreachable \\(ECONNREFUSED after 2 attempts\\); \\d+ (notification waits|notifications wait) in the outbox`));
    assert.match(problems.join('\n'), new RegExp(`syslog tcp://127\\.0\\.0\\.1:${syslog.port} unreachable .*; \\d+ (notification waits|notifications wait) in the outbox`));
    const delivered = Object.fromEntries(first.delivery.map((d) => [d.channel, d.sent]));
    assert.deepEqual(delivered, { email: 2, webhook: 3, syslog: 2 });
    assert.ok(first.delivery.every((d) => d.waiting === alerts.length - d.sent));

    // a flush while they are still down delivers nothing and loses nothing
    const down = await cliAsync('notify', '--flush', '--config', config, '--store', store);
    assert.equal(down.code, 1);
    assert.equal(down.stderr.trim().split('\n').length, 3, down.stderr);

    for (const s of [smtp, backend, syslog]) await s.start();
    backend.cutAt = 1; // the backend records the 2nd alert after the restart but its answer is lost
    const flush = await cliAsync('notify', '--flush', '--config', config, '--store', store, '--json');
    assert.equal(flush.code, 0, flush.stderr);
    const report = JSON.parse(flush.stdout) as { outbox: { channel: string; pending: number; sent: number }[] };
    assert.deepEqual(report.outbox, ['email', 'syslog', 'webhook'].map((channel) => ({ channel, pending: 0, sent: alerts.length, held: 0, heldUntil: null, lastError: null })));

    // counted at each server: every alert exactly once
    const once = (m: Map<string, number>): string[] => [...m.entries()].filter(([, n]) => n === 1).map(([k]) => k).sort();
    assert.deepEqual(once(smtp.arrivals), keys, 'SMTP: each alert in exactly one accepted message');
    assert.equal(smtp.arrivals.size, keys.length);
    assert.ok(smtp.messages.every((m) => m.secure && m.user === 'alerts'));
    assert.deepEqual(once(syslog.arrivals), keys, 'syslog: each alert exactly once');
    assert.equal(syslog.arrivals.size, keys.length);
    assert.deepEqual([...backend.accepted.keys()].sort(), keys, 'webhook: each alert accepted once');
    const retried = [...backend.arrivals.entries()].filter(([, n]) => n > 1);
    assert.equal(retried.length, 1, 'the one lost answer was retried with the same Idempotency-Key');
    const outbox = await openOutboxStore(store);
    try {
      assert.equal((await outbox.list({ pending: true })).length, 0);
    } finally {
      await outbox.close();
    }

    // a later run within the suppression window decides and sends nothing new
    const again = await cliAsync('respond', out, '--apply', '--config', config, '--store', store, '--json');
    assert.equal(again.code, 0, again.stderr);
    const j = JSON.parse(again.stdout) as { decisions: unknown[]; notifications: { queued: number } };
    assert.equal(j.notifications.queued, 0);
    assert.equal(smtp.arrivals.size + syslog.arrivals.size + backend.accepted.size, keys.length * 3);
    t.diagnostic(`${keys.length} alerts from ${input.sources.length} sources; before the stops: ${JSON.stringify(delivered)}; after the flush each server counted ${keys.length} distinct alerts, none twice (webhook: 1 retried answer absorbed by Idempotency-Key); SMTP messages ${smtp.messages.length}`);
  } finally {
    for (const s of [smtp, backend, syslog]) await s.stop();
  }
});
