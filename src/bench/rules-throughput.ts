/**
 * Throughput of the rule engine on synthetic traffic: `node dist/bench/rules-throughput.js [rows]`.
 *
 * Synthetic because the shared samples are small (2,500 flows a file) and throughput needs millions:
 * 20,000 clients, each talking to 5 of 2,000 servers (BENCH_FANOUT; 0 = any server, the worst case
 * where nearly every flow opens new state) on a handful of common ports over ten minutes, with one
 * vertical scanner mixed in. Flows arrive in batches of 65,536 as
 * readers produce them; table building is outside the timing, `flowFields` and every rule inside.
 * GeoIP is on (the bundled database), so the one lookup per distinct public source is included.
 *
 * Prints rows/s and the findings, so a regression in speed or in what is found shows at once. Then,
 * when Debian's python3 has pandas, the same rules written as pandas group-bys
 * (rules-throughput-peer.py, run from the project root) on the same flows, and the ratio of CPU times.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatTables, getColumn, type CategoricalColumn, type NumericColumn } from '../flows/table.js';
import { categoricalColumn, numericColumn, type FlowTable } from '../flows/table.js';
import { Rng } from '../util/rng.js';
import { createRuleEngine } from '../detect/run-rules.js';

function syntheticBatches(rows: number, batchRows: number, seed: number, fanout: number): FlowTable[] {
  const rng = new Rng(seed);
  const clients = 20000;
  const servers = 2000;
  const dict: string[] = [];
  for (let i = 0; i < clients; i++) dict.push(`10.${(i >> 8) & 255}.${i & 255}.${1 + (i % 200)}`);
  for (let i = 0; i < servers; i++) dict.push(`${23 + (i % 150)}.${(i * 7) & 255}.${(i * 13) & 255}.${1 + (i % 250)}`);
  const scanner = dict.length;
  dict.push('10.99.99.99');
  const common = [80, 443, 443, 443, 53, 22, 25, 8080, 123, 993];
  const out: FlowTable[] = [];
  const spanMs = 600_000;
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    const src = new Int32Array(n);
    const dst = new Int32Array(n);
    const dport = new Float64Array(n);
    const time = new Float64Array(n);
    const dur = new Float64Array(n);
    const fp = new Float64Array(n);
    const bp = new Float64Array(n);
    const fb = new Float64Array(n);
    const bb = new Float64Array(n);
    const syn = new Float64Array(n);
    const proto = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const g = start + i;
      time[i] = 1.5e12 + (g / rows) * spanMs + rng.next() * 50;
      const kind = rng.next();
      if (kind < 0.002) {
        // vertical scan of one server
        src[i] = scanner;
        dst[i] = clients + 5;
        dport[i] = 1 + rng.int(65535);
        fp[i] = 1;
        bp[i] = 1;
        fb[i] = 0;
        bb[i] = 0;
        dur[i] = 1e-4;
      } else {
        src[i] = rng.int(clients);
        // each client talks to a few servers of its own (real traffic), or to any (worst case)
        dst[i] = clients + (fanout > 0 ? (src[i] * 7919 + rng.int(fanout)) % servers : rng.int(servers));
        dport[i] = common[rng.int(common.length)];
        fp[i] = 2 + rng.int(20);
        bp[i] = 2 + rng.int(20);
        fb[i] = 100 + rng.int(5000);
        bb[i] = 100 + rng.int(50000);
        dur[i] = rng.next() * 5;
      }
      syn[i] = 1;
      proto[i] = dport[i] === 53 || dport[i] === 123 ? 1 : 0;
    }
    out.push({
      rowCount: n,
      format: 'cicflowmeter',
      columns: [
        categoricalColumn('Src IP', 'meta', src, dict),
        categoricalColumn('Dst IP', 'meta', dst, dict),
        numericColumn('Dst Port', 'feature', dport),
        categoricalColumn('Protocol', 'feature', proto, ['6', '17']),
        numericColumn('Timestamp', 'meta', time),
        numericColumn('Flow Duration', 'feature', dur.map((d) => d * 1e6)),
        numericColumn('Total Fwd Packet', 'feature', fp),
        numericColumn('Total Bwd packets', 'feature', bp),
        numericColumn('Total Length of Fwd Packet', 'feature', fb),
        numericColumn('Total Length of Bwd Packet', 'feature', bb),
        numericColumn('SYN Flag Count', 'feature', syn),
      ],
    });
  }
  return out;
}

const rows = Number(process.argv[2] ?? 2_000_000);
// BENCH_FANOUT=0: every flow to a random server, so nearly every (client, server) pair is new (worst case)
const fanout = Number(process.env.BENCH_FANOUT ?? 5);
const batches = syntheticBatches(rows, 65536, 7, fanout);
// BENCH_RULES='{"flood":{"enabled":false}}' measures a subset
const engine = createRuleEngine(process.env.BENCH_RULES ? JSON.parse(process.env.BENCH_RULES) : {});
const t0 = performance.now();
const c0 = process.cpuUsage();
for (const b of batches) engine.observe(b);
const res = engine.finish();
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
// CPU time is the steadier figure on a shared machine; wall time is what a user waits
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  `${rows} flows: ${Math.round(rows / (cpuMs / 1000)).toLocaleString('en')} flows/s of CPU time (${cpuMs.toFixed(0)} ms), ` +
    `${Math.round(rows / (ms / 1000)).toLocaleString('en')} flows/s wall (${ms.toFixed(0)} ms)`,
);
for (const f of res.findings) console.log(`  ${f.ruleId} ${f.srcIp ?? '-'} → ${f.targets.ips.slice(0, 2).join(',')} count ${f.count}`);
console.log(`  rules on: ${res.status.filter((s) => s.state === 'on').length}/${res.status.length}; peak heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);

/** The peer, on the same flows: raw columns to a temporary folder, pandas on them, the ratio. */
function runPeer(): void {
  const script = join(process.cwd(), 'src', 'bench', 'rules-throughput-peer.py');
  if (!existsSync('/usr/bin/python3') || !existsSync(script)) {
    console.log('  peer skipped: needs /usr/bin/python3 and src/bench/rules-throughput-peer.py (run from the project root)');
    return;
  }
  const all = concatTables(batches);
  const dir = mkdtempSync(join(tmpdir(), 'rules-bench-'));
  try {
    const num = (name: string) => (getColumn(all, name) as NumericColumn).values;
    const cat = (name: string) => (getColumn(all, name) as CategoricalColumn).codes;
    const protoCol = getColumn(all, 'Protocol') as CategoricalColumn;
    const proto = Float64Array.from(protoCol.codes, (c) => Number(protoCol.dictionary[c]));
    const files: [string, Int32Array | Float64Array][] = [
      ['src', cat('Src IP')],
      ['dst', cat('Dst IP')],
      ['dport', num('Dst Port')],
      ['proto', proto],
      ['time', num('Timestamp')],
      ['dur', num('Flow Duration').map((us) => us / 1e6)],
      ['fwdPackets', num('Total Fwd Packet')],
      ['fwdBytes', num('Total Length of Fwd Packet')],
      ['bwdBytes', num('Total Length of Bwd Packet')],
      ['syn', num('SYN Flag Count')],
    ];
    for (const [name, a] of files) writeFileSync(join(dir, `${name}.bin`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    let out: string;
    try {
      out = execFileSync('/usr/bin/python3', [script, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      console.log(`  peer failed: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    const peer = JSON.parse(out.trim().split('\n').pop() as string) as { peer: string; cpuSeconds: number; seconds: number; found: Record<string, number> };
    console.log(
      `  peer (${peer.peer}): ${Math.round(rows / peer.cpuSeconds).toLocaleString('en')} flows/s of CPU time (${Math.round(peer.cpuSeconds * 1000)} ms); ` +
        `netsentinel/peer speed ratio ${(peer.cpuSeconds / (cpuMs / 1000)).toFixed(2)}; peer found ${JSON.stringify(peer.found)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runPeer();
