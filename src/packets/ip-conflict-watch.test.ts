// Duplicate IPv4 addresses seen in IP traffic without ARP (packet.ip-conflict): crafted captures
// written by our own writer, and sessionhijacking.pcapng, where the hijacker's one injected ACK
// comes from another MAC under the victim's address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipFrame, udpDatagram } from '../testing/frame-builder.js';
import { reencapsulate, writePcap } from '../testing/capture-writer.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureFindings, framesFindings } from '../testing/packet-findings.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const T0 = 1_700_000_000_000_000;
const HOST = '02:00:00:00:00:10';
const OTHER = '02:00:00:00:00:66';
const ROUTER = '02:00:00:00:00:01';
const from = (i: number, mac: string, src: string, dst = '192.168.1.1') => ({ ts: T0 + i * 1000, frame: ipFrame({ srcMac: mac, src, dst, proto: 17, payload: udpDatagram(40000 + i, 53, new Uint8Array(20)) }) });
const arp = (i: number, mac: string, ip: string) => {
  const m = Buffer.from(mac.split(':').map((x) => parseInt(x, 16)));
  const a = Buffer.from(ip.split('.').map(Number));
  const frame = Buffer.concat([Buffer.alloc(6, 0xff), m, Buffer.from([0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 2]), m, a, Buffer.alloc(6), Buffer.from([192, 168, 1, 1])]);
  return { ts: T0 + i * 1000, frame };
};
const ids = (fs: { ruleId: string; srcIp: string | null }[]) => fs.map((f) => `${f.ruleId} ${f.srcIp}`);

test('one address sending from two MACs in turn is a duplicate (packet.ip-conflict), with the MACs and packet counts', async () => {
  const frames = [from(0, HOST, '192.168.1.10'), from(1, HOST, '192.168.1.10'), from(2, OTHER, '192.168.1.10'), from(3, HOST, '192.168.1.10'), from(4, HOST, '192.168.1.20')];
  const { findings } = await framesFindings(frames);
  assert.deepEqual(ids(findings), ['packet.ip-conflict 192.168.1.10']);
  assert.deepEqual(findings[0].evidence.macs, [HOST, OTHER]);
  assert.deepEqual(findings[0].evidence.packets, [3, 1]);
  assert.equal(findings[0].evidence.macChanges, 2);
  assert.match(findings[0].reason, /^192\.168\.1\.10 sent IP packets from 2 MACs in turn .* without ARP showing it/);
});

test('one change of MAC (a machine replaced, a lease handed on) is not a duplicate; minChanges 1 makes it one', async () => {
  const frames = [from(0, HOST, '192.168.1.10'), from(1, HOST, '192.168.1.10'), from(2, OTHER, '192.168.1.10'), from(3, OTHER, '192.168.1.10')];
  assert.deepEqual(ids((await framesFindings(frames)).findings), []);
  assert.deepEqual(ids((await framesFindings(frames, { duplicateIp: { minChanges: 1 } })).findings), ['packet.ip-conflict 192.168.1.10']);
  assert.deepEqual(ids((await framesFindings([...frames, from(4, HOST, '192.168.1.10')], { duplicateIp: { enabled: false } })).findings), []);
});

test('two routers forwarding the same remote addresses are not duplicates (a MAC sending from many addresses is left out)', async () => {
  const frames = [];
  let i = 0;
  // a router failover back and forth: the remote addresses come from both router MACs in turn
  for (const mac of [ROUTER, '02:00:00:00:00:02', ROUTER]) for (let h = 1; h <= 6; h++) frames.push(from(i++, mac, `8.8.${h}.${h}`, '192.168.1.10'));
  assert.deepEqual(ids((await framesFindings(frames)).findings), []);
  // with a limit above the routers' 6 addresses they would count as hosts: the limit is what keeps them out
  assert.deepEqual(ids((await framesFindings(frames, { duplicateIp: { maxAddressesPerMac: 10 } })).findings).length, 6);
});

test('an address first seen through a router, then from its own MAC and another in turn, between another address\'s packets, is counted exactly', async () => {
  // (each packet here takes another way through the watch: no row for a router's address, a row
  // made, the same sender again, a change, another address in between; the counts say each held)
  const X = '192.168.1.10';
  const Y = '192.168.1.20';
  const frames = [
    from(0, ROUTER, '8.8.1.1'), from(1, ROUTER, '8.8.2.2'), from(2, ROUTER, '8.8.3.3'), // a router from here on (more than 2 addresses)
    from(3, ROUTER, X), // no row: a router's
    from(4, HOST, X), // its row, made now
    from(5, HOST, Y),
    from(6, OTHER, X),
    from(7, HOST, Y),
    from(8, HOST, X),
    from(9, HOST, X),
  ];
  const { findings } = await framesFindings(frames, { duplicateIp: { maxAddressesPerMac: 2 } });
  assert.deepEqual(ids(findings), [`packet.ip-conflict ${X}`]);
  assert.deepEqual(findings[0].evidence.macs, [HOST, OTHER]);
  assert.deepEqual(findings[0].evidence.packets, [3, 1]);
  assert.equal(findings[0].evidence.macChanges, 2);
});

