/**
 * The long fuzzing run (`npm run fuzz`): the CSV tokenizer, the dataset readers, the model-file
 * decoder and the LZ4 decoder, each on many inputs (reader-fuzz.ts and lz4-fuzz.ts say which and
 * what is checked; the capture readers have their own run, `npm run fuzz:captures`). Prints, per target,
 * inputs run, time, failures and the peak RSS; exits 1 on any failure, with fast-check's
 * counterexample and seed so it can be replayed.
 *
 *   npm run fuzz                       # 1,200,000 inputs in all (default split below)
 *   npm run fuzz -- --runs 200000      # inputs per target instead
 *   npm run fuzz -- --seed 42 --only readers
 *
 * Memory: the RSS is sampled after every input; above --max-rss-mb (default 1500) the run fails.
 * Hangs: each input runs under a time limit (--timeout-ms, default 5000).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { csvInputArb, fuzzModelDecode, fuzzReadDataset, fuzzTokenizer, modelInputArb, readOptionsArb, seedModels, seedTexts } from '../testing/reader-fuzz.js';
import { fuzzLz4, lz4Corpus, lz4InputArb } from '../testing/lz4-fuzz.js';
import { sharedPath } from '../testing/shared-data.js';

interface TargetResult {
  name: string;
  runs: number;
  seconds: number;
  failure?: string;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const perTarget = Number(arg('runs', '0'));
const seed = Number(arg('seed', String(Date.now() % 1_000_000)));
const only = arg('only', '');
const maxRssMb = Number(arg('max-rss-mb', '1500'));
const timeoutMs = Number(arg('timeout-ms', '5000'));

let peakRss = 0;
let sampled = 0;
function checkRss(): void {
  tick();
  if (++sampled % 25 !== 0) return;
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
  if (rss > maxRssMb * 1048576) throw new Error(`memory: RSS ${(rss / 1048576).toFixed(0)} MB above ${maxRssMb} MB`);
}

/** Progress on stderr: twenty lines per target. */
let tick = (): void => {};

async function runTarget(name: string, runs: number, property: fc.IAsyncProperty<unknown[]>): Promise<TargetResult> {
  const t0 = Date.now();
  let count = 0;
  const step = Math.max(1, Math.floor(runs / 20));
  tick = () => {
    count++;
    if (count % step === 0) process.stderr.write(`  ${name}: ${count.toLocaleString('en-US')} / ${runs.toLocaleString('en-US')} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  };
  const details = await fc.check(property, { numRuns: runs, seed, timeout: timeoutMs });
  const seconds = (Date.now() - t0) / 1000;
  if (details.failed) {
    return { name, runs: details.numRuns, seconds, failure: `${fc.defaultReportMessage(details) ?? 'failed'}`.slice(0, 4000) };
  }
  return { name, runs: details.numRuns, seconds };
}

async function main(): Promise<number> {
  const texts = seedTexts();
  const models = await seedModels();
  const plan: [string, number, () => fc.IAsyncProperty<unknown[]>][] = [
    [
      'tokenizer',
      perTarget || 350_000,
      () =>
        fc.asyncProperty(csvInputArb(texts), fc.integer({ min: 1, max: 97 }), async (bytes, chunk) => {
          await fuzzTokenizer(bytes, chunk);
          checkRss();
        }) as unknown as fc.IAsyncProperty<unknown[]>,
    ],
    [
      'readers',
      perTarget || 300_000,
      () =>
        fc.asyncProperty(csvInputArb(texts), readOptionsArb, async (bytes, o) => {
          await fuzzReadDataset(bytes, o);
          checkRss();
        }) as unknown as fc.IAsyncProperty<unknown[]>,
    ],
    [
      'model-file',
      perTarget || 350_000,
      () =>
        fc.asyncProperty(modelInputArb(models), async (buf) => {
          fuzzModelDecode(buf);
          checkRss();
        }) as unknown as fc.IAsyncProperty<unknown[]>,
    ],
  ];
  // lz4 data as the lz4 program writes it, of texts and of capture bytes (the first 256 KiB of two shared captures)
  const captureSeeds = ['synscan.pcapng', 'http_ip4and6.pcapng'].map((n) => sharedPath('pcaps', n)).filter((p): p is string => p !== undefined).map((p) => readFileSync(p).subarray(0, 1 << 18));
  const lz4Seeds = lz4Corpus([...texts, ...captureSeeds]);
  if (lz4Seeds.length) {
    plan.push([
      'lz4',
      perTarget || 200_000,
      () =>
        fc.asyncProperty(lz4InputArb(lz4Seeds), async ([bytes, chunk]) => {
          fuzzLz4(bytes, chunk);
          checkRss();
        }) as unknown as fc.IAsyncProperty<unknown[]>,
    ]);
  } else process.stderr.write('lz4: skipped (needs the lz4 program, Debian package lz4, to make its corpus)\n');
  const results: TargetResult[] = [];
  process.stderr.write(`fuzzing with seed ${seed} (replay: npm run fuzz -- --seed ${seed})\n`);
  for (const [name, runs, make] of plan) {
    if (only && only !== name) continue;
    const r = await runTarget(name, runs, make());
    results.push(r);
    process.stdout.write(`${name.padEnd(11)} ${r.runs.toLocaleString('en-US').padStart(10)} inputs  ${r.seconds.toFixed(1).padStart(7)} s  ${r.failure ? 'FAILED' : '0 failures'}\n`);
    if (r.failure) process.stdout.write(`${r.failure}\n`);
  }
  const total = results.reduce((s, r) => s + r.runs, 0);
  const secs = results.reduce((s, r) => s + r.seconds, 0);
  process.stdout.write(`total       ${total.toLocaleString('en-US').padStart(10)} inputs  ${secs.toFixed(1).padStart(7)} s  ${results.filter((r) => r.failure).length} failing targets; peak RSS ${(peakRss / 1048576).toFixed(0)} MB; seed ${seed}\n`);
  return results.some((r) => r.failure) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
