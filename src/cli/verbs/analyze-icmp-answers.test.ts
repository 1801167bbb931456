/**
 * ICMP errors answer packets of the host they go to; they are no activity of their sender's. Two
 * captures as a user's sensor sees them, through `netsentinel analyze` and `respond`:
 *  - a UDP flood from forged random sources at a closed port (`hping3 --udp --rand-source`): the
 *    target answers each datagram with a port unreachable to its forged sender, thousands of ICMP
 *    flows to thousands of hosts, which read as a "connection flood from a source" *from the
 *    target*, and had respond ban the victim of the flood;
 *  - a UDP scan (`nmap -sU`): the target's unreachables to the scanner, one ICMP flow unlike the
 *    baseline's traffic, made the target a risky source.
 * The baseline is ordinary web and DNS traffic (no ICMP).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { icmpMessage, ipFrame, udpDatagram } from '../../testing/frame-builder.js';
import { writePcap, type RawPacket } from '../../testing/capture-writer.js';
import { webConnection } from '../../testing/web-connections.js';
import { forgedAddresses } from '../../testing/forged-addresses.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-icmp-answers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_796_000_000_000_000;
const VICTIM = '10.0.0.5';
const SCANNER = '10.9.9.9';
const FLOOD = 6000;

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** 300 web connections and 300 DNS lookups from 8 clients */
function ordinary(t0: number): RawPacket[] {
  const pk: RawPacket[] = [];
  for (let i = 0; i < 300; i++) {
    const c = `10.1.0.${10 + (i % 8)}`;
    const t = t0 + i * 250_000;
    pk.push(...webConnection(c, `10.2.0.${1 + (i % 2)}`, 40000 + i, t, 200 + (i % 50), 1200 + (i % 300)));
    pk.push({ tsMicros: t + 100_000, data: ipFrame({ src: c, dst: '10.2.0.53', proto: 17, payload: udpDatagram(50000 + i, 53, new Uint8Array(30 + (i % 20))) }) });
    pk.push({ tsMicros: t + 101_000, data: ipFrame({ src: '10.2.0.53', dst: c, proto: 17, payload: udpDatagram(53, 50000 + i, new Uint8Array(80 + (i % 40))) }) });
  }
  return pk.sort((a, b) => a.tsMicros - b.tsMicros);
}

/** A UDP datagram from `src`, and the port unreachable `to` answers it with (type 3 code 3, quoting its IP header and 8 bytes). */
function probeAndAnswer(src: string, to: string, sport: number, dport: number, t: number, answerTtl = 64): RawPacket[] {
  const probe = ipFrame({ src, dst: to, proto: 17, payload: udpDatagram(sport, dport, new Uint8Array(12)) });
  // the quoted datagram: the probe's IP header (after the 14-byte Ethernet header) and its first 8 bytes
  const quoted = probe.subarray(14, 14 + 28);
  const answer = ipFrame({ src: to, dst: src, proto: 1, ttl: answerTtl, payload: icmpMessage(3, 3, Buffer.concat([Buffer.alloc(4), Buffer.from(quoted)])) });
  return [
    { tsMicros: t, data: probe },
    { tsMicros: t + 40, data: answer },
  ];
}

/** FLOOD datagrams to VICTIM:9999 (closed) within 0.6 s, each from a random address (xorshift32), each answered */
function udpFlood(t0: number): RawPacket[] {
  return forgedAddresses(FLOOD, 0x2545f491, 223).flatMap((src, i) => probeAndAnswer(src, VICTIM, 1024 + (i % 60000), 9999, t0 + i * 100));
}

/** SCANNER probes 400 UDP ports of VICTIM, each answered by a port unreachable */
function udpScan(t0: number): RawPacket[] {
  const pk: RawPacket[] = [];
  for (let p = 1; p <= 400; p++) pk.push(...probeAndAnswer(SCANNER, VICTIM, 45000, p, t0 + p * 2000));
  return pk;
}

before(() => {
  writeFileSync(join(dir, 'ordinary.pcap'), writePcap(ordinary(T0), { linkType: 1 }));
  writeFileSync(join(dir, 'flood.pcap'), writePcap([...ordinary(T0 + 3600e6), ...udpFlood(T0 + 3610e6)].sort((a, b) => a.tsMicros - b.tsMicros), { linkType: 1 }));
  writeFileSync(join(dir, 'scan.pcap'), writePcap([...ordinary(T0 + 7200e6), ...udpScan(T0 + 7210e6)].sort((a, b) => a.tsMicros - b.tsMicros), { linkType: 1 }));
  const b = run(['baseline', 'ordinary.pcap', '-o', 'office.nsb', '-q', '--threads', '1']);
  assert.equal(b.code, 0, b.err);
});

test('a UDP flood from forged sources: its target answering them is no flood from the target, and respond leaves it alone', () => {
  const r = run(['analyze', 'flood.pcap', '-b', 'office.nsb', '-o', 'flood', '--store', 'none', '--json', '-q', '--threads', '1']);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  const findings = readFileSync(join(dir, 'flood', 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((a) => a.netsentinel?.rule);
  assert.deepEqual(findings.filter((f) => f.src_ip === VICTIM).map((f) => f.netsentinel.rule), [], 'no finding names the victim as its source');
  assert.equal(s.riskyIps.filter((x: any) => x.ip === VICTIM).length, 0, 'the victim is no risky source');
  // the flood itself is still seen, towards its target
  const towards = findings.filter((f) => f.netsentinel.rule === 'flood.target-connections');
  assert.equal(towards.length, 1, JSON.stringify(s.findingsByRule));
  assert.deepEqual(towards[0].netsentinel.targets.ips, [VICTIM]);
  // the answers stay flows of their own, scored, with the reason they are not the victim's
  const csv = readFileSync(join(dir, 'flood', 'flows_scored.csv'), 'utf8').split('\n');
  const answers = csv.filter((l) => l.includes(`,${VICTIM},0,`) && l.includes(',ICMP,'));
  assert.equal(answers.length, FLOOD, 'one ICMP flow per forged sender, from the victim');
  const noted = answers.filter((l) => l.includes(`not counted as ${VICTIM}'s own activity`));
  assert.ok(noted.length > 0 && noted.every((l) => /ICMP errors answering packets from \d+\.\d+\.\d+\.\d+/.test(l)), `risky answers carry the note (${noted.length})`);

  // respond bans nobody for it, and tells of the host under attack (before: banned it as a flooder)
  const resp = run(['respond', 'flood', '--store', 'respond.db', '--json', '-q']);
  assert.equal(resp.code, 0, resp.err);
  const j = JSON.parse(resp.out);
  assert.deepEqual(
    j.decisions.filter((d: any) => d.value === VICTIM).map((d: any) => [d.type, d.reasonKey]),
    [['alert', 'target:flood.target-connections']],
    'no ban on the flood victim, one alert that it is under attack',
  );
});

test('a UDP scan: the target answering with unreachables is no risky source; the scanner is', () => {
  const r = run(['analyze', 'scan.pcap', '-b', 'office.nsb', '-o', 'scan', '--store', 'none', '--json', '-q', '--threads', '1']);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  const ips = s.riskyIps.map((x: any) => x.ip);
  assert.ok(ips.includes(SCANNER), JSON.stringify(ips));
  assert.ok(!ips.includes(VICTIM), JSON.stringify(ips));
  const scanner = s.riskyIps.find((x: any) => x.ip === SCANNER);
  assert.ok(scanner.rules.includes('port-scan.vertical'), JSON.stringify(scanner.rules));
});
