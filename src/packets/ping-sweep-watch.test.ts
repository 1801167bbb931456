/**
 * `packet.ping-sweep`: ICMP echo requests from one source to many hosts that never answer. ICMP flows
 * have no port, so the horizontal sweep rule never counted them and a ping sweep of another network
 * (one one-packet ICMP flow per silent address) raised no finding. Captures written here (pcap,
 * Ethernet, IPv4 and IPv6); a monitoring host pinging a fleet that answers is no sweep.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { captureTable, writePcap, type RawPacket } from '../testing/capture-writer.js';
import { packetDetectors } from './packet-evidence.js';
import type { RulesConfigInput } from '../detect/rules-config.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-pingsweep-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_796_000_000_000_000;
const MACS = [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];

/** an Ethernet frame holding an ICMP echo request or reply, IPv4 (dotted text) or IPv6 (8 groups) */
function echo(src: string, dst: string, reply: boolean, seq: number): Uint8Array {
  const v6 = src.includes(':');
  const icmp = [v6 ? (reply ? 129 : 128) : reply ? 0 : 8, 0, 0, 0, 0x12, 0x34, 0, seq & 255, ...new Array(32).fill(0x61)];
  if (!v6) {
    const a = (s: string) => s.split('.').map(Number);
    const len = 20 + icmp.length;
    return Uint8Array.from([...MACS, 0x08, 0x00, 0x45, 0, len >> 8, len & 255, 0, 1, 0x40, 0, 64, 1, 0, 0, ...a(src), ...a(dst), ...icmp]);
  }
  const a = (s: string) => s.split(':').flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]);
  return Uint8Array.from([...MACS, 0x86, 0xdd, 0x60, 0, 0, 0, 0, icmp.length, 58, 64, ...a(src), ...a(dst), ...icmp]);
}

/** `from` pings each of `hosts` once, `stepUs` apart; those in `live` answer 200 µs later */
function sweep(from: string, hosts: string[], live: Set<string>, stepUs: number): RawPacket[] {
  const out: RawPacket[] = [];
  hosts.forEach((h, i) => {
    const t = T0 + i * stepUs;
    out.push({ tsMicros: t, data: echo(from, h, false, i) });
    if (live.has(h)) out.push({ tsMicros: t + 200, data: echo(h, from, true, i) });
  });
  return out;
}

async function findings(packets: RawPacket[], rules: RulesConfigInput = {}) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(file, writePcap(packets, { linkType: 1 }));
  const det = packetDetectors(rules, { warn: () => {} });
  await captureTable([file], { onPacket: det.onPacket });
  return ((await det.provider.finish([])).findings ?? []).filter((f) => f.ruleId === 'packet.ping-sweep');
}

const v4 = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.99.0.${i + 1}`);
const v6 = (n: number): string[] => Array.from({ length: n }, (_, i) => `fd00:99:0:0:0:0:0:${(i + 1).toString(16)}`);

test('a ping sweep of 60 IPv4 hosts, 5 answering, is one packet.ping-sweep naming the pinger', async () => {
  const hosts = v4(60);
  const f = await findings(sweep('10.88.0.2', hosts, new Set(hosts.slice(0, 5)), 50_000));
  assert.equal(f.length, 1);
  assert.equal(f[0].srcIp, '10.88.0.2');
  assert.equal(f[0].category, 'reconnaissance');
  assert.deepEqual([f[0].evidence.hostsPinged, f[0].evidence.answered, f[0].evidence.unanswered, f[0].evidence.requests], [60, 5, 55, 60]);
  assert.equal(f[0].targets.ipCount, 60);
  assert.equal(f[0].targets.ips[0], '10.99.0.1');
  assert.equal(f[0].firstSeen, new Date(T0 / 1000).toISOString());
  assert.equal(f[0].lastSeen, new Date((T0 + 59 * 50_000) / 1000).toISOString());
  assert.match(f[0].reason, /^10\.88\.0\.2 sent ICMP echo requests to 60 hosts in 3\.0 s, 55 of which never answered \(5 did\)/);
});

test('an ICMPv6 ping sweep is found too, with the pinger in RFC 5952 text', async () => {
  const f = await findings(sweep('fd00:88:0:0:0:0:0:2', v6(40), new Set(), 20_000));
  assert.equal(f.length, 1);
  assert.equal(f[0].srcIp, 'fd00:88::2');
  assert.equal(f[0].targets.ips[0], 'fd00:99::1');
  assert.equal(f[0].evidence.unanswered, 40);
});

test('no sweep: a monitor pinging 60 hosts that answer, 20 silent hosts (the threshold), pings a minute apart; settings apply', async () => {
  const hosts = v4(60);
  assert.deepEqual(await findings(sweep('10.88.0.3', hosts, new Set(hosts), 50_000)), []);
  assert.deepEqual(await findings(sweep('10.88.0.4', v4(20), new Set(), 50_000)), []);
  assert.equal((await findings(sweep('10.88.0.4', v4(20), new Set(), 50_000), { pingSweep: { hosts: 10 } })).length, 1);
  const slow = sweep('10.88.0.5', v4(30), new Set(), 61_000_000);
  assert.deepEqual(await findings(slow), []);
  assert.equal((await findings(slow, { pingSweep: { windowSeconds: 120 } })).length, 1);
  assert.deepEqual(await findings(sweep('10.88.0.2', v4(60), new Set(), 50_000), { pingSweep: { enabled: false } }), []);
});

test('senders whose episode ended leave the table as time goes on: 300 monitors pinging in turn drop nothing from a table of 100', async () => {
  const packets: RawPacket[] = [];
  // one echo a second, each from another sender and answered: each episode ends 60 s (the window) later
  for (let i = 0; i < 300; i++) {
    const sender = `10.3.${i >> 8}.${i & 255}`;
    packets.push({ tsMicros: T0 + i * 1_000_000, data: echo(sender, '10.4.0.1', false, i) }, { tsMicros: T0 + i * 1_000_000 + 50, data: echo('10.4.0.1', sender, true, i) });
  }
  const file = join(dir, 'monitors.pcap');
  writeFileSync(file, writePcap(packets, { linkType: 1 }));
  const warnings: string[] = [];
  const det = packetDetectors({ limits: { maxGroupsPerRule: 100 } }, { warn: (m) => warnings.push(m) });
  await captureTable([file], { onPacket: det.onPacket });
  const found = ((await det.provider.finish([])).findings ?? []).filter((f) => f.ruleId === 'packet.ping-sweep');
  // before: 200 episodes dropped from the full table and counted, "findings may be incomplete"
  assert.deepEqual(warnings, []);
  assert.deepEqual(found, []);
});
