/**
 * `arp.scan`: a ping sweep of the local subnet leaves only ARP requests for the addresses no machine
 * holds (no ICMP packet, so no flow), which the flow rules cannot see. Captures written here (pcap,
 * Ethernet) as the kernel makes them: three requests per silent address, one answered exchange per
 * live one; and ordinary ARP (a host and its gateway, a router asking for many hosts that answer).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { captureTable, writePcap, type RawPacket } from '../testing/capture-writer.js';
import { packetDetectors } from './packet-evidence.js';
import type { RulesConfigInput } from '../detect/rules-config.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-arpscan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_796_000_000_000_000;
const ip4 = (s: string): number[] => s.split('.').map(Number);
const mac = (last: number): number[] => [0x02, 0x00, 0x5e, 0x10, 0x00, last];

/** an ARP request (op 1, broadcast) or reply (op 2, unicast) in an Ethernet frame */
function arp(op: 1 | 2, fromMac: number, fromIp: string, toMac: number, toIp: string): Uint8Array {
  const dst = op === 1 ? [255, 255, 255, 255, 255, 255] : mac(toMac);
  const tha = op === 1 ? [0, 0, 0, 0, 0, 0] : mac(toMac);
  return Uint8Array.from([...dst, ...mac(fromMac), 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, op, ...mac(fromMac), ...ip4(fromIp), ...tha, ...ip4(toIp), ...new Array(18).fill(0)]);
}

/** a sweep from 10.9.0.2 (MAC 2) over 10.9.0.1..hosts, of which `live` answer; 3 requests per silent one */
function sweep(hosts: number, live: Set<number>, t0: number, stepUs: number): RawPacket[] {
  const out: RawPacket[] = [];
  let t = t0;
  for (let h = 1; h <= hosts; h++) {
    if (h === 2) continue;
    const target = `10.9.0.${h}`;
    if (live.has(h)) {
      out.push({ tsMicros: t, data: arp(1, 2, '10.9.0.2', 0, target) });
      out.push({ tsMicros: t + 50, data: arp(2, 100 + h, target, 2, '10.9.0.2') });
    } else for (let k = 0; k < 3; k++) out.push({ tsMicros: t + k * 1_000_000, data: arp(1, 2, '10.9.0.2', 0, target) });
    t += stepUs;
  }
  return out.sort((a, b) => a.tsMicros - b.tsMicros);
}

/** ordinary ARP: a host asking for its gateway now and then; the gateway (MAC 1) asking for 40 hosts, each answering */
function ordinary(t0: number): RawPacket[] {
  const out: RawPacket[] = [];
  for (let i = 0; i < 5; i++) {
    out.push({ tsMicros: t0 + i * 30_000_000, data: arp(1, 7, '10.9.0.7', 0, '10.9.0.1') });
    out.push({ tsMicros: t0 + i * 30_000_000 + 80, data: arp(2, 1, '10.9.0.1', 7, '10.9.0.7') });
  }
  for (let h = 10; h < 50; h++) {
    out.push({ tsMicros: t0 + h * 200_000, data: arp(1, 1, '10.9.0.1', 0, `10.9.0.${h}`) });
    out.push({ tsMicros: t0 + h * 200_000 + 90, data: arp(2, 100 + h, `10.9.0.${h}`, 1, '10.9.0.1') });
  }
  return out.sort((a, b) => a.tsMicros - b.tsMicros);
}

async function findings(packets: RawPacket[], rules: RulesConfigInput = {}) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(file, writePcap(packets, { linkType: 1 }));
  const det = packetDetectors(rules, { warn: () => {} });
  await captureTable([file], { onPacket: det.onPacket });
  return (await det.provider.finish([])).findings ?? [];
}

test('a ping sweep of the local subnet (ARP requests for silent addresses) is an arp.scan naming the sweeper', async () => {
  const f = (await findings(sweep(60, new Set([1, 5, 9]), T0, 20_000))).filter((x) => x.ruleId === 'arp.scan');
  assert.equal(f.length, 1, JSON.stringify(f));
  const s = f[0];
  assert.equal(s.srcIp, '10.9.0.2');
  assert.equal(s.category, 'reconnaissance');
  assert.equal(s.severity, 2);
  assert.equal(s.evidence.addressesAsked, 59);
  assert.equal(s.evidence.answered, 3);
  assert.equal(s.evidence.unanswered, 56);
  assert.equal(s.evidence.requests, 3 + 56 * 3);
  assert.equal(s.evidence.mac, '02:00:5e:10:00:02');
  assert.equal(s.targets.ipCount, 59);
  assert.equal(s.targets.ips[0], '10.9.0.1');
  assert.equal(s.firstSeen, new Date(T0 / 1000).toISOString());
  assert.match(s.reason, /10\.9\.0\.2 \(02:00:5e:10:00:02\) asked by ARP for 59 addresses .*56 of which never answered \(3 did\)/);
});

