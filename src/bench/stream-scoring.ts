/**
 * A stream worker's per-flow work alone, in this process, no NATS or PostgreSQL: the re-addressed
 * CIC-IDS2017 copies stream-throughput.ts publishes (readdressed-flows.ts), cut into messages as
 * publish cuts them (by source partition, binary columns), then decoded (decodeColumns) and scored
 * by one PartitionScorers with the stream verb's defaults, alerts turned into store rows, and the
 * drain. The clock (process CPU) covers decode + score + store rows + drain of the timed copies,
 * after warm-up copies scored the same way untimed (a long-running worker's JIT). Seconds per run
 * instead of stream-throughput's minutes, for before/after comparisons of the worker's code:
 *
 *   node dist/bench/stream-scoring.js [copies=4] [partitions=8] [message-flows=1000] [warm-up copies=2] [alerts.jsonl]
 *
 * Prints one JSON line per round: flows, CPU seconds, flows per CPU second, decode seconds, alerts.
 * With a fifth argument the store rows of every alert (warm-up included, `now` fixed per message so
 * runs compare byte for byte) are written there, one JSON line each: two builds' files must be equal.
 * STREAM_SCORING_OTHER=DIST (another build's dist/) alternates rounds of that build and this one in
 * this process (STREAM_SCORING_ROUNDS pairs, default 10; each round fresh scorers, the same
 * messages), then prints both medians and whether their alert rows are identical: one process's
 * rounds, interleaved, are steadier on a busy machine than separate processes.
 * Needs ../shared/datasets/cicids2017-sample. The flows and a baseline (fitted on its BENIGN_2500.csv)
 * are made in a temporary folder, removed afterwards; STREAM_SCORING_DIR=DIR keeps them there and
 * reuses them run after run (the alert keys name the flow files, so comparing two builds' alerts
 * needs the same folder).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sharedPath } from '../testing/shared-data.js';
import { readdressCopy } from './readdressed-flows.js';
import { datasetSource } from '../analysis/flow-source.js';
import { sourceIpField } from '../flows/flow-fields.js';
import { schemaOf, type WireSchema } from '../stream/flow-codec.js';
import { encodeSegments, type decodeColumns, type Segment } from '../stream/flow-columns.js';
import { partitionOf } from '../stream/partition.js';
import type { PartitionScorers } from '../stream/partition-scorers.js';
import type { storedAlert, Alert } from '../analysis/alerts.js';
import type { loadBaseline } from '../risk/baseline.js';
import type { loadAnalysisConfig } from '../config/analysis-config.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const copies = Number(process.argv[2] ?? 4);
const partitions = Number(process.argv[3] ?? 8);
const messageFlows = Number(process.argv[4] ?? 1000);
const warmCopies = Number(process.argv[5] ?? 2);
const alertsOut = process.argv[6];

interface Message {
  readonly partition: string;
  readonly data: Uint8Array;
  readonly schema: WireSchema;
  readonly flows: number;
}

/**
 * The messages of some flow folders, each partition's rows in order, messageFlows a message (a
 * partition's rows wait across read batches for more, as publish's do, while the schema is the same)
 */
async function messagesOf(inputs: readonly string[]): Promise<Message[]> {
  const out: Message[] = [];
  const filling: { segments: Segment[]; flows: number; schemaText: string; schema: WireSchema }[] = [];
  const send = (p: number): void => {
    const f = filling[p];
    if (f?.flows) out.push({ partition: String(p), data: encodeSegments(f.segments), schema: f.schema, flows: f.flows });
    delete filling[p];
  };
  for await (const batch of datasetSource(inputs, { warn: () => {} }, 64_000).batches()) {
    const schemaText = JSON.stringify({ ...schemaOf(batch), layout: 'narrow-columns' });
    const src = sourceIpField(batch);
    const byPart: number[][] = Array.from({ length: partitions }, () => []);
    for (let r = 0; r < batch.rowCount; r++) {
      const c = src ? src.codes[r] : -1;
      byPart[c >= 0 ? partitionOf(src!.dictionary[c], partitions) : 0].push(r);
    }
    byPart.forEach((rows, p) => {
      if (filling[p] && filling[p].schemaText !== schemaText) send(p);
      for (let i = 0; i < rows.length; ) {
        const f = (filling[p] ??= { segments: [], flows: 0, schemaText, schema: JSON.parse(schemaText) as WireSchema });
        const take = rows.slice(i, i + messageFlows - f.flows);
        f.segments.push({ table: batch, rows: take });
        f.flows += take.length;
        i += take.length;
        if (f.flows === messageFlows) send(p);
      }
    });
  }
  for (let p = 0; p < partitions; p++) send(p);
  return out;
}

