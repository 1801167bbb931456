/**
 * Findings about hosts known by their MAC alone reach the people `respond` tells. A monitor-mode
 * capture holds a WPA2 network, an open access point taking its name (an evil twin) and
 * aireplay-ng's deauthentication burst: no IP address anywhere in the findings. `analyze --respond
 * --apply` sends an alert about the twin (scope mac, a suspect) and one about the network
 * attacked (scope mac, role target) to a real webhook backend, a syslog listener and an SMTP
 * server; nothing reaches the blocklist. `respond OUTDIR` makes the same decisions from
 * alerts.jsonl (its `ether` and `netsentinel.srcMacs`/`targets.macs`), and `decisions` finds and
 * deletes them by MAC. Before, both findings were in the report and alerts.jsonl, and nobody was told.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { RSN_ELEMENT, radiotap, wlanBeacon, wlanManagement, writePcap, type RawPacket } from '../testing/capture-writer.js';
import { TestHttpBackend, TestSmtpServer, TestSyslogUdp, testCertificate } from '../testing/notify-servers.js';
import { findProgram } from '../util/find-program.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-mac-alerts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const skip = findProgram('openssl') ? false : 'needs openssl to make the SMTP test certificate';

/** the CLI without blocking this process: the test's servers must keep answering meanwhile */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const T0 = 1_796_000_000_000_000;
const mac = (last: number): Buffer => Buffer.from([0x02, 0xaa, 0x00, 0x00, 0x00, last]);
const AP = mac(0x01);
const TWIN = mac(0x66);
const STATION = mac(0x51);
function air(): RawPacket[] {
  const out: RawPacket[] = [];
  // the network's access point for 10 s, the twin's open beacons from 2 s
  for (let t = 0; t < 10e6; t += 102_400) out.push({ tsMicros: T0 + t, data: wlanBeacon(AP, 'CorpNet', [RSN_ELEMENT], true) });
  for (let t = 2e6; t < 6e6; t += 102_400) out.push({ tsMicros: T0 + t + 7, data: wlanBeacon(TWIN, 'CorpNet', [], false) });
  // aireplay-ng -0 1 -a AP -c STATION: 64 deauthentications (reason 7), each way in turn, 2 ms apart
  for (let i = 0; i < 64; i++) {
    const [receiver, transmitter] = i % 2 ? [AP, STATION] : [STATION, AP];
    out.push({ tsMicros: T0 + 4e6 + i * 2000 + 3, data: radiotap(wlanManagement(12, { receiver, transmitter, bssid: AP, body: Buffer.from([7, 0]) })) });
  }
  return out.sort((a, b) => a.tsMicros - b.tsMicros);
}

interface Decided {
  scope: string;
  value: string;
  type: string;
  reasonKey: string;
  reason: string;
}

