/**
 * Reading throughput, beside pandas.read_csv on the same files in the same run.
 *
 *   node dist/bench/read-throughput.js [copies]      (from the project root)
 *
 * Builds two large files in the temp folder from ../shared (NSL-KDD train concatenated 40 times,
 * ~150 MB of short numeric fields; the CIC-IDS2017 sample concatenated 10 times, ~150 MB with
 * 17-digit rates, addresses and timestamps), then times, on each: the tokenizer alone, the
 * tokenizer plus number parsing of every field, the full reader to FlowTable batches
 * (streamDataset), and pandas.read_csv (Debian's /usr/bin/python3, when pandas is installed).
 * Prints MB/s by wall clock and by CPU time (the machine is shared: CPU time is the steadier
 * figure) and the ratio to pandas.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath } from '../testing/shared-data.js';
import { tokenizeCsv } from '../sources/csv-tokenizer.js';
import { parseNumberInto } from '../sources/parse-number.js';
import { streamDataset } from '../sources/read-dataset.js';

interface Timing {
  wall: number;
  cpu: number;
}

async function timed(fn: () => Promise<void>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

async function build(out: string, parts: { path: string; skipHeader: boolean }[], header: string | undefined, copies: number): Promise<void> {
  if (existsSync(out)) return;
  const ws = createWriteStream(out);
  if (header) ws.write(header + '\n');
  for (let i = 0; i < copies; i++) {
    for (const p of parts) {
      let text = readFileSync(p.path, 'utf8');
      if (p.skipHeader) text = text.slice(text.indexOf('\n') + 1);
      if (!ws.write(text)) await new Promise<void>((r) => ws.once('drain', () => r()));
    }
  }
  await new Promise<void>((r) => ws.end(r));
}

function pandas(file: string, header: boolean): Timing | undefined {
  const code = `import sys,time,resource,pandas as pd
r0=resource.getrusage(resource.RUSAGE_SELF);t=time.perf_counter()
df=pd.read_csv(sys.argv[1],header=${header ? "'infer'" : 'None'},low_memory=False)
w=time.perf_counter()-t;r1=resource.getrusage(resource.RUSAGE_SELF)
print(w,(r1.ru_utime-r0.ru_utime)+(r1.ru_stime-r0.ru_stime),len(df))`;
  const r = spawnSync('/usr/bin/python3', ['-c', code, file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const [wall, cpu] = r.stdout.trim().split(/\s+/).map(Number);
  return { wall, cpu };
}

async function main(): Promise<void> {
  const copies = Number(process.argv[2] ?? 1);
  const kdd = sharedPath('datasets', 'nsl-kdd', 'KDDTrain+_20Percent.txt');
  const cicDir = sharedPath('datasets', 'cicids2017-sample');
  if (!kdd || !cicDir) {
    console.error('needs ../shared/datasets (run from the project root)');
    process.exit(2);
  }
  const dir = tmpdir();
  const kddBig = join(dir, `netsentinel-bench-kdd-x${40 * copies}.txt`);
  const cicBig = join(dir, `netsentinel-bench-cic-x${10 * copies}.csv`);
  await build(kddBig, [{ path: kdd, skipHeader: false }], undefined, 40 * copies);
  const cicFiles = readdirSync(cicDir).filter((f) => f.endsWith('.csv')).sort().map((f) => join(cicDir, f));
  const cicHeader = readFileSync(cicFiles[0], 'utf8').split('\n')[0];
  await build(cicBig, cicFiles.map((path) => ({ path, skipHeader: true })), cicHeader, 10 * copies);

  for (const [name, file, header] of [['NSL-KDD x40', kddBig, false], ['CIC-IDS2017 x10', cicBig, true]] as const) {
    const mb = statSync(file).size / 1e6;
    const rate = (t: Timing): string => `${(mb / t.wall).toFixed(0).padStart(4)} MB/s wall  ${(mb / t.cpu).toFixed(0).padStart(4)} MB/s cpu`;
    console.log(`\n${name}: ${mb.toFixed(0)} MB`);
    let records = 0;
    const tok = await timed(async () => {
      for await (const b of tokenizeCsv(createReadStream(file, { highWaterMark: 1 << 20 }))) records += b.count;
    });
    console.log(`  tokenizer                 ${rate(tok)}  (${records.toLocaleString('en-US')} records)`);
    const scratch = new Float64Array(1 << 16);
    const num = await timed(async () => {
      for await (const b of tokenizeCsv(createReadStream(file, { highWaterMark: 1 << 20 }))) {
        const n = b.recordField[b.count];
        for (let f = 0; f < n; f++) parseNumberInto(b.bytes, b.fieldStart[f], b.fieldEnd[f], scratch, f & 0xffff);
      }
    });
    console.log(`  tokenizer + numbers       ${rate(num)}`);
    let rows = 0;
    const full = await timed(async () => {
      for await (const t of streamDataset([file], { warn: () => {} })) rows += t.rowCount;
    });
    console.log(`  streamDataset → FlowTable ${rate(full)}  (${rows.toLocaleString('en-US')} rows)`);
    const pd = pandas(file, header);
    if (pd) {
      console.log(`  pandas.read_csv           ${rate(pd)}`);
      console.log(`  ratio streamDataset / pandas: ${(pd.wall / full.wall).toFixed(2)}x wall, ${(pd.cpu / full.cpu).toFixed(2)}x cpu`);
    } else console.log('  pandas.read_csv           (not available: /usr/bin/python3 with pandas)');
  }
}

await main();
