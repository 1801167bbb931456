/**
 * summary.json's `capture`: a user runs `analyze` on a capture with packets of every kind the reader
 * counts (cut by the snap length, malformed, empty records, one out of order) and a flow table too
 * small for it, and finds in summary.json (and --json) the numbers stderr warned about, adding up.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { readPackets, writePcap, writePcapng, type RawPacket } from '../testing/capture-writer.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-capture-accounting-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('analyze of a capture puts its packet accounting in summary.json and --json: read, decoded, skipped by reason, out of order, flows evicted', { skip: skipWithoutShared('pcaps', 'synscan.pcapng') }, async () => {
  // nmap's SYN scan, its first 600 packets
  const pk: RawPacket[] = (await readPackets(sharedPath('pcaps', 'synscan.pcapng')!)).slice(0, 600);
  // records 9 (SYN to port 53) and 11 (its SYN-ACK, 62 ms later) swapped: the SYN comes after its answer
  [pk[8], pk[10]] = [pk[10], pk[8]];
  // 5 packets cut after 20 bytes (Ethernet + 6 bytes of IPv4), 3 with IP version 5, 2 empty records
  for (let i = 100; i < 105; i++) pk[i] = { ...pk[i], wireLen: pk[i].data.length, data: pk[i].data.slice(0, 20) };
  for (let i = 200; i < 203; i++) {
    const d = Uint8Array.from(pk[i].data);
    d[14] = 0x55;
    pk[i] = { ...pk[i], data: d };
  }
  pk.splice(300, 0, { tsMicros: pk[299].tsMicros, data: new Uint8Array(0), wireLen: 0 }, { tsMicros: pk[299].tsMicros, data: new Uint8Array(0), wireLen: 0 });
  const file = join(dir, 'mixed.pcap');
  writeFileSync(file, writePcap(pk, { linkType: 1 }));

  const r = spawnSync(process.execPath, [main, 'analyze', file, '-o', join(dir, 'out'), '--store', 'none', '--max-flows', '64', '--no-report', '--json'], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const evicted = Number(/evicted ([\d,]+) flows because the flow table was full/.exec(r.stderr)?.[1].replace(/,/g, ''));
  assert.ok(evicted > 0, r.stderr);
  assert.match(r.stderr, /skipped 5 packets cut before their headers ended/);
  assert.match(r.stderr, /skipped 3 malformed packets/);
  assert.match(r.stderr, /skipped 2 empty packet records/);
  assert.match(r.stderr, /1 packet came earlier than the packet before it in its flow/);
  const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
  const c = summary.capture;
  assert.deepEqual(c, {
    packetsRead: 602,
    packetsDecoded: 592,
    ipPackets: 592,
    arpPackets: 0,
    otherPackets: 0,
    encapsulatedPackets: 0,
    wlanEncryptedPackets: 0,
    wlanAggregatePackets: 0,
    wlanSubframes: 0,
    wlanBadSubframes: 0,
    tunneledPackets: 0,
    tunnels: { vxlan: 0, geneve: 0, gre: 0, erspan: 0, ipInIp: 0, gtpU: 0, l2tp: 0, teredo: 0, pptp: 0 },
    transportCutShortPackets: 0,
    packetsSkipped: 10,
    skippedByReason: { truncated: 5, empty: 2, malformed: 3, unsupportedLink: 0, badTime: 0, wlanRetransmitted: 0, wlanBadFcs: 0 },
    garbledBlocks: 0,
    outOfOrderPackets: 1,
    flows: summary.flows,
    flowsEvicted: evicted,
    maxFlows: 64,
    filesOutOfTimeOrder: 0,
  });
  assert.deepEqual(JSON.parse(r.stdout).capture, c, '--json says the same');
});

test('a packet whose timestamp is no date (a garbled pcapng record: year 554610) is skipped and counted; flows and analyze finish', { skip: skipWithoutShared('pcaps', 'synscan.pcapng') }, async () => {
  const pk: RawPacket[] = (await readPackets(sharedPath('pcaps', 'synscan.pcapng')!)).slice(0, 40);
  // the capture fuzz's find: a 64-bit pcapng timestamp overwritten with noise (tshark shows it as year 554610)
  pk[20] = { ...pk[20], tsMicros: 17_439_637_757_178_568_457 };
  const file = join(dir, 'far-future.pcapng');
  writeFileSync(file, writePcapng([{ interfaces: [{ linkType: 1 }], packets: pk.map((p) => ({ iface: 0, p })) }]));
  const f = spawnSync(process.execPath, [main, 'flows', file, '-o', join(dir, 'far.csv')], { encoding: 'utf8', cwd: dir });
  assert.equal(f.status, 0, f.stderr);
  assert.match(f.stderr, /warning: skipped 1 packet whose timestamp is before 1970 or after 9999/);
  assert.match(f.stderr, /40 packets \(39 IP, 0 ARP, 0 other, 1 skipped\)/);
  assert.doesNotMatch(readFileSync(join(dir, 'far.csv'), 'utf8'), /\+0?55/, 'no flow of year 554610');
  const a = spawnSync(process.execPath, [main, 'analyze', file, '-o', join(dir, 'out-far'), '--store', 'none', '--no-report', '--json'], { encoding: 'utf8', cwd: dir });
  assert.equal(a.status, 0, a.stderr);
  const c = JSON.parse(a.stdout).capture;
  assert.equal(c.skippedByReason.badTime, 1);
  assert.equal(c.packetsSkipped, 1);
  assert.equal(c.packetsRead, 40);
});

test('a flow file has no capture accounting: summary.json is as before', { skip: skipWithoutShared('pcaps', 'http_ip4and6.pcapng') }, () => {
  const flows = join(dir, 'flows.csv');
  const f = spawnSync(process.execPath, [main, 'flows', sharedPath('pcaps', 'synscan.pcapng')!, '-o', flows], { encoding: 'utf8', cwd: dir });
  assert.equal(f.status, 0, f.stderr);
  const r = spawnSync(process.execPath, [main, 'analyze', flows, '-o', join(dir, 'out-csv'), '--store', 'none', '-q'], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal('capture' in JSON.parse(readFileSync(join(dir, 'out-csv', 'summary.json'), 'utf8')), false);
  assert.doesNotMatch(readFileSync(join(dir, 'out-csv', 'report.html'), 'utf8'), /<h2>Packets<\/h2>/, 'nor a Packets section in the report');
});

test('a capture of no packets, and one of ARP only, say why they give no flows', { skip: skipWithoutShared('pcaps', 'arp_resolution.pcapng') }, async () => {
  const empty = join(dir, 'empty.pcap');
  writeFileSync(empty, writePcap([], { linkType: 1 }));
  const e = spawnSync(process.execPath, [main, 'flows', empty, '-o', join(dir, 'e.csv')], { encoding: 'utf8', cwd: dir });
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stderr, /empty\.pcap: the capture holds no packets/);
  const a = spawnSync(process.execPath, [main, 'flows', sharedPath('pcaps', 'arp_resolution.pcapng')!, '-o', join(dir, 'a.csv')], { encoding: 'utf8', cwd: dir });
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stderr, /no flows: none of the 2 packets is IP \(2 ARP\)/);
  // a capture with flows says neither
  const f = spawnSync(process.execPath, [main, 'flows', sharedPath('pcaps', 'tcp_handshake.pcapng')!, '-o', join(dir, 'f.csv')], { encoding: 'utf8', cwd: dir });
  assert.doesNotMatch(f.stderr, /holds no packets|no flows:/);
});

test('report.html of a capture says what became of its packets', { skip: skipWithoutShared('pcaps', 'synscan.pcapng') }, async () => {
  const pk: RawPacket[] = (await readPackets(sharedPath('pcaps', 'synscan.pcapng')!)).slice(0, 300);
  for (let i = 10; i < 14; i++) pk[i] = { ...pk[i], wireLen: pk[i].data.length, data: pk[i].data.slice(0, 20) };
  const file = join(dir, 'report.pcap');
  writeFileSync(file, writePcap(pk, { linkType: 1 }));
  const out = join(dir, 'out-report');
  const r = spawnSync(process.execPath, [main, 'analyze', file, '-o', out, '--store', 'none', '--max-flows', '32', '-q'], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const c = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).capture;
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  const p = /<h2>Packets<\/h2><p class="warn">([^<]*)<\/p>/.exec(html);
  assert.ok(p, 'a Packets section, marked as a warning');
  assert.equal(
    p[1],
    `300 packets read: 296 IP, 0 ARP, 0 other; 4 skipped (4 truncated); ${c.flows.toLocaleString('en-US')} flows; ${c.flowsEvicted.toLocaleString('en-US')} evicted early because the flow table was full (--max-flows 32).`,
  );
});
