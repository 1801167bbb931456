/**
 * What the packet detectors cost per packet, against what decoding that packet costs, on the same
 * packets in the same run: a replay of ../shared/pcaps (re-addressed, synscan in one replay of ten,
 * as capture-bench makes it) held in memory, each packet decoded into the one reused struct as the
 * capture path does, and (a) nothing more, (b) the ARP detector alone (what `analyze` ran before),
 * (c) every packet detector. The detectors' cost is the difference to (a) within each round
 * (seven rounds, the median; the machine is shared), fresh detectors each round.
 *
 *   node dist/bench/packet-detectors-bench.js ../shared [packets]
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArpWatch } from '../packets/arp-watch.js';
import { newCapturePacket } from '../packets/capture-packet.js';
import { DecodedPacket } from '../packets/decoded-packet.js';
import { decodePacket, DECODE_OK } from '../packets/decoder.js';
import { packetDetectors } from '../packets/packet-evidence.js';
import { readPackets } from '../testing/capture-writer.js';
import { makeReplayCapture } from './capture-bench.js';

function cpuSeconds(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

export async function packetDetectorCost(shared: string, count = 300_000): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'ns-pktdet-'));
  try {
    const pcaps = join(shared, 'pcaps');
    const sources = readdirSync(pcaps).filter((f) => f.endsWith('.pcapng')).sort().map((f) => join(pcaps, f));
    const file = join(dir, 'replay.pcap');
    await makeReplayCapture(sources, file, count, sources.filter((s) => s.endsWith('synscan.pcapng')));
    const raw = (await readPackets(file)).slice(0, count);
    const cps = raw.map((r) => ({ ...newCapturePacket(), data: r.data, capLen: r.data.length, wireLen: r.wireLen ?? r.data.length, tsMicros: r.tsMicros }));
    const d = new DecodedPacket();
    const decodeOnly = (): void => {
      for (const p of cps) decodePacket(p, d);
    };
    const arpOnly = (): void => {
      const a = new ArpWatch();
      for (const p of cps) if (decodePacket(p, d) === DECODE_OK) a.observe(d);
      a.findings();
    };
    let findings = 0;
    const all = (): void => {
      const det = packetDetectors({}, { warn: () => {} });
      for (const p of cps) if (decodePacket(p, d) === DECODE_OK) det.onPacket(d);
      void det.provider.finish([]).then((r) => (findings = r.findings?.length ?? 0));
    };
    // rounds of the three back to back, so a busy moment of the shared machine hits all three;
    // the median of each round's differences
    const rounds = Array.from({ length: 7 }, () => {
      const base = cpuSeconds(decodeOnly);
      return { base, arp: cpuSeconds(arpOnly) - base, all: cpuSeconds(all) - base };
    });
    const median = (xs: number[]): number => xs.sort((x, y) => x - y)[xs.length >> 1];
    const decode = median(rounds.map((r) => r.base));
    const arp = median(rounds.map((r) => r.arp));
    const every = median(rounds.map((r) => r.all));
    await Promise.resolve();
    const ns = (s: number): number => Math.round((s / cps.length) * 1e9);
    return { packets: cps.length, findings, decode_ns_per_packet: ns(decode), arp_ns_per_packet: ns(arp), all_detectors_ns_per_packet: ns(every) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [shared, n] = process.argv.slice(2);
  packetDetectorCost(shared ?? '../shared', n ? Number(n) : undefined).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e) => {
      process.stderr.write(`packet-detectors-bench: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
