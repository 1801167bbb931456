/**
 * CPU of the behavioural rules in a process where their code has never run: what a fresh `analyze`
 * pays for V8's warm-up on top of the steady state that sink-stages-bench.ts measures (it runs the
 * stages warm). The input is read with this build; the rules stage is then imported from RULES_DIST,
 * a copy of a build's dist/ that nothing else in this process has loaded, so every rule function
 * starts cold, and run once over every batch. Run it in fresh processes, alternating builds.
 *
 * Prints CPU ms per batch (process.cpuUsage: every thread), and, on Linux, the same span split into
 * the main thread and the other threads (V8's concurrent optimising compiler and GC helpers): a
 * main-thread --cpu-prof does not see the second part, which in a fresh process is about half of the
 * rules' CPU. The digest covers every batch's rule p and the findings, to compare builds.
 *
 *   node dist/bench/rules-warmup-bench.js INPUT RULES_DIST
 *   (e.g. cp -r dist /tmp/new-dist; cp -r ../main/dist /tmp/old-dist; then alternate the two)
 *
 * The copy finds the bundled GeoIP database through a node_modules beside or above it: a bare
 * /tmp/x-dist has none, so its rules run with GeoIP off (no-geolocation lookups, about a third of
 * the rules' cold CPU on a capture of public sources, are then not measured). To include them, put
 * the copy in a folder with a node_modules link: mkdir /tmp/old; ln -s $PWD/node_modules /tmp/old/;
 * cp -r ../main/dist /tmp/old/dist.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { streamDataset } from '../sources/read-dataset.js';
import { flowFields, type FlowFields } from '../flows/flow-fields.js';
import type { FlowTable } from '../flows/table.js';
import { loadAnalysisConfig } from '../config/analysis-config.js';
import type { createRulesStage as CreateRulesStage } from '../analysis/rules-stage.js';

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** CPU ms (user + sys) of each thread of this process, by thread id; empty where /proc is missing. */
function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      // fields after the parenthesised name: utime and stime are the 12th and 13th, in clock ticks (10 ms on Linux)
      const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(Number(t), (Number(f[11]) + Number(f[12])) * 10);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return out;
}

async function main(): Promise<void> {
  const [input, distArg] = process.argv.slice(2);
  if (!input || !distArg) {
    console.error('usage: rules-warmup-bench.js INPUT RULES_DIST (a copy of a build\'s dist/ this process loads nothing else from)');
    process.exitCode = 2;
    return;
  }
  const rulesStage = join(resolve(distArg), 'analysis/rules-stage.js');
  if (!existsSync(rulesStage)) {
    console.error(`rules-warmup-bench: ${rulesStage} not found: RULES_DIST must be a build's dist/ folder`);
    process.exitCode = 2;
    return;
  }
  const config = await loadAnalysisConfig(undefined);
  const batches: { table: FlowTable; ff: FlowFields }[] = [];
  for await (const table of streamDataset([input], { batchRows: 65536 })) batches.push({ table, ff: flowFields(table) });
  const { createRulesStage } = (await import(rulesStage)) as { createRulesStage: typeof CreateRulesStage };
  const hash = createHash('sha256');
  const threadsBefore = threadCpuMs();
  let c = process.cpuUsage();
  const rules = createRulesStage(config.rules);
  const perBatch: number[] = [];
  for (const b of batches) {
    const p = rules.observe(b.table, b.ff);
    perBatch.push(cpuMs(c));
    c = process.cpuUsage();
    hash.update(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  }
  const finished = rules.finish();
  const finishMs = cpuMs(c);
  const threadsAfter = threadCpuMs();
  hash.update(JSON.stringify(finished));
  let mainThreadMs: number | null = null;
  let otherThreadsMs: number | null = null;
  if (threadsAfter.size > 0) {
    mainThreadMs = 0;
    otherThreadsMs = 0;
    for (const [tid, ms] of threadsAfter) {
      const d = ms - (threadsBefore.get(tid) ?? 0);
      if (tid === process.pid) mainThreadMs += d;
      else otherThreadsMs += d;
    }
  }
  const total = perBatch.reduce((a, b) => a + b, 0) + finishMs;
  console.log(
    JSON.stringify({
      rules: rulesStage,
      flows: batches.reduce((a, b) => a + b.table.rowCount, 0),
      batches: batches.length,
      totalMs: Math.round(total),
      perBatchMs: perBatch.map(Math.round),
      finishMs: Math.round(finishMs),
      mainThreadMs,
      otherThreadsMs,
      digest: hash.digest('hex').slice(0, 16),
    }),
  );
}

if (process.argv[1]?.endsWith('rules-warmup-bench.js')) await main();