test('Wi-Fi findings (no IP address anywhere) are alerted on by MAC through webhook, syslog and email; never blocked; the same from respond OUTDIR', { skip, timeout: 120_000 }, async () => {
  const capture = join(dir, 'air.pcap');
  writeFileSync(capture, writePcap(air(), { linkType: 127 }));
  const tls = testCertificate();
  const smtp = new TestSmtpServer(tls);
  const backend = new TestHttpBackend();
  const syslog = new TestSyslogUdp();
  for (const s of [smtp, backend, syslog]) await s.start();
  try {
    const config = join(dir, 'netsentinel.yaml');
    writeFileSync(
      config,
      ['smtp:', '  host: 127.0.0.1', `  port: ${smtp.port}`, '  user: alerts', '  password: s3cret', `  ca: ${tls.certFile}`, '  to: [soc@example.org]', 'webhook:', `  url: http://127.0.0.1:${backend.port}/api/alerts`, 'syslog:', '  host: 127.0.0.1', `  port: ${syslog.port}`, '  protocol: udp', ''].join('\n'),
    );
    const out = join(dir, 'out');
    const a = await cli('analyze', capture, '-o', out, '--store', join(dir, 'a.db'), '--respond', '--apply', '--config', config, '--json', '-q', '--no-report');
    assert.equal(a.code, 0, a.stderr);
    const summary = JSON.parse(a.stdout) as { findingsByRule: Record<string, number>; respond: { decisions: Decided[]; skipped: { value: string; why: string }[]; blocked: { ipv4: string[]; ipv6: string[] } } };
    assert.deepEqual(summary.findingsByRule, { 'wifi.evil-twin': 1, 'wifi.deauth-flood': 1 });
    const decided = (ds: readonly Decided[]) => ds.map((d) => [d.scope, d.value, d.type, d.reasonKey]).sort();
    const expected = [
      ['mac', '02:aa:00:00:00:01', 'alert', 'target:wifi.deauth-flood'],
      ['mac', '02:aa:00:00:00:66', 'alert', 'rule:wifi.evil-twin'],
    ];
    assert.deepEqual(decided(summary.respond.decisions), expected);
    assert.deepEqual(summary.respond.skipped.map((x) => [x.value, x.why]), [['02:aa:00:00:00:66', 'link-layer']]);
    assert.deepEqual(summary.respond.blocked, { ipv4: [], ipv6: [], refused: [] });
    assert.equal(readFileSync(join(out, 'blocked_ips.txt'), 'utf8').match(/02:aa/g), null, 'no MAC in the IP blocklist');

    // the alerts.jsonl records carry Suricata's ether object
    const records = readFileSync(join(out, 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ether?: unknown; netsentinel: { rule: string; srcMacs?: string[]; targets: { macs?: string[] } } });
    const twin = records.find((r) => r.netsentinel.rule === 'wifi.evil-twin')!;
    assert.deepEqual(twin.ether, { src_mac: '02:aa:00:00:00:66', dest_mac: '02:aa:00:00:00:01' });
    assert.deepEqual([twin.netsentinel.srcMacs, twin.netsentinel.targets.macs], [['02:aa:00:00:00:66'], ['02:aa:00:00:00:01']]);
    assert.deepEqual(records.find((r) => r.netsentinel.rule === 'wifi.deauth-flood')!.ether, { dest_mac: '02:aa:00:00:00:01' });

    // webhook: `mac`, never a MAC in `ip`; the network attacked is a target, the twin a source
    const bodies = [...backend.accepted.values()].map((b) => [b.ip, b.mac, b.scope, b.role, b.blocked]).sort();
    assert.deepEqual(bodies, [
      [null, '02:aa:00:00:00:01', 'mac', 'target', false],
      [null, '02:aa:00:00:00:66', 'mac', 'source', false],
    ]);
    const twinBody = [...backend.accepted.values()].find((b) => b.mac === '02:aa:00:00:00:66')!;
    assert.match(String(twinBody.reason), /^wifi\.evil-twin: The Wi-Fi network "CorpNet" is announced as .* by 02:aa:00:00:00:01 .* and as open by 02:aa:00:00:00:66 .*\(known by its MAC alone: not blocked\)$/);
    // syslog (RFC 5424 over UDP): the MAC as mac=, the attacked network under its own message id
    assert.equal(syslog.messages.length, 2);
    assert.ok(syslog.messages.every((m) => /mac="02:aa:00:00:00:(01|66)"/.test(m) && !/ ip="/.test(m)), syslog.messages.join('\n'));
    assert.match(syslog.messages.find((m) => m.includes('00:01"'))!, / ATTACKED \[/);
    // email: one message naming both, as addresses that are not all IP addresses
    assert.equal(smtp.messages.length, 1);
    const text = smtp.messages[0].raw.replace(/=\r\n/g, ''); // quoted-printable's soft line breaks
    assert.match(text, /Alert: the following addresses \(IP or MAC\) are exhibiting suspicious activity \(1\):\r\n\r\n02:aa:00:00:00:66 {2}HIGH/);
    assert.match(text, /The following hosts are under attack by senders no address can be given for \(many or forged; nothing is blocked for it\) \(1\):\r\n\r\n02:aa:00:00:00:01 {2}HIGH/);

    // respond OUTDIR reads the same from the files (a fresh store: nothing suppressed)
    const r = await cli('respond', out, '--store', join(dir, 'r.db'), '--json', '-q');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(decided((JSON.parse(r.stdout) as { decisions: Decided[] }).decisions), expected);
    // and again on the analysis's store: suppressed, nothing sent twice
    const again = await cli('respond', out, '--store', join(dir, 'a.db'), '--apply', '--config', config, '--json', '-q');
    assert.equal(again.code, 0, again.stderr);
    const j = JSON.parse(again.stdout) as { decisions: unknown[]; skipped: { why: string }[]; notifications: { queued: number } };
    assert.deepEqual([j.decisions.length, j.notifications.queued], [0, 0]);
    assert.equal(j.skipped.filter((x) => x.why === 'suppressed').length, 2);

    // decisions by MAC, as a person writes one
    const listed = await cli('decisions', 'list', '--ip', '02-AA-00-00-00-66', '--store', join(dir, 'a.db'), '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { decisions: Decided[] }).decisions.map((d) => [d.scope, d.value, d.type]), [['mac', '02:aa:00:00:00:66', 'alert']]);
    const gone = await cli('decisions', 'delete', '02aa.0000.0066', '--store', join(dir, 'a.db'), '--no-notify', '--json');
    assert.equal(gone.code, 0, gone.stderr);
    assert.equal((JSON.parse(gone.stdout) as { deleted: unknown[] }).deleted.length, 1);
  } finally {
    for (const s of [smtp, backend, syslog]) await s.stop();
  }
});
