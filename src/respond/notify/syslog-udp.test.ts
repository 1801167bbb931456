/**
 * Syslog over UDP says honestly whether anything listened. The socket is connected, so a closed
 * port on loopback answers with ICMP port unreachable; the ECONNREFUSED it turns into arrives a
 * moment after the send, and a socket closed right after its last send never saw it: `notify
 * --flush` reported "1 sent" to a port nobody listened on. Now the batch fails with a line naming
 * the port and waits in the outbox; against a real listener (socat, and rsyslogd in
 * rsyslog-receiver.test.ts) it is sent and arrives. Skips without socat unless CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram } from '../../util/find-program.js';
import { sendSyslog } from './syslog-channel.js';
import { syslogConfigFrom } from './notify-config.js';
import type { AlertMessage } from './alert-message.js';
import { runCli } from '../../testing/cli-process.js';

const socat = findProgram('socat');
const skip = !socat && process.env.CI !== 'true' ? 'needs socat' : false;

function alert(i: number): AlertMessage {
  return { key: `netsentinel-udp${i}`, ip: `203.0.113.${i}`, scope: 'ip', severity: 'high', reason: `scan ${i}`, risk: 0.9999, origin: 'analyze:t', created: '2026-12-06T08:00:00.000Z', expires: '2026-12-06T12:00:00.000Z', blocked: true };
}

/** a UDP port on loopback nobody listens on (bound, noted, released) */
async function closedPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** whether something is bound to 127.0.0.1:port/udp (from /proc/net/udp: local address in hex) */
function bound(port: number): boolean {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8').includes(hex);
}

async function startSocat(port: number, file: string): Promise<ChildProcess> {
  const child = spawn(socat!, ['-u', `UDP4-RECV:${port},bind=127.0.0.1`, `OPEN:${file},creat,append`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !bound(port); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(bound(port), 'socat listens');
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
}

test('UDP syslog to a closed loopback port fails with ECONNREFUSED naming the port; to socat it arrives', { skip, timeout: 30_000 }, async () => {
  const port = await closedPort();
  const cfg = syslogConfigFrom({ host: '127.0.0.1', port, protocol: 'udp' }, {}, 't')!;
  await assert.rejects(sendSyslog(cfg, [alert(1)]), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'ECONNREFUSED');
    assert.match(e.message, new RegExp(`nothing listens on udp 127\\.0\\.0\\.1:${port} \\(ICMP port unreachable\\)`));
    return true;
  });
  await assert.rejects(sendSyslog(cfg, [alert(1), alert(2), alert(3)]), /ECONNREFUSED/);

  const dir = mkdtempSync(join(tmpdir(), 'ns-udp-'));
  const file = join(dir, 'got.log');
  const child = await startSocat(port, file);
  try {
    await sendSyslog(cfg, [alert(4), alert(5)]);
    await waitFor(() => existsSync(file) && (readFileSync(file, 'utf8').match(/netsentinel-udp/g) ?? []).length === 2);
    const got = readFileSync(file, 'utf8');
    assert.match(got, /key="netsentinel-udp4"/);
    assert.match(got, /key="netsentinel-udp5"/);
  } finally {
    await stop(child);
  }
});

test('notify --flush: syslog to nothing waits and exits 1; once a listener is up it is sent', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-udp-cli-'));
  const port = await closedPort();
  const conf = join(dir, 'ns.yaml');
  writeFileSync(conf, `syslog:\n  host: 127.0.0.1\n  port: ${port}\n  protocol: udp\n`);
  const store = join(dir, 'n.db');
  const saved = { ...process.env };
  Object.assign(process.env, { NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '' });
  try {
    const add = await runCli(['decisions', 'add', '203.0.113.44', '--store', store, '--config', conf]).done;
    assert.equal(add.code, 1, add.stdout + add.stderr);
    assert.match(add.stdout, /announced by syslog \(syslog udp:\/\/127\.0\.0\.1:\d+\): 0 sent, 1 waiting — ECONNREFUSED/);
    const flushed = await runCli(['notify', '--flush', '--store', store, '--config', conf, '--json']).done;
    assert.equal(flushed.code, 1);
    assert.equal(JSON.parse(flushed.stdout).delivery[0].sent, 0);

    const file = join(dir, 'got.log');
    const child = await startSocat(port, file);
    try {
      const ok = await runCli(['notify', '--flush', '--store', store, '--config', conf, '--json']).done;
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).delivery[0].sent, 1);
      await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes('203.0.113.44'));
      assert.match(readFileSync(file, 'utf8'), /ip="203\.0\.113\.44"/);
    } finally {
      await stop(child);
    }
  } finally {
    process.env = saved;
  }
});
