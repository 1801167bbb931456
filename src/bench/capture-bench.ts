/**
 * Packet benchmarks (issue 10): decoding + flow metering of a capture of over a million packets,
 * with `tshark -q -z conv,tcp` and `tcpdump -nn -r` timed on the same file in the same run; the
 * peak memory of a flood of 10 million one-packet flows (bounded by the flow table); and `analyze`
 * of the capture end to end.
 *
 * The capture is made at bench time in a temporary folder: the real captures of ../shared/pcaps
 * replayed again and again, each replay re-addressed (replay-addresses.ts: other hosts of the same
 * kinds, no two sharing an address) and shifted in time, so every replay is new flows, as on a busy network.
 *
 *   node dist/bench/capture-bench.js flows FILE      decode + meter + features + batches, prints JSON
 *   node dist/bench/capture-bench.js meter FILE      decode + meter alone, prints JSON
 *   node dist/bench/capture-bench.js read FILE       flows plus the packet detectors (analyze's read stage), prints JSON
 *   node dist/bench/capture-bench.js flood N         N spoofed SYNs generated in memory, prints JSON
 *   node dist/bench/capture-bench.js compare SHARED  the whole comparison, rows as JSON (run.ts)
 * `npm run bench -- packets` runs the comparison (src/bench/run.ts).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { streamCaptureFlows } from '../packets/capture-flows.js';
import { readPackets, type RawPacket } from '../testing/capture-writer.js';
import { ReplayAddresses } from './replay-addresses.js';
import type { BenchRow } from './bench-row.js';
import { thousands } from '../util/thousands.js';

type Json = Record<string, number | string | null | undefined>;
const here = dirname(fileURLToPath(import.meta.url));

/**
 * Write a pcap of at least `minPackets` packets replaying `sources`; returns packets written.
 * `rare` sources (the SYN scan: 2,000 one-packet flows) join only every tenth replay, so the mix
 * has a few packets per flow rather than one (real networks have tens). `firstReplay` numbers the
 * replays from there: another capture of the same network (other hosts, later times).
 */
export async function makeReplayCapture(sources: readonly string[], out: string, minPackets: number, rare: readonly string[] = [], firstReplay = 0): Promise<number> {
  const load = async (list: readonly string[]): Promise<RawPacket[]> => {
    const base: RawPacket[] = [];
    for (const s of list) {
      const ps = await readPackets(s);
      if (ps.length === 0) continue;
      // every source starts at 0 within a replay, keeping its own spacing
      const t0 = ps[0].tsMicros;
      for (const p of ps) base.push({ ...p, tsMicros: p.tsMicros - t0 });
    }
    return base.sort((a, b) => a.tsMicros - b.tsMicros);
  };
  const common = await load(sources.filter((s) => !rare.includes(s)));
  const withRare = await load(sources);
  const span = Math.max(...withRare.map((p) => p.tsMicros)) + 1e6;
  const fd = openSync(out, 'w');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  writeSync(fd, header);
  let n = 0;
  const start = 1.7e15;
  const buf = Buffer.alloc(8 << 20);
  const addresses = new ReplayAddresses();
  let used = 0;
  for (let replay = firstReplay; n < minPackets; replay++) {
    // replays overlap in time: a new one starts every quarter of a replay's span
    const shift = start + replay * (span / 4);
    // each replay runs at its own pace (0-2 % slower): real hosts never repeat a connection to the
    // microsecond, and an exact copy would give flows whose every feature equals an earlier flow's,
    // which the scorer's row cache (risk/row-score-cache.ts) would then score for free; only flows
    // whose features carry no time (one-packet flows, as in a flood) still repeat exactly
    const pace = 1 + (((replay * 7919) % 997) / 997) * 0.02;
    for (const p of replay % 10 === 0 ? withRare : common) {
      const len = p.data.length;
      if (used + 16 + len > buf.length) {
        writeSync(fd, buf, 0, used);
        used = 0;
      }
      const ts = Math.round(shift + p.tsMicros * pace);
      buf.writeUInt32LE(Math.floor(ts / 1e6), used);
      buf.writeUInt32LE(ts % 1e6, used + 4);
      buf.writeUInt32LE(len, used + 8);
      buf.writeUInt32LE(p.wireLen ?? len, used + 12);
      buf.set(p.data, used + 16);
      const o = used + 16;
      const type = len >= 14 ? buf.readUInt16BE(o + 12) : 0;
      if (type === 0x0800 && len >= 34) {
        addresses.ipv4(buf, o + 14 + 12, replay);
        addresses.ipv4(buf, o + 14 + 16, replay);
      } else if (type === 0x86dd && len >= 54) {
        addresses.ipv6(buf, o + 14 + 8, replay);
        addresses.ipv6(buf, o + 14 + 24, replay);
      }
      used += 16 + len;
      n++;
    }
  }
  writeSync(fd, buf, 0, used);
  closeSync(fd);
  return n;
}

