/**
 * A stream's alerts do not depend on which worker owns which partitions, nor on how the messages of
 * a worker's partitions interleave (its consumers deliver at their own pace): the same partitioned
 * messages, scored by one worker owning every partition, by two or four workers, and in other
 * interleavings, give the same alerts — the same keys with the same content. Real CIC-IDS2017 flows
 * (a port scan, a DDoS, benign traffic) in flow-time order, partitioned by source as `publish`
 * does, in 50-flow messages, through the worker's own scorers (PartitionScorers).
 *
 * With one rule state for all of a worker's partitions (before partition-scorers.ts) this failed:
 * the rules' clock was the latest flow time of any partition the worker owned, so a partition
 * running ahead in time closed the others' episodes early — a 110-s vertical port scan of
 * 172.16.0.1 (603 ports) was one finding when its partition had a worker to itself, and three
 * (111, 48 and 526 ports) when it shared a worker with partition 0; with one worker for all four,
 * partition 3's consumer 10 or 20 messages behind the others changed 3 to 5 alerts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionScorers } from './partition-scorers.js';
import type { Alert } from '../analysis/alerts.js';
import { fitBaseline } from '../risk/baseline.js';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { flowFields } from '../flows/flow-fields.js';
import { loadAnalysisConfig } from '../config/analysis-config.js';
import { partitionOf } from './partition.js';
import type { ScoringSetup } from './batch-scorer.js';

const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');
const sample = (f: string): string => sharedPath('datasets', 'cicids2017-sample', f) as string;
const PARTITIONS = 4;
const MESSAGE_FLOWS = 50;

interface Message {
  readonly partition: number;
  readonly flows: FlowTable;
}

/** each partition's messages, its flows in flow-time order (a sensor's), cut as `publish` cuts them */
function partitioned(t: FlowTable): Message[][] {
  const ff = flowFields(t);
  const time = ff.time!;
  const src = ff.srcIp!;
  const order = Array.from({ length: t.rowCount }, (_, i) => i).sort((a, b) => time[a] - time[b] || a - b);
  const rows: number[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const r of order) rows[partitionOf(src.codes[r] < 0 ? null : src.dictionary[src.codes[r]], PARTITIONS)].push(r);
  return rows.map((list, partition) => {
    const out: Message[] = [];
    for (let i = 0; i < list.length; i += MESSAGE_FLOWS) out.push({ partition, flows: takeTableRows(t, list.slice(i, i + MESSAGE_FLOWS)) });
    return out;
  });
}

/** one message of each partition in turn (partitions in `order`), then the next of each */
function roundRobin(perPartition: Message[][], order: number[]): Message[] {
  const out: Message[] = [];
  for (let i = 0; out.length < perPartition.flat().length; i++) for (const p of order) if (i < perPartition[p].length) out.push(perPartition[p][i]);
  return out;
}

/** round robin, but partition `late`'s consumer starts `rounds` messages behind the others (a lagging consumer) */
function lagging(perPartition: Message[][], late: number, rounds: number): Message[] {
  const next = perPartition.map(() => 0);
  const out: Message[] = [];
  for (let round = 0; out.length < perPartition.flat().length; round++)
    for (let p = 0; p < PARTITIONS; p++) if ((p !== late || round >= rounds) && next[p] < perPartition[p].length) out.push(perPartition[p][next[p]++]);
  return out;
}

/** every partition's messages in stream order, partitions drawn at random (seeded) */
function shuffled(perPartition: Message[][], seed: number): Message[] {
  const next = perPartition.map(() => 0);
  const out: Message[] = [];
  let s = seed;
  while (out.length < perPartition.flat().length) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const p = s % PARTITIONS;
    if (next[p] < perPartition[p].length) out.push(perPartition[p][next[p]++]);
  }
  return out;
}

/**
 * The alerts of workers owning `owners` (partition lists) given the messages in `stream` order,
 * each drained at the end, as the store would hold them: alert key → content.
 */