test('an address ARP shows announced by two MACs is reported once, as arp.ip-conflict', async () => {
  const frames = [arp(0, HOST, '192.168.1.10'), arp(1, OTHER, '192.168.1.10'), from(2, HOST, '192.168.1.10'), from(3, OTHER, '192.168.1.10'), from(4, HOST, '192.168.1.10')];
  assert.deepEqual(ids((await framesFindings(frames)).findings).filter((x) => x.includes('ip-conflict')), ['arp.ip-conflict 192.168.1.10']);
});

test('sessionhijacking.pcapng: the hijacker\'s injected ACK under 172.16.16.164 comes from another MAC', { skip: skipWithoutShared('pcaps', 'sessionhijacking.pcapng') }, async () => {
  const { findings } = await captureFindings(sharedPath('pcaps', 'sessionhijacking.pcapng') as string);
  const f = findings.find((x) => x.ruleId === 'packet.ip-conflict');
  assert.ok(f, JSON.stringify(ids(findings)));
  assert.equal(f.srcIp, '172.16.16.164');
  // tshark -Y 'eth.src==78:31:c1:cb:b2:56': frame 101, one ACK to 172.16.16.181:80 from port 60434
  assert.deepEqual(f.evidence.macs, ['f8:16:54:f8:91:ac', '78:31:c1:cb:b2:56']);
  assert.deepEqual(f.evidence.packets, [40, 1]);
});


test('tcpdump -i any: a host\'s packets to itself over lo (source MAC 00:00:00:00:00:00) and out of its NIC are one machine, not a duplicate', async () => {
  // seen on a namespace's -i any capture of a ping sweep: the kernel's host-unreachable answers to
  // itself (10.88.0.2 → 10.88.0.2 on lo) between its packets out of the veth read as packet.ip-conflict
  const LO = '00:00:00:00:00:00';
  const frames = Array.from({ length: 8 }, (_, i) => from(i, i % 2 ? LO : HOST, '192.168.1.10', i % 2 ? '192.168.1.10' : '192.168.1.1'));
  const dir = mkdtempSync(join(tmpdir(), 'ns-ipconflict-'));
  try {
    for (const linkType of [1, 113, 276]) {
      const file = join(dir, `any-${linkType}.pcap`);
      writeFileSync(file, writePcap(frames.map((f) => ({ tsMicros: f.ts, data: reencapsulate(f.frame, linkType) as Uint8Array })), { linkType }));
      const { findings } = await captureFindings(file);
      assert.deepEqual(ids(findings), [], `link type ${linkType}`);
    }
    // two real MACs in turn are still a duplicate, in cooked captures too
    const dup = Array.from({ length: 8 }, (_, i) => from(i, i % 2 ? OTHER : HOST, '192.168.1.10'));
    const file = join(dir, 'any-dup.pcap');
    writeFileSync(file, writePcap(dup.map((f) => ({ tsMicros: f.ts, data: reencapsulate(f.frame, 276) as Uint8Array })), { linkType: 276 }));
    assert.deepEqual(ids((await captureFindings(file)).findings), ['packet.ip-conflict 192.168.1.10']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tcpdump -i any on a router: a forwarded packet arriving under its sender\'s MAC and leaving under the router\'s is no duplicate', async () => {
  // seen on a namespace routing between two veths: both ends of an HTTP exchange were packet.ip-conflict
  const frames = Array.from({ length: 8 }, (_, i) => from(i, i % 2 ? ROUTER : HOST, '192.168.1.10', '10.1.2.3'));
  const dir = mkdtempSync(join(tmpdir(), 'ns-ipconflict-'));
  try {
    for (const [linkType, typeAt] of [[113, 1], [276, 10]] as const) {
      const file = join(dir, `router-${linkType}.pcap`);
      const packets = frames.map((f, i) => {
        const data = Buffer.from(reencapsulate(f.frame, linkType) as Uint8Array);
        if (i % 2) data[typeAt] = 4; // the copy sent out of the other interface: PACKET_OUTGOING
        return { tsMicros: f.ts, data };
      });
      writeFileSync(file, writePcap(packets, { linkType }));
      assert.deepEqual(ids((await captureFindings(file)).findings), [], `link type ${linkType}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
