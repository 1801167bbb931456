// The packet detectors together: silent on the ordinary shared captures (including traceroute's TTL
// variety and time-exceeded messages, and fragments), and end to end through `netsentinel analyze`
// on a capture: the SYN scan of synscan.pcapng, and a self-written ICMP redirect / rogue DHCP
// capture, reaching alerts.jsonl, the summary's risky sources and the text output, with a rule
// setting (rules.dhcp.servers) read from the configuration file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { writePcap } from '../testing/capture-writer.js';
import { dhcpAnswer, icmpRedirectV4, ipFrame, TCP, tcpSegment } from '../testing/frame-builder.js';
import { captureFindings } from '../testing/packet-findings.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const ORDINARY = ['http_google', 'http_ip4and6', 'dns_query_response', 'dns_tcp', 'tcp_handshake', 'tcp_ports', 'icmp_echo', 'icmp_traceroute', 'ip_frag_source', 'ipv6_fragments', 'arp_gratuitous', 'arp_resolution'];

test('the ordinary shared captures raise no packet finding', { skip: skipWithoutShared('pcaps') }, async () => {
  for (const name of ORDINARY) {
    const file = sharedPath('pcaps', `${name}.pcapng`) as string;
    if (!existsSync(file)) continue;
    const { findings, warnings } = await captureFindings(file);
    assert.deepEqual(findings.map((f) => `${f.ruleId} ${f.srcIp}: ${f.reason}`), [], name);
    assert.deepEqual(warnings, [], name);
  }
});

