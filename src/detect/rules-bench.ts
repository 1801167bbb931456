/**
 * Throughput of the rule engine on synthetic traffic: `node dist/detect/rules-bench.js [rows]`.
 *
 * Synthetic because the shared samples are small (2,500 flows a file) and throughput needs millions:
 * 20,000 clients talking to 2,000 servers on a handful of common ports over ten minutes, with one
 * vertical scanner, one sweeper and one SSH guesser mixed in. Flows arrive in batches of 65,536 as
 * readers produce them; table building is outside the timing, `flowFields` and every rule inside.
 * GeoIP is on (the bundled database), so the one lookup per distinct public source is included.
 *
 * Prints rows/s and the findings, so a regression in speed or in what is found shows at once.
 */
import { categoricalColumn, numericColumn, type FlowTable } from '../flows/table.js';
import { Rng } from '../util/rng.js';
import { createRuleEngine } from './run-rules.js';

function syntheticBatches(rows: number, batchRows: number, seed: number): FlowTable[] {
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
        dst[i] = clients + rng.int(servers);
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
const batches = syntheticBatches(rows, 65536, 7);
// BENCH_RULES='{"flood":{"enabled":false}}' measures a subset
const engine = createRuleEngine(process.env.BENCH_RULES ? JSON.parse(process.env.BENCH_RULES) : {});
const t0 = performance.now();
for (const b of batches) engine.observe(b);
const res = engine.finish();
const ms = performance.now() - t0;
console.log(`${rows} flows in ${ms.toFixed(0)} ms: ${Math.round(rows / (ms / 1000)).toLocaleString('en')} flows/s (all rules, one core)`);
for (const f of res.findings) console.log(`  ${f.ruleId} ${f.srcIp ?? '-'} → ${f.targets.ips.slice(0, 2).join(',')} count ${f.count}`);
console.log(`  rules on: ${res.status.filter((s) => s.state === 'on').length}/${res.status.length}; peak heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