function alertsOf(setup: ScoringSetup, owners: number[][], stream: Message[]): Map<string, string> {
  const workers = owners.map(() => new PartitionScorers(setup));
  const ownerOf = new Map(owners.flatMap((ps, w) => ps.map((p) => [p, workers[w]] as const)));
  const out = new Map<string, string>();
  // as the store keeps them: the first alert of a key (a source window closed twice in one
  // flow-time window, e.g. reopened by a finding that closed after it, is one alert: source-windows.ts)
  const keep = (list: readonly Alert[]): void => {
    for (const a of list) if (!out.has(a.key)) out.set(a.key, JSON.stringify(a.input));
  };
  for (const m of stream) keep(ownerOf.get(m.partition)!.of(String(m.partition)).scoreBatch(m.flows, 0).alerts);
  for (const w of workers) keep(w.finish(0).alerts);
  return out;
}

function sameAlerts(got: Map<string, string>, want: Map<string, string>, what: string): void {
  const missing = [...want.keys()].filter((k) => !got.has(k));
  const extra = [...got.keys()].filter((k) => !want.has(k));
  const changed = [...want.keys()].filter((k) => got.has(k) && got.get(k) !== want.get(k));
  const show = (m: Map<string, string>, keys: string[]): string => keys.slice(0, 3).map((k) => m.get(k)!.slice(0, 300)).join('\n    ');
  assert.ok(
    !missing.length && !extra.length && !changed.length,
    `${what}: ${missing.length} alerts missing, ${extra.length} extra, ${changed.length} with other content\n  missing:\n    ${show(want, missing)}\n  extra:\n    ${show(got, extra)}\n  changed (now):\n    ${show(got, changed)}`,
  );
}

test('the same partitioned messages give the same alerts whatever worker owns each partition and however the partitions interleave', { skip, timeout: 300_000 }, async () => {
  const config = await loadAnalysisConfig(undefined);
  const benign = await readDataset([sample('BENIGN_2500.csv')], { warn: () => undefined });
  const baseline = await fitBaseline(benign, { detectors: ['isolation-forest'], seed: 7, threads: 1 });
  const flows = await readDataset([sample('Portscan_2500.csv'), sample('DDoS_2500.csv'), sample('BENIGN_2500.csv')], { warn: () => undefined });
  const perPartition = partitioned(flows);
  // the attacker's partition is far longer than the others: in a round robin they run out first and
  // it goes on alone, so partitions reach far apart flow times within one worker
  assert.ok(perPartition.every((ms) => ms.length > 0), 'every partition has messages');
  const setup: ScoringSetup = {
    baseline,
    rules: config.rules,
    weights: config.weights,
    flowThreshold: config.thresholds.flow,
    ipThreshold: config.thresholds.ip,
    flowAlertLimit: { perSource: 100, windowSeconds: 60 },
  };

  const all = [0, 1, 2, 3];
  const want = alertsOf(setup, [all], roundRobin(perPartition, all));
  const sources = new Set([...want.values()].map((c) => (JSON.parse(c) as { source: string }).source));
  // a meaningful comparison: rule findings, risky flows and risky sources among them
  for (const s of ['rule:port-scan.vertical', 'risk:flow', 'risk:ip']) assert.ok(sources.has(s), `the reference run raised ${s} alerts (it raised ${[...sources].join(', ')})`);

  sameAlerts(alertsOf(setup, [all], perPartition.flat()), want, 'one worker, partition after partition');
  sameAlerts(alertsOf(setup, [all], roundRobin(perPartition, [3, 2, 1, 0])), want, 'one worker, round robin from the last partition');
  sameAlerts(alertsOf(setup, [all], shuffled(perPartition, 7)), want, 'one worker, partitions drawn at random');
  sameAlerts(alertsOf(setup, [all], lagging(perPartition, 3, 20)), want, 'one worker, partition 3 twenty messages behind');
  sameAlerts(alertsOf(setup, [[0, 1], [2, 3]], roundRobin(perPartition, all)), want, 'two workers (0,1 and 2,3)');
  sameAlerts(alertsOf(setup, [[0, 3], [1, 2]], shuffled(perPartition, 11)), want, 'two workers (0,3 and 1,2), at random');
  sameAlerts(alertsOf(setup, all.map((p) => [p]), roundRobin(perPartition, all)), want, 'four workers');
});