test('analyze of the ordinary shared captures together: no rule finding (the 2001:db8::/32 lab hosts included)', { skip: skipWithoutShared('pcaps') }, () => {
  const files = ORDINARY.map((name) => sharedPath('pcaps', `${name}.pcapng`) as string).filter((f) => existsSync(f));
  const dir = mkdtempSync(join(tmpdir(), 'ns-ordinary-'));
  try {
    const r = analyze([...files, '-o', join(dir, 'out'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { findings: number; findingsByRule: Record<string, number> };
    assert.deepEqual(summary.findingsByRule, {});
    assert.equal(summary.findings, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('analyze of each ordinary shared capture alone, without a baseline: exit 0 and no alert', { skip: skipWithoutShared('pcaps') }, () => {
  // what a user does first with a small capture. Detectors fitted on 7 of its 9 flows and
  // calibrated on the other 2 put traceroute's flows at risk 1.0 (6 alerts) and tcp_ports' at
  // 0.9999; captures of 0 or 1 flows (ARP only, one ping) exited 2 instead of letting the rules judge them
  const dir = mkdtempSync(join(tmpdir(), 'ns-ordinary-alone-'));
  try {
    for (const name of ORDINARY) {
      const file = sharedPath('pcaps', `${name}.pcapng`) as string;
      if (!existsSync(file)) continue;
      const r = analyze([file, '-o', join(dir, name), '--json']);
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      const summary = JSON.parse(r.stdout) as { riskyFlows: number; riskyIps: unknown[]; findings: number; alerts: { written: number } };
      assert.deepEqual([summary.riskyFlows, summary.riskyIps.length, summary.findings, summary.alerts.written], [0, 0, 0, 0], `${name}: risky flows, risky sources, findings, alerts`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function analyze(args: string[]) {
  return spawnSync(process.execPath, [main, 'analyze', ...args, '--store', 'none', '-q', '--no-report'], { encoding: 'utf8' });
}

interface Summary {
  risky_ips?: { ip: string; rules: string[]; reasons: string[] }[];
  riskyIps?: { ip: string; rules: string[]; reasons: string[] }[];
  findings?: { ruleId: string; srcIp: string | null }[];
}

test('analyze synscan.pcapng: the handshake SYN scan of 172.16.0.8 reaches alerts, risky sources and the summary', { skip: skipWithoutShared('pcaps', 'synscan.pcapng') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-synscan-'));
  try {
    const r = analyze([sharedPath('pcaps', 'synscan.pcapng') as string, '-o', join(dir, 'out'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as Summary;
    const risky = summary.risky_ips ?? summary.riskyIps ?? [];
    const scanner = risky.find((x) => x.ip === '172.16.0.8');
    assert.ok(scanner, JSON.stringify(risky.map((x) => x.ip)));
    assert.ok(scanner.rules.includes('packet.syn-scan'), JSON.stringify(scanner.rules));
    // nmap's probes carry TTLs it picks at random (37 to 59 here): no distance, so no "another machine using the address"
    assert.ok(!scanner.rules.includes('spoofing.ttl-hop-change'), JSON.stringify(scanner.rules));
    assert.ok(scanner.reasons.some((x) => /^172\.16\.0\.8 sent SYNs to 1,000 \(host, port\) targets on 1 host/.test(x)), JSON.stringify(scanner.reasons));
    const alerts = readFileSync(join(dir, 'out', 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { src_ip?: string; alert: { signature: string } });
    const scan = alerts.find((a) => a.alert.signature === 'netsentinel: SYN scan (handshakes never completed)');
    assert.ok(scan, alerts.map((a) => a.alert.signature).join('; '));
    assert.equal(scan.src_ip, '172.16.0.8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('analyze a capture with an ICMP redirect and a rogue DHCP server: both found, the DHCP allowlist read from --config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-mitm-'));
  try {
    const t0 = 1_700_000_000_000_000;
    const frames = [
      ipFrame({ srcMac: '02:00:00:00:00:01', src: '192.168.1.1', dst: '255.255.255.255', proto: 17, payload: dhcpAnswer({ type: 5, serverId: '192.168.1.1', yourIp: '192.168.1.20', routers: ['192.168.1.1'], dns: ['192.168.1.1'] }) }),
      ipFrame({ srcMac: '02:aa:bb:cc:dd:ee', src: '192.168.1.66', dst: '255.255.255.255', proto: 17, payload: dhcpAnswer({ type: 2, serverId: '192.168.1.66', yourIp: '192.168.1.21', routers: ['192.168.1.66'], dns: ['192.168.1.66'] }) }),
      ipFrame({ srcMac: '02:aa:bb:cc:dd:ee', src: '192.168.1.66', dst: '192.168.1.20', proto: 1, payload: icmpRedirectV4('192.168.1.66', '192.168.1.20', '8.8.8.8') }),
      // some ordinary traffic so the capture has flows
      ipFrame({ src: '192.168.1.20', dst: '8.8.8.8', proto: 6, payload: tcpSegment(40000, 443, TCP.SYN) }),
      ipFrame({ src: '8.8.8.8', dst: '192.168.1.20', ttl: 118, proto: 6, payload: tcpSegment(443, 40000, TCP.SYN | TCP.ACK, 1, 1) }),
      ipFrame({ src: '192.168.1.20', dst: '8.8.8.8', proto: 6, payload: tcpSegment(40000, 443, TCP.ACK, 1, 2) }),
    ];
    const pcap = join(dir, 'mitm.pcap');
    writeFileSync(pcap, writePcap(frames.map((frame, i) => ({ tsMicros: t0 + i * 1000, data: frame })), { linkType: 1 }));
    const config = join(dir, 'ns.json');
    writeFileSync(config, JSON.stringify({ rules: { dhcp: { servers: ['192.168.1.1'] } } }));
    const r = analyze([pcap, '-o', join(dir, 'out'), '--config', config]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /192\.168\.1\.66/);
    const signatures = readFileSync(join(dir, 'out', 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { alert: { signature: string } }).alert.signature);
    assert.ok(signatures.includes('netsentinel: ICMP redirect from a host that is not a known router'), signatures.join('; '));
    assert.ok(signatures.includes('netsentinel: DHCP server that is not yours (rogue DHCP)'), signatures.join('; '));
    // the DHCP router of the listed server is a known router: no redirect finding would name it
    assert.ok(!signatures.includes('netsentinel: A second DHCP server on the link'), signatures.join('; '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
