/**
 * Our syslog messages as a real receiver reads them: Debian's rsyslogd, started by the test with
 * a configuration of its own (imtcp and imudp on loopback ports, an omfile action), must parse
 * the RFC 5424 header, the structured data and the octet-counted TCP frames. Skips (saying why)
 * without rsyslogd; under CI=true it must run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram } from '../../util/find-program.js';
import { sendSyslog } from './syslog-channel.js';
import { syslogConfigFrom } from './notify-config.js';
import type { AlertMessage } from './alert-message.js';

const rsyslogd = findProgram('rsyslogd', process.env.PATH, ['/usr/sbin']);
const skip = !rsyslogd && process.env.CI !== 'true' ? 'needs rsyslogd (Debian: rsyslog)' : false;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function alert(i: number): AlertMessage {
  return { key: `netsentinel-rs${i}`, ip: `203.0.113.${i}`, scope: 'ip', severity: 'high', reason: `brute force on ssh ] "${i}"`, risk: 0.9999, origin: 'analyze:t', created: '2026-12-03T08:00:00.000Z', expires: '2026-12-03T12:00:00.000Z', blocked: true };
}

test('rsyslogd reads our RFC 5424 messages over TCP (octet counting) and UDP', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-rsyslog-'));
  const tcpPort = await freePort();
  const udpPort = await freePort();
  const outFile = join(dir, 'received.log');
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    `global(workDirectory="${dir}")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}")
input(type="imudp" address="127.0.0.1" port="${udpPort}")
template(name="fields" type="string" string="%protocol-version%|%app-name%|%msgid%|%syslogseverity-text%|%structured-data%|%msg%\\n")
action(type="omfile" file="${outFile}" template="fields")
`,
  );
  const daemon = spawn(rsyslogd!, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  daemon.stderr!.on('data', (d) => (stderr += d));
  try {
    // wait until it listens
    for (let i = 0; ; i++) {
      const up = await new Promise<boolean>((r) => {
        const s = net.connect(tcpPort, '127.0.0.1', () => (s.destroy(), r(true)));
        s.on('error', () => r(false));
      });
      if (up) break;
      if (i > 100) throw new Error(`rsyslogd did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await sendSyslog(syslogConfigFrom({ host: '127.0.0.1', port: tcpPort, protocol: 'tcp' }, {}, 't')!, [alert(1), alert(2)]);
    await sendSyslog(syslogConfigFrom({ host: '127.0.0.1', port: udpPort, protocol: 'udp' }, {}, 't')!, [alert(3)]);
    let lines: string[] = [];
    for (let i = 0; i < 100; i++) {
      lines = existsSync(outFile) ? readFileSync(outFile, 'utf8').trim().split('\n').filter(Boolean) : [];
      if (lines.length >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(lines.length, 3, `rsyslogd wrote: ${lines.join('\n')}; stderr: ${stderr}`);
    for (const [i, line] of lines.sort().entries()) {
      const n = i + 1;
      const [version, app, msgid, severity, sd, ...msg] = line.split('|');
      assert.equal(version, '1');
      assert.equal(app, 'netsentinel');
      assert.equal(msgid, 'ALERT');
      assert.equal(severity, 'err', 'high → error (3)');
      assert.match(sd, new RegExp(`^\\[netsentinel@32473 key="netsentinel-rs${n}" ip="203\\.0\\.113\\.${n}" severity="high" risk="0\\.9999" origin="analyze:t" blocked="true" expires="2026-12-03T12:00:00\\.000Z"\\]$`));
      assert.match(msg.join('|'), new RegExp(`high 203\\.0\\.113\\.${n}: brute force on ssh \\] "${n}"$`));
    }
  } finally {
    daemon.kill();
  }
});