/**
 * Time one capture read. `flows`: the whole capture flow source (decode → meter → 83 CICFlowMeter
 * features → FlowTable batches, what `flows` and `analyze` read); `meter`: decode and flow metering
 * alone (every packet into its flow's statistics, flows finished and handed to a sink that counts
 * them), the work comparable to tshark's conversation table. CPU seconds are the whole process's
 * (start-up included, as /usr/bin/time counts the peers'), from process.resourceUsage.
 */
async function meterTask(file: string, mode: 'flows' | 'meter' | 'read'): Promise<Json> {
  const t0 = process.hrtime.bigint();
  let flows = 0;
  let packets = 0;
  if (mode === 'flows' || mode === 'read') {
    // `read`: what analyze's read stage runs, the packet detectors watching every packet
    const hooks = mode === 'read' ? (await import('../packets/packet-evidence.js')).packetDetectors({}, { warn: () => {} }).hooks : {};
    for await (const t of streamCaptureFlows([{ display: file, path: file }], { warn: () => {}, ...hooks, onSummary: (s) => (packets = s.packets) })) flows += t.rowCount;
  } else {
    const { captureChunks } = await import('../packets/capture-file-chunks.js');
    const { iterateCapture } = await import('../packets/read-capture.js');
    const { decodeToMeter, emptyPacketCounts } = await import('../packets/decode-to-meter.js');
    const { FlowMeter } = await import('../packets/flow-meter.js');
    const meter = new FlowMeter(() => flows++);
    const counts = emptyPacketCounts();
    const source = await captureChunks({ display: file, path: file });
    // the decode → meter step of every capture source
    const it = iterateCapture(source.chunks, file, decodeToMeter(counts, meter));
    for (;;) if ((await it.next()).done) break;
    meter.flush();
    packets = counts.packets;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const u = process.resourceUsage();
  const cpu = (u.userCPUTime + u.systemCPUTime) / 1e6;
  return { packets, flows, seconds: secs, cpu_seconds: cpu, packets_per_s: packets / secs, packets_per_cpu_s: packets / cpu, rss_mb: u.maxRSS / 1024 };
}

/** A SYN flood from random spoofed sources, generated as pcap bytes in memory (no file). */
async function floodTask(count: number, maxFlows: number): Promise<Json> {
  const frame = Buffer.alloc(54);
  frame.writeUInt16BE(0x0800, 12);
  frame[14] = 0x45;
  frame.writeUInt16BE(40, 16);
  frame[22] = 64;
  frame[23] = 6;
  frame.writeUInt32BE(0x0a000001, 30); // 10.0.0.1
  frame.writeUInt16BE(80, 36);
  frame[46] = 0x50;
  frame[47] = 0x02; // SYN
  frame.writeUInt16BE(1024, 48);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const head = Buffer.alloc(24);
    head.writeUInt32LE(0xa1b2c3d4, 0);
    head.writeUInt16LE(2, 4);
    head.writeUInt16LE(4, 6);
    head.writeUInt32LE(262144, 16);
    head.writeUInt32LE(1, 20);
    yield head;
    const per = 16 + 54;
    const batch = 16384;
    let x = 0x12345678;
    for (let i = 0; i < count; ) {
      const n = Math.min(batch, count - i);
      const b = Buffer.alloc(n * per);
      for (let k = 0; k < n; k++, i++) {
        const o = k * per;
        const ts = 1.7e15 + i; // a million SYNs a second
        b.writeUInt32LE(Math.floor(ts / 1e6), o);
        b.writeUInt32LE(ts % 1e6, o + 4);
        b.writeUInt32LE(54, o + 8);
        b.writeUInt32LE(54, o + 12);
        frame.copy(b, o + 16);
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        b.writeUInt32BE(x >>> 0, o + 16 + 26); // spoofed source
        b.writeUInt16BE(1024 + (i & 0x7fff), o + 16 + 34);
      }
      yield b;
    }
  }
  const { iterateCapture } = await import('../packets/read-capture.js');
  const { DecodedPacket } = await import('../packets/decoded-packet.js');
  const { decodePacket } = await import('../packets/decoder.js');
  const { FlowMeter } = await import('../packets/flow-meter.js');
  const { CaptureFlowBatch } = await import('../packets/capture-flow-batch.js');
  const batch = new CaptureFlowBatch(['flood'], 65536);
  let flows = 0;
  const meter = new FlowMeter((m, slot) => {
    batch.add(m, slot, 0);
    if (batch.rows >= 65536) flows += batch.flush().rowCount;
  }, { maxFlows });
  const d = new DecodedPacket();
  const t0 = process.hrtime.bigint();
  const it = iterateCapture(chunks(), 'flood', (p) => {
    if (decodePacket(p, d) === 0) meter.packet(d);
  });
  for (;;) {
    const r = await it.next();
    if (r.done) break;
  }
  meter.flush();
  flows += batch.flush().rowCount;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const u = process.resourceUsage();
  const cpu = (u.userCPUTime + u.systemCPUTime) / 1e6;
  return { packets: count, flows, evictions: meter.stats.evictions, peak_flows: meter.stats.peakFlows, max_flows: maxFlows, table_mb: meter.memoryBytes() / 2 ** 20, seconds: secs, packets_per_cpu_s: count / cpu, rss_mb: u.maxRSS / 1024 };
}

