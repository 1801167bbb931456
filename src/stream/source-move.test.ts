/**
 * A risky-source alert when a partition moves between workers mid-window (balanced-worker.ts): the
 * old holder's drain closes the source's window with the flows up to the move, the new holder
 * rebuilds from a replay window and closes the same window later with more flows. Both must give
 * the same alert key, so the store keeps one alert — also when the replay does not reach back to
 * the source's first flow. Real CIC-IDS2017 flows (a port scan among benign traffic) through the
 * worker's own scorer (createBatchScorer), in 50-flow messages as `publish` cuts them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatchScorer, type BatchScorer } from './batch-scorer.js';
import type { Alert } from '../analysis/alerts.js';
import { fitBaseline, type Baseline } from '../risk/baseline.js';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { loadAnalysisConfig } from '../config/analysis-config.js';

const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');
const sample = (f: string): string => sharedPath('datasets', 'cicids2017-sample', f) as string;

function messages(t: FlowTable, size: number): FlowTable[] {
  const out: FlowTable[] = [];
  for (let from = 0; from < t.rowCount; from += size) out.push(takeTableRows(t, Array.from({ length: Math.min(size, t.rowCount - from) }, (_, i) => from + i)));
  return out;
}

const sourceAlerts = (list: readonly Alert[]): Alert[] => list.filter((a) => a.input.source === 'risk:ip');

test('a partition moved mid-window: the old holder (drained) and the new holder (rebuilt) raise a source window under one key', { skip, timeout: 300_000 }, async () => {
  const config = await loadAnalysisConfig(undefined);
  const benign = await readDataset([sample('BENIGN_2500.csv')], { warn: () => undefined });
  const baseline: Baseline = await fitBaseline(benign, { detectors: ['isolation-forest'], seed: 7, threads: 1 });
  const read = await readDataset([sample('Portscan_2500.csv'), sample('SSH-Patator_2500.csv')], { warn: () => undefined });
  // in time order, as a partition's flows arrive: the sample files are random samples of a day, and
  // a worker judges flow by flow (with a source's flows as correlated evidence its risk comes from the
  // scan's findings, which shuffled flows a holder sees after a short replay did not make)
  const time = read.columns.find((c) => c.name === 'Timestamp') as { values: Float64Array };
  const flows = takeTableRows(read, Array.from({ length: read.rowCount }, (_, i) => i).sort((a, b) => time.values[a] - time.values[b]));
  const msgs = messages(flows, 50);
  const setup = { baseline, rules: config.rules, weights: config.weights, flowThreshold: config.thresholds.flow, ipThreshold: config.thresholds.ip, sourceWindowSeconds: 1e8 };
  const scoreAll = (s: BatchScorer, list: FlowTable[]): Alert[] => list.flatMap((m) => s.scoreBatch(m, 0).alerts);

  for (const replayed of [40, 5]) {
    const move = 60; // of 100 messages: in the middle of the scan's and the brute force's windows
    const old = createBatchScorer(setup);
    const before = [...scoreAll(old, msgs.slice(0, move)), ...old.finish(0).alerts];
    const next = createBatchScorer(setup);
    const rebuilt = msgs.slice(move - replayed, move).flatMap((m) => next.replay(m, 0).alerts);
    const after = [...rebuilt, ...scoreAll(next, msgs.slice(move)), ...next.finish(0).alerts];

    const a = new Map(sourceAlerts(before).map((x) => [x.input.srcIp, x]));
    const b = new Map(sourceAlerts(after).map((x) => [x.input.srcIp, x]));
    const both = [...a.keys()].filter((ip) => b.has(ip));
    assert.ok(both.length >= 1, `replay ${replayed}: a source raised by both holders (old ${[...a.keys()].join(' ')}; new ${[...b.keys()].join(' ')})`);
    for (const ip of both) {
      const x = a.get(ip)!;
      const y = b.get(ip)!;
      // not the same alert content (the new holder saw more flows, maybe from a later start) ...
      assert.notEqual(x.input.netsentinel.flows, y.input.netsentinel.flows, `${ip}: the new holder saw other flows`);
      // ... but the same window of the same source: one key, the store keeps one
      assert.equal(x.key, y.key, `replay ${replayed}: ${ip}`);
    }
  }
});