test('ordinary ARP (a gateway asking for 40 hosts that answer, a host asking for its gateway) is no arp.scan', async () => {
  const f = await findings(ordinary(T0));
  assert.deepEqual(f.filter((x) => x.ruleId === 'arp.scan'), []);
});

test('arp.scan: the threshold, the window and the switch are the arpScan settings', async () => {
  // 15 silent addresses: under the default 20, over 10
  const small = sweep(16, new Set(), T0, 20_000);
  assert.equal((await findings(small)).filter((x) => x.ruleId === 'arp.scan').length, 0);
  assert.equal((await findings(small, { arpScan: { hosts: 10 } })).filter((x) => x.ruleId === 'arp.scan').length, 1);
  // one silent address every 90 s: each request opens a new episode under a 60 s window
  const slow = sweep(40, new Set(), T0, 90_000_000);
  assert.equal((await findings(slow)).filter((x) => x.ruleId === 'arp.scan').length, 0);
  assert.equal((await findings(slow, { arpScan: { windowSeconds: 300 } })).filter((x) => x.ruleId === 'arp.scan').length, 1);
  assert.equal((await findings(sweep(60, new Set(), T0, 20_000), { arpScan: { enabled: false } })).filter((x) => x.ruleId === 'arp.scan').length, 0);
});

/** an IPv6 neighbor solicitation (from `src`, for `target`) or advertisement (from `target` to `src`) in an Ethernet frame */
function ndp(type: 135 | 136, src: string, dst: string, target: string, macLast: number): Uint8Array {
  const a = (s: string) => s.split(':').flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]);
  const icmp = [type, 0, 0, 0, type === 136 ? 0x60 : 0, 0, 0, 0, ...a(target), type === 135 ? 1 : 2, 1, ...mac(macLast)];
  return Uint8Array.from([0x33, 0x33, 0xff, 0, 0, 1, ...mac(macLast), 0x86, 0xdd, 0x60, 0, 0, 0, 0, icmp.length, 58, 255, ...a(src), ...a(dst), ...icmp]);
}

test('an on-link IPv6 sweep (neighbor solicitations for silent addresses) is an ndp.scan; DAD from :: and answered ones are not', async () => {
  const full = (n: number) => `fd00:9:0:0:0:0:0:${n.toString(16)}`;
  const packets: RawPacket[] = [];
  let t = T0;
  for (let h = 3; h < 63; h++) {
    packets.push({ tsMicros: t, data: ndp(135, full(2), 'ff02:0:0:0:0:1:ff00:1', full(h), 2) });
    if (h < 6) packets.push({ tsMicros: t + 40, data: ndp(136, full(h), full(2), full(h), 100 + h) });
    // duplicate address detection of another host: from ::, for its own new address
    packets.push({ tsMicros: t + 60, data: ndp(135, '0:0:0:0:0:0:0:0', 'ff02:0:0:0:0:1:ff00:1', full(200 + h), 7) });
    t += 30_000;
  }
  const f = (await findings(packets)).filter((x) => x.ruleId === 'ndp.scan' || x.ruleId === 'arp.scan');
  assert.equal(f.length, 1, JSON.stringify(f.map((x) => [x.ruleId, x.srcIp])));
  assert.equal(f[0].ruleId, 'ndp.scan');
  assert.equal(f[0].srcIp, 'fd00:9::2');
  assert.deepEqual([f[0].evidence.addressesAsked, f[0].evidence.answered, f[0].evidence.unanswered], [60, 3, 57]);
  assert.deepEqual(f[0].counted, ['neighbor solicitation', 'neighbor solicitations']);
  assert.match(f[0].reason, /^fd00:9::2 \(02:00:5e:10:00:02\) asked by neighbor solicitation for 60 addresses/);
});