/**
 * messagesOf, kept in `file` (when given) and read back from it on later runs: reading and cutting
 * the CSV copies took most of a run's time, and runs are alternated many times on a busy machine
 */
async function cachedMessages(file: string | undefined, inputs: readonly string[]): Promise<Message[]> {
  if (file && existsSync(`${file}.json`)) {
    const index = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { partition: string; schema: WireSchema; flows: number; bytes: number }[];
    const all = readFileSync(`${file}.bin`);
    let at = 0;
    return index.map((m) => {
      const data = new Uint8Array(all.buffer, all.byteOffset + at, m.bytes);
      at += m.bytes;
      return { partition: m.partition, schema: m.schema, flows: m.flows, data };
    });
  }
  const list = await messagesOf(inputs);
  if (file) {
    writeFileSync(`${file}.bin`, Buffer.concat(list.map((m) => m.data)));
    writeFileSync(`${file}.json`, JSON.stringify(list.map((m) => ({ partition: m.partition, schema: m.schema, flows: m.flows, bytes: m.data.length }))));
  }
  return list;
}

/** what a round needs from a build's dist/ (this one's, or another's for an alternated comparison) */
interface Build {
  readonly PartitionScorers: typeof PartitionScorers;
  readonly decodeColumns: typeof decodeColumns;
  readonly storedAlert: typeof storedAlert;
  readonly loadBaseline: typeof loadBaseline;
  readonly loadAnalysisConfig: typeof loadAnalysisConfig;
  readonly limitDefaults: { perSource: number; windowSeconds: number };
}

async function buildAt(dist: string): Promise<Build> {
  const at = (f: string): string => pathToFileURL(join(dist, f)).href;
  const limit = (await import(at('analysis/flow-alert-limit.js'))) as { DEFAULT_FLOW_ALERTS_PER_SOURCE: number; DEFAULT_FLOW_ALERT_WINDOW_SECONDS: number };
  return {
    PartitionScorers: ((await import(at('stream/partition-scorers.js'))) as { PartitionScorers: typeof PartitionScorers }).PartitionScorers,
    decodeColumns: ((await import(at('stream/flow-columns.js'))) as { decodeColumns: typeof decodeColumns }).decodeColumns,
    storedAlert: ((await import(at('analysis/alerts.js'))) as { storedAlert: typeof storedAlert }).storedAlert,
    loadBaseline: ((await import(at('risk/baseline.js'))) as { loadBaseline: typeof loadBaseline }).loadBaseline,
    loadAnalysisConfig: ((await import(at('config/analysis-config.js'))) as { loadAnalysisConfig: typeof loadAnalysisConfig }).loadAnalysisConfig,
    limitDefaults: { perSource: limit.DEFAULT_FLOW_ALERTS_PER_SOURCE, windowSeconds: limit.DEFAULT_FLOW_ALERT_WINDOW_SECONDS },
  };
}

interface Round {
  readonly flows: number;
  readonly cpu: number;
  readonly decode: number;
  readonly alerts: number;
  /** every alert's store row as JSON (warm-up included), when asked for */
  readonly rows: string[];
}

/**
 * Fresh scorers (the stream verb's defaults), the warm-up messages untimed, then the timed ones and
 * the drain on the clock. `now` is fixed per message, so the same messages give the same rows.
 */
async function round(b: Build, baselineFile: string, warm: readonly Message[], timed: readonly Message[], record: boolean): Promise<Round> {
  const config = await b.loadAnalysisConfig();
  const perSource = config.flowAlertsPerSource ?? b.limitDefaults.perSource;
  const flowAlertLimit = perSource > 0 ? { perSource, windowSeconds: config.flowAlertWindowSeconds ?? b.limitDefaults.windowSeconds } : undefined;
  const scorers = new b.PartitionScorers({ baseline: await b.loadBaseline(baselineFile), rules: config.rules, weights: config.weights, flowThreshold: config.thresholds.flow, ipThreshold: config.thresholds.ip, flowAlertLimit });
  const rows: string[] = [];
  let alerts = 0;
  let now = Date.UTC(2026, 0, 1);
  const keep = (list: readonly Alert[]): void => {
    for (const a of list) {
      const s = b.storedAlert(a);
      alerts++;
      if (record) rows.push(JSON.stringify(s));
    }
  };
  for (const m of warm) keep(scorers.of(m.partition).scoreBatch(b.decodeColumns(m.data, `p${m.partition}`, m.schema), (now += 1000)).alerts);
  let flows = 0;
  let decodeUs = 0;
  const c0 = process.cpuUsage();
  for (const m of timed) {
    const d0 = process.cpuUsage();
    const batch = b.decodeColumns(m.data, `p${m.partition}`, m.schema);
    const d = process.cpuUsage(d0);
    decodeUs += d.user + d.system;
    keep(scorers.of(m.partition).scoreBatch(batch, (now += 1000)).alerts);
    flows += batch.rowCount;
  }
  keep(scorers.finish((now += 1000)).alerts);
  const c = process.cpuUsage(c0);
  return { flows, cpu: (c.user + c.system) / 1e6, decode: decodeUs / 1e6, alerts, rows };
}