/**
 * The first `n` packets of a little-endian microsecond pcap written by makeReplayCapture, as a new
 * file: the same traffic's start, for timing what a run costs before its first packet (see the
 * fixed-cost row).
 */
export function headOfPcap(file: string, out: string, n: number): number {
  const buf = readFileSync(file).subarray(0, 64 << 20);
  let at = 24;
  let count = 0;
  while (count < n && at + 16 <= buf.length) {
    const caplen = buf.readUInt32LE(at + 8);
    if (at + 16 + caplen > buf.length) break;
    at += 16 + caplen;
    count++;
  }
  const fd = openSync(out, 'w');
  try {
    writeSync(fd, buf, 0, at);
  } finally {
    closeSync(fd);
  }
  return count;
}

/** Wall seconds of a command, and its CPU seconds (user + system, from /usr/bin/time) when known. */
function timed(cmd: string, args: string[]): { wall: number; cpu?: number; rssMb?: number; stderr: string } | string {
  const withTime = existsSync('/usr/bin/time');
  const t0 = process.hrtime.bigint();
  const r = withTime
    ? spawnSync('/usr/bin/time', ['-f', 'NSCPU %U %S %M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 })
    : spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) return `${cmd}: ${r.error.message}`;
  if (r.status !== 0) return `${cmd} failed: ${r.stderr.toString().slice(-300)}`;
  const m = /NSCPU ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr.toString());
  return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : undefined, rssMb: m ? Number(m[3]) / 1024 : undefined, stderr: r.stderr.toString() };
}

function task(args: string[]): Json {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Json;
  } catch {
    return { error: (r.stderr || 'no output').trim().split('\n').slice(-3).join(' | ') };
  }
}

