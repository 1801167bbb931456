/**
 * The worker's scorer hook for hot model swaps: after swapModels the next batch is scored exactly
 * as a scorer built with the new models would score it, while the rule state carries on (a scan
 * begun before the swap is still one finding).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatchScorer } from './batch-scorer.js';
import { fitBaseline } from '../risk/baseline.js';
import { readDataset } from '../sources/read-dataset.js';
import { takeTableRows } from '../flows/table.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');

test('swapModels: the next batch scored as with the new models, rule findings not split by the swap', { skip, timeout: 120_000 }, async () => {
  const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined });
  const scan = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string], { warn: () => undefined });
  const a = await fitBaseline(benign, { seed: 7, threads: 1 });
  const b = await fitBaseline(takeTableRows(benign, Array.from({ length: 800 }, (_, i) => i)), { seed: 11, threads: 1 });
  const half = Math.floor(scan.rowCount / 2);
  const first = takeTableRows(scan, Array.from({ length: half }, (_, i) => i));
  const second = takeTableRows(scan, Array.from({ length: scan.rowCount - half }, (_, i) => half + i));
  const setup = (baseline: typeof a) => ({ baseline, flowThreshold: 0.9 });
  const keys = (r: { alerts: { key: string; input: { source: string } }[] }): string[] => r.alerts.filter((x) => x.input.source === 'risk:flow').map((x) => x.key).sort();
  const risks = (r: { alerts: { input: { netsentinel: Record<string, unknown> } }[] }): unknown[] => r.alerts.map((x) => x.input.netsentinel.risk);

  const swapped = createBatchScorer(setup(a));
  swapped.scoreBatch(first, 0);
  swapped.swapModels({ baseline: b });
  const afterSwap = swapped.scoreBatch(second, 0);
  const onlyB = createBatchScorer(setup(b));
  onlyB.scoreBatch(first, 0);
  const withB = onlyB.scoreBatch(second, 0);
  const stayedA = createBatchScorer(setup(a));
  stayedA.scoreBatch(first, 0);
  const withA = stayedA.scoreBatch(second, 0);
  assert.deepEqual(keys(afterSwap), keys(withB));
  assert.deepEqual(risks(afterSwap), risks(withB));
  assert.notDeepEqual(risks(withA), risks(withB), 'the two baselines score differently (else the test proves nothing)');
  const rulesOf = (s: ReturnType<typeof createBatchScorer>, r: { findings: unknown[] }): number => r.findings.length + s.finish(0).findings.length;
  assert.equal(rulesOf(swapped, afterSwap), rulesOf(stayedA, withA));
});