async function main(): Promise<void> {
  const dir = sharedPath('datasets', 'cicids2017-sample');
  if (!dir) throw new Error('needs ../shared/datasets/cicids2017-sample');
  const kept = process.env.STREAM_SCORING_DIR;
  const tmp = kept ?? mkdtempSync(join(tmpdir(), 'ns-bench-scoring-'));
  try {
    const baselineFile = join(tmp, 'b.nsb');
    if (!existsSync(baselineFile)) {
      const b = spawnSync(process.execPath, [CLI, 'baseline', join(dir, 'BENIGN_2500.csv'), '-o', baselineFile, '-q'], { encoding: 'utf8' });
      if (b.status !== 0) throw new Error(b.stderr);
    }
    // as stream-throughput: warm-up copies first (own seeds), then the timed ones, a week apart
    const warmDirs = Array.from({ length: warmCopies }, (_, c) => join(tmp, `warmup${c + 1}`));
    warmDirs.forEach((out, c) => existsSync(out) || readdressCopy(dir, out, 1000 + c, c, 4096));
    // named by their week too: a kept folder's copies are remade when the warm-up count changes
    const dirs = Array.from({ length: copies }, (_, c) => join(tmp, `copy${c + 1}-week${warmCopies + c}`));
    dirs.forEach((out, c) => existsSync(out) || readdressCopy(dir, out, c, warmCopies + c, 4096));
    const warm = await cachedMessages(kept && join(tmp, `messages-warm${warmCopies}-p${partitions}-m${messageFlows}`), warmDirs);
    const timed = await cachedMessages(kept && join(tmp, `messages-copies${copies}-week${warmCopies}-p${partitions}-m${messageFlows}`), dirs);

    const here = await buildAt(fileURLToPath(new URL('..', import.meta.url)));
    const otherDist = process.env.STREAM_SCORING_OTHER;
    const other = otherDist ? await buildAt(otherDist) : undefined;
    const rounds = Math.max(1, Number(process.env.STREAM_SCORING_ROUNDS ?? (other ? 10 : 1)));
    const cpuOf: Record<string, number[]> = { here: [], other: [] };
    const firstRows: Record<string, string[]> = {};
    let last: Round | undefined;
    for (let i = 0; i < rounds; i++)
      // the other build first in each pair: neither always runs on the heap the other left
      for (const [name, build] of other ? ([['other', other], ['here', here]] as const) : ([['here', here]] as const)) {
        const r = await round(build, baselineFile, warm, timed, !firstRows[name] && (alertsOut !== undefined || other !== undefined));
        if (!firstRows[name]) firstRows[name] = r.rows;
        cpuOf[name].push(r.cpu);
        if (name === 'here') last = r;
        console.log(JSON.stringify({ build: name === 'here' ? 'this' : otherDist, flows: r.flows, messages: timed.length, cpuSeconds: r.cpu, flowsPerCpuSecond: Math.round(r.flows / r.cpu), decodeSeconds: r.decode, alerts: r.alerts }));
      }
    if (alertsOut) writeFileSync(alertsOut, firstRows.here.length ? `${firstRows.here.join('\n')}\n` : '');
    const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
    if (other) {
      const same = firstRows.here.length === firstRows.other.length && firstRows.here.every((x, i) => x === firstRows.other[i]);
      const us = (v: number[]): string => ((median(v) / last!.flows) * 1e6).toFixed(2);
      console.log(`medians of ${rounds} alternated rounds, µs of CPU per flow: other ${us(cpuOf.other)}, this ${us(cpuOf.here)}; alert rows ${same ? 'identical' : 'DIFFER'}`);
    }
  } finally {
    if (!kept) rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`stream-scoring: ${(e as Error).message}\n`);
  process.exit(1);
});