/** the --timings lines of an analyze run as "stage ms, ..." (largest first), for the notes */
function timingsLine(stderr: string): string {
  const rows: [string, number][] = [];
  for (const m of stderr.matchAll(/^ {2}(\S.*?)\s{2,}(\d+) ms/gm)) rows.push([m[1].trim(), Number(m[2])]);
  const total = rows.find(([k]) => k === 'total');
  const cpu = rows.find(([k]) => k.startsWith('cpu'));
  const stages = rows.filter(([k, v]) => k !== 'total' && !k.startsWith('cpu') && v >= 50).sort((a, b) => b[1] - a[1]);
  return `${stages.map(([k, v]) => `${k} ${v}`).join(', ')}; total ${total?.[1] ?? '?'}, CPU ${cpu?.[1] ?? '?'}`;
}


/** The packet comparisons, as rows of npm run bench's table. */
export async function packetsComparison(shared: string, add: (r: BenchRow) => void, notes: string[], floodCount = 10_000_000): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ns-pkts-'));
  try {
    const pcaps = join(shared, 'pcaps');
    const sources = readdirSync(pcaps).filter((f) => f.endsWith('.pcapng')).sort().map((f) => join(pcaps, f));
    const file = join(dir, 'replay.pcap');
    const packets = await makeReplayCapture(sources, file, 1_000_000, sources.filter((s) => s.endsWith('synscan.pcapng')));
    notes.push(`packets: ${packets.toLocaleString('en-US')}-packet capture (${(statSync(file).size / 1e6).toFixed(0)} MB) replaying ../shared/pcaps re-addressed (synscan in one replay of ten), made at bench time`);
    const m = task(['meter', file]);
    const fl = task(['flows', file]);
    for (const [name, r] of [['meter', m], ['flows', fl]] as const) if (r.error) notes.push(`packets ${name}: ${r.error}`);
    const ts = timed('tshark', ['-q', '-n', '-z', 'conv,tcp', '-r', file]);
    const td = timed('tcpdump', ['-nn', '-r', file]);
    if (typeof ts === 'string') notes.push(ts);
    if (typeof td === 'string') notes.push(td);
    const pps = (t: typeof ts, cpu: boolean): number | undefined => (typeof t === 'string' ? undefined : cpu ? (t.cpu ? packets / t.cpu : undefined) : packets / t.wall);
    if (typeof ts !== 'string' && typeof td !== 'string') {
      notes.push(`packets: CPU s (user + system, whole process): ours meter ${Number(m.cpu_seconds).toFixed(2)}, ours flows ${Number(fl.cpu_seconds).toFixed(2)}, tshark ${ts.cpu?.toFixed(2)}, tcpdump ${td.cpu?.toFixed(2)}; wall s: ${Number(m.seconds).toFixed(2)}, ${Number(fl.seconds).toFixed(2)}, ${ts.wall.toFixed(2)}, ${td.wall.toFixed(2)}`);
    }
    const n = packets.toLocaleString('en-US');
    add({ what: `capture decode + flow metering packets per CPU second (one core, ${n} packets → ${thousands(Number(m.flows))} flows)`, ours: m.packets_per_cpu_s, peer: pps(ts, true), peerName: 'tshark -q -z conv,tcp (CPU s)', better: 'higher', factor: 8, target: '≥ 8 × tshark' });
    add({ what: 'capture decode + flow metering packets per CPU second (absolute)', ours: m.packets_per_cpu_s, peer: undefined, peerName: '', atLeast: 1_000_000, target: '≥ 1,000,000/s' });
    add({ what: 'capture decode + flow metering packets/s, wall (machine shared, reported)', ours: m.packets_per_s, peer: pps(ts, false), peerName: 'tshark -q -z conv,tcp (wall)', target: 'reported' });
    add({ what: 'capture decode + flow metering packets per CPU second vs tcpdump', ours: m.packets_per_cpu_s, peer: pps(td, true), peerName: 'tcpdump -nn -r (CPU s)', target: 'reported' });
    add({ what: 'capture to flow table (decode, meter, 83 CIC features, FlowTable batches) packets per CPU second', ours: fl.packets_per_cpu_s, peer: pps(ts, true), peerName: 'tshark -q -z conv,tcp (CPU s)', better: 'higher', factor: 8, target: '≥ 8 × tshark' });
    add({ what: 'capture to flow table packets per CPU second vs tcpdump', ours: fl.packets_per_cpu_s, peer: pps(td, true), peerName: 'tcpdump -nn -r (CPU s)', target: 'reported' });
    add({ what: 'capture to flow table peak memory MB', ours: fl.rss_mb, peer: typeof ts === 'string' ? undefined : ts.rssMb, peerName: 'tshark -q -z conv,tcp', target: 'reported' });
    // analyze end to end, as a user runs it: a baseline fitted on their own network's normal
    // traffic (`netsentinel baseline capture -o office.nsb`), here another capture of the same
    // network (the same replayed sources without the three attack captures, other hosts, later
    // times), then the bench capture scored against it. The CIC-IDS2017 BENIGN baseline (flows of
    // another network) is run too and reported beside it.
    const main = resolve(here, '../cli/main.js');
    const attacks = ['synscan.pcapng', 'arppoison.pcapng', 'sessionhijacking.pcapng'];
    const normal = sources.filter((s) => !attacks.some((a) => s.endsWith(a)));
    const trainFile = join(dir, 'normal.pcap');
    const trainPackets = await makeReplayCapture(normal, trainFile, 100_000, [], 10_000);
    const ownNsb = join(dir, 'own.nsb');
    const fit = timed(process.execPath, [main, 'baseline', trainFile, '-o', ownNsb, '-q']);
    if (typeof fit === 'string') notes.push(`baseline on the normal capture: ${fit}`);
    else notes.push(`analyze: own baseline fitted on a ${trainPackets.toLocaleString('en-US')}-packet capture of the same network's normal traffic (${normal.length} of ${sources.length} sources; synscan, arppoison, sessionhijacking left out) in ${fit.wall.toFixed(1)} s wall, ${fit.cpu?.toFixed(1)} CPU s`);
    const cicNsb = join(dir, 'cic.nsb');
    spawnSync(process.execPath, [main, 'baseline', join(shared, 'datasets', 'cicids2017-sample', 'BENIGN_2500.csv'), '-o', cicNsb, '-q']);
    // each analyze runs `runs` times (a fresh output folder and store each time) and the run of the
    // median CPU is kept: one run's CPU seconds moved by ±10 % on the shared 2-core machine
    // `pinned`: the process and all its threads confined to one core (taskset), and the run of the
    // median wall time kept: the time the work takes on one core, which the issue's "packets/s on
    // one core" asks for. Unpinned, V8's four helper threads (TurboFan compiles, GC marking) run
    // beside the main thread on the other core, and their CPU seconds count more there (on this
    // 2-core VM the same analyze of the ordinary capture took 2.4-2.7 CPU s unpinned, 2.2-2.4
    // pinned, December 2026): a rate per CPU second of an unpinned run understates one core's rate.
    // analyze runs as a user runs it, through the `netsentinel` command (bin/netsentinel: on one CPU
    // it gives Node --single-threaded); `direct`: `node dist/cli/main.js` instead, V8 as it starts
    // by default, for the row that shows what the command's choice is worth
    const launcher = resolve(here, '../../bin/netsentinel');
    const analyze = (nsb: string, tag: string, capture = file, runs = 3, pinned = false, direct = false): ReturnType<typeof timed> => {
      const out = join(dir, `out-${tag}`);
      const all: ReturnType<typeof timed>[] = [];
      for (let i = 0; i < runs; i++) {
        rmSync(out, { recursive: true, force: true });
        rmSync(join(dir, `${tag}.db`), { force: true });
        const argv = ['analyze', capture, '-b', nsb, '-o', out, '--store', `sqlite:${join(dir, `${tag}.db`)}`, '-q', '--timings'];
        const command = direct ? [process.execPath, main, ...argv] : [launcher, ...argv];
        const one = pinned ? timed('taskset', ['-c', String(lastCpu), ...command]) : timed(command[0], command.slice(1));
        all.push(one);
        if (typeof one === 'string') break;
      }
      const failed = all.find((x) => typeof x === 'string');
      const by = (x: Exclude<ReturnType<typeof timed>, string>): number => (pinned ? x.wall : (x.cpu ?? x.wall));
      const done = all.filter((x): x is Exclude<typeof x, string> => typeof x !== 'string').sort((a, b) => by(a) - by(b));
      const r = failed ?? done[(done.length - 1) >> 1];
      if (typeof r !== 'string' && done.length > 1) notes.push(`analyze (${tag}): ${pinned ? `pinned to CPU ${lastCpu}, wall s` : 'CPU s'} of ${done.length} runs ${done.map((x) => by(x).toFixed(2)).join(', ')}; the median run is reported`);
      if (typeof r === 'string') notes.push(`analyze (${tag} baseline): ${r}`);
      else {
        let what = '';
        try {
          const j = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { flows: number; riskyFlows: number; alerts: { written: number } };
          what = `${thousands(j.flows)} flows, ${thousands(j.riskyFlows)} risky, ${thousands(j.alerts.written)} alerts; `;
        } catch {
          // no summary: the timings still say where the time went
        }
        notes.push(`analyze (${tag} baseline): ${what}breakdown, wall ms: ${timingsLine(r.stderr)}`);
      }
      return r;
    };
    const lastCpu = availableParallelism() - 1;
    const an = analyze(ownNsb, 'own');
    const anCic = analyze(cicNsb, 'cic');
    // the bench capture is attack-heavy on purpose (the SYN scan makes ~60% of its flows, one
    // packet each); a network's ordinary day has tens of packets per flow (the CIC-IDS2017 BENIGN
    // sample: 19 on average). So the same analyze also runs on a capture of the ordinary sources
    // alone (other replays of the same network, no attack captures), reported beside it.
    const ordinaryFile = join(dir, 'ordinary.pcap');
    const ordinaryPackets = await makeReplayCapture(normal, ordinaryFile, 1_000_000, [], 20_000);
    const anOrdinary = analyze(ownNsb, 'ordinary', ordinaryFile);
    // a longer capture of the same ordinary traffic: the fixed cost and the JIT's warm-up (about
    // 1.3 CPU s together, most of a 1M-packet run beyond its steady rate) weigh three times less
    const longFile = join(dir, 'ordinary-long.pcap');
    const longPackets = await makeReplayCapture(normal, longFile, 3_000_000, [], 24_000);
    const anLong = analyze(ownNsb, 'ordinary-long', longFile, 1);
    const anLongPinned = analyze(ownNsb, 'ordinary-long-pinned', longFile, 1, true);
    rmSync(longFile, { force: true });
    // on one core: the same runs confined to one core with taskset, their wall time; and tshark so
    const anPinned = analyze(ownNsb, 'own-pinned', file, 3, true);
    const anOrdinaryPinned = analyze(ownNsb, 'ordinary-pinned', ordinaryFile, 3, true);
    const anOrdinaryPinnedDirect = analyze(ownNsb, 'ordinary-pinned-direct', ordinaryFile, 3, true, true);
    // a baseline as large as a day of the network's flows: fitted on the ordinary capture itself
    // (40,078 flows; its one-class SVM on a sample of 10,000 rows, baseline --sample-rows), then
    // the same capture analyzed against it: what a bigger baseline costs per flow
    const bigNsb = join(dir, 'big.nsb');
    const bigFit = timed(process.execPath, [main, 'baseline', ordinaryFile, '-o', bigNsb, '-q']);
    if (typeof bigFit === 'string') notes.push(`baseline on the ordinary capture: ${bigFit}`);
    else notes.push(`analyze: a larger baseline fitted on the ordinary capture itself in ${bigFit.wall.toFixed(1)} s wall, ${bigFit.cpu?.toFixed(1)} CPU s`);
    const anOrdinaryBigPinned = typeof bigFit === 'string' ? bigFit : analyze(bigNsb, 'ordinary-big-baseline-pinned', ordinaryFile, 3, true);
    const tsPinned = timed('taskset', ['-c', String(lastCpu), 'tshark', '-q', '-n', '-z', 'conv,tcp', '-r', ordinaryFile]);
    if (typeof tsPinned === 'string') notes.push(`tshark pinned: ${tsPinned}`);
    const tsCpu = pps(ts, true);
    const anRow = (r: typeof an, what: string, cpu: boolean, target: Partial<BenchRow>, count = packets): void => {
      const ours = typeof r === 'string' ? undefined : cpu ? (r.cpu ? count / r.cpu : undefined) : count / r.wall;
      add({ what, ours, peer: undefined, peerName: '', target: 'reported', ...target });
      if (cpu && count === packets) add({ what: `${what} vs tshark`, ours, peer: tsCpu, peerName: 'tshark -q -z conv,tcp (CPU s)', target: 'reported' });
    };
    anRow(an, 'analyze of the capture end to end packets per CPU second, own baseline (read → flows → baseline and rules → report)', true, { atLeast: 500_000, target: '≥ 500,000/s' });
    anRow(an, 'analyze of the capture end to end packets/s, wall, own baseline', false, {});
    anRow(anCic, 'analyze of the capture end to end packets per CPU second, CIC-IDS2017 BENIGN baseline', true, {});
    anRow(anCic, 'analyze of the capture end to end packets/s, wall, CIC-IDS2017 BENIGN baseline', false, {});
    let ordinaryFlows = '';
    try {
      const j = JSON.parse(readFileSync(join(dir, 'out-ordinary', 'summary.json'), 'utf8')) as { flows: number };
      ordinaryFlows = `, ${j.flows.toLocaleString('en-US')} flows = ${(ordinaryPackets / j.flows).toFixed(1)} packets per flow`;
    } catch {
      // the analyze row says what failed
    }
    anRow(anOrdinary, `analyze of ordinary traffic end to end packets per CPU second, own baseline (${ordinaryPackets.toLocaleString('en-US')} packets of the ordinary sources alone${ordinaryFlows})`, true, { atLeast: 500_000, target: '≥ 500,000/s' }, ordinaryPackets);
    const onOneCore = (r: typeof an, count: number): number | undefined => (typeof r === 'string' ? undefined : count / r.wall);
    add({ what: `analyze of ordinary traffic end to end packets/s on one core (taskset, wall; ${thousands(ordinaryPackets)} packets)`, ours: onOneCore(anOrdinaryPinned, ordinaryPackets), peer: onOneCore(tsPinned, ordinaryPackets), peerName: 'tshark -q -z conv,tcp on one core (wall)', atLeast: 500_000, target: '≥ 500,000/s' });
    add({ what: `analyze of ordinary traffic end to end packets/s on one core, as \`node dist/cli/main.js\` (tsc's files, V8's default threads; the row above runs the netsentinel command: its bundle, and --single-threaded on one CPU)`, ours: onOneCore(anOrdinaryPinnedDirect, ordinaryPackets), peer: undefined, peerName: '', target: 'reported' });
    add({ what: `analyze of ordinary traffic end to end packets/s on one core against a baseline fitted on the capture's own flows (its one-class SVM on a 10,000-row sample)`, ours: onOneCore(anOrdinaryBigPinned, ordinaryPackets), peer: undefined, peerName: '', target: 'reported' });
    add({ what: `analyze of a longer capture of ordinary traffic end to end packets/s on one core (taskset, wall; ${thousands(longPackets)} packets)`, ours: onOneCore(anLongPinned, longPackets), peer: undefined, peerName: '', atLeast: 500_000, target: '≥ 500,000/s' });
    add({ what: `analyze of the attack-heavy capture end to end packets/s on one core (taskset, wall; ${thousands(packets)} packets)`, ours: onOneCore(anPinned, packets), peer: undefined, peerName: '', atLeast: 500_000, target: '≥ 500,000/s' });
    anRow(anLong, `analyze of a longer capture of ordinary traffic end to end packets per CPU second, own baseline (${longPackets.toLocaleString('en-US')} packets, other replays of the same sources)`, true, { atLeast: 500_000, target: '≥ 500,000/s' }, longPackets);
    // What a run pays whatever its size (Node's start, loading our modules and the baseline, the
    // JIT's first compiles, the chart thread, the store): analyze of the same capture's first
    // 10,000 packets. The packets after those, divided by the CPU they add, are the rate a long
    // capture approaches; both reported beside the end-to-end row, which includes the fixed cost.
    const headFile = join(dir, 'ordinary-head.pcap');
    const headPackets = headOfPcap(ordinaryFile, headFile, 10_000);
    const anHead = analyze(ownNsb, 'ordinary-head', headFile);
    const headCpu = typeof anHead === 'string' ? undefined : anHead.cpu;
    const fullCpu = typeof anOrdinary === 'string' ? undefined : anOrdinary.cpu;
    add({ what: `analyze fixed cost: CPU s of a run on the ordinary capture's first ${thousands(headPackets)} packets`, ours: headCpu, peer: undefined, peerName: '', target: 'reported' });
    add({
      what: `analyze of ordinary traffic, packets per CPU second after the first ${thousands(headPackets)} (CPU of the full run less the fixed-cost run's)`,
      ours: headCpu !== undefined && fullCpu !== undefined && fullCpu > headCpu ? (ordinaryPackets - headPackets) / (fullCpu - headCpu) : undefined,
      peer: undefined,
      peerName: '',
      target: 'reported',
    });
    add({ what: `analyze of the capture peak memory MB (${thousands(Number(m.flows))} flows, own baseline)`, ours: typeof an === 'string' ? undefined : an.rssMb, peer: undefined, peerName: '', target: 'reported' });
    // the flood: memory must follow the flow table's size, not the number of flows
    const small = Math.max(1, Math.floor(floodCount / 10));
    // A flood's peak RSS depends on when the collector frees a finished 47 MB flow batch (one or two
    // alive at the peak): the same 1M flood peaked at 241 and at 357 MB in runs of one build, and
    // on 6 December 241, 243 and 340 in three runs, none of the bench's three reaching 340 while the
    // 10M flood's did (343: "NOT met" from sampling alone). The claim is a bound, so each flood runs
    // five times and the worst peaks are compared.
    const worst = (args: string[]): Json => {
      const runs = [task(args), task(args), task(args), task(args), task(args)];
      return runs.find((r) => r.error) ?? runs.reduce((a, b) => (Number(b.rss_mb) > Number(a.rss_mb) ? b : a));
    };
    const f = worst(['flood', String(floodCount), '100000']);
    const f1 = worst(['flood', String(small), '100000']);
    const f2 = worst(['flood', String(small), '10000']);
    for (const r of [f, f1, f2]) if (r.error) notes.push(`flood: ${r.error}`);
    const mb = (v: unknown): string => Number(v).toFixed(0);
    notes.push(`flood: ${floodCount.toLocaleString('en-US')} spoofed SYNs (one flow each), generated in memory and read through the pcap reader; flow table of 100,000 flows = ${mb(f.table_mb)} MB of typed arrays (peak ${thousands(Number(f.peak_flows))} flows, ${thousands(Number(f.evictions))} evictions, ${thousands(Math.round(Number(f.packets_per_cpu_s)))} packets per CPU s); of 10,000 flows = ${mb(f2.table_mb)} MB`);
    add({ what: `flood of ${floodCount.toLocaleString('en-US')} one-packet flows: peak RSS MB, worst of 5 runs (--max-flows 100,000)`, ours: f.rss_mb, peer: f1.rss_mb, peerName: `the same flood of ${small.toLocaleString('en-US')} flows`, better: 'lower', factor: 1.1, target: 'bounded: ≤ 1.1 × the 10× smaller flood' });
    add({ what: `flood of ${small.toLocaleString('en-US')} flows with --max-flows 10,000: peak RSS MB`, ours: f2.rss_mb, peer: f1.rss_mb, peerName: '--max-flows 100,000', target: 'reported (smaller table, less memory)' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [what, a, b] = process.argv.slice(2);
  const compare = async (): Promise<Json> => {
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    await packetsComparison(a, (r) => rows.push(r), notes, b ? Number(b) : undefined);
    return { rows: JSON.stringify(rows), notes: JSON.stringify(notes) };
  };
  const job = what === 'meter' || what === 'flows' || what === 'read' ? meterTask(a, what) : what === 'flood' ? floodTask(Number(a), Number(b ?? 100000)) : what === 'compare' ? compare() : Promise.reject(new Error(`unknown task ${what}`));
  job.then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e) => {
      process.stderr.write(String((e as Error).stack) + '\n');
      process.exit(1);
    },
  );
}
