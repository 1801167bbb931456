/**
 * The worker's bounded in-memory state: the finding-key set keeps at most its capacity, dropping
 * the least recently touched key and counting it; the per-source windows close the least recently
 * seen source early beyond maxSources (counted), and a window closes on its source's own flows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedKeys } from './bounded-keys.js';
import { SourceWindows } from './source-windows.js';
import { createScoreStage } from '../analysis/score-stage.js';
import { flowFields } from '../flows/flow-fields.js';
import { fitBaseline } from '../risk/baseline.js';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { takeTableRows } from '../flows/table.js';

test('BoundedKeys: capacity held, least recently touched evicted and counted, an evicted key is new again', () => {
  let told = 0;
  const k = new BoundedKeys(3, (n) => (told += n));
  assert.equal(k.add('a'), true);
  assert.equal(k.add('b'), true);
  assert.equal(k.add('c'), true);
  assert.equal(k.add('a'), false); // touched: now the most recent
  assert.equal(k.add('d'), true); // evicts b
  assert.equal(k.size, 3);
  assert.equal(k.evictions, 1);
  assert.equal(told, 1);
  assert.equal(k.has('b'), false);
  assert.equal(k.has('a'), true);
  assert.equal(k.add('b'), true);
  assert.equal(k.evictions, 2);
});

const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');

test('SourceWindows: open windows bounded by maxSources (evictions counted), rows equal to analyze aggregation when nothing is evicted', { skip }, async () => {
  const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined });
  const baseline = await fitBaseline(benign, { seed: 7, threads: 1 });
  const score = createScoreStage({ baseline, flowThreshold: 0.9 });
  const scoreAll = (t: typeof benign) => score.score(t, flowFields(t), new Float64Array(t.rowCount), 0);
  const sources = new Set<string>();
  const all = scoreAll(benign);
  for (let r = 0; r < all.rows; r++) if (all.srcIp(r)) sources.add(all.srcIp(r)!);
  assert.ok(sources.size > 10, `${sources.size} sources`);

  // threshold 0: every closed window is returned, so rows count closed windows
  const big = new SourceWindows({ windowMs: 1e15, maxSources: 1e6, ipThreshold: 0, ruleWeight: 1 });
  const small = new SourceWindows({ windowMs: 1e15, maxSources: 5, ipThreshold: 0, ruleWeight: 1 });
  let bigRows = 0;
  let smallRows = 0;
  for (let from = 0; from < benign.rowCount; from += 250) {
    const end = Math.min(benign.rowCount, from + 250);
    const s = scoreAll(takeTableRows(benign, Array.from({ length: end - from }, (_, i) => from + i)));
    bigRows += big.add(s, []).length;
    smallRows += small.add(s, []).length;
    assert.ok(small.openSources <= 5);
  }
  assert.equal(bigRows, 0, 'no window closes before its time');
  assert.equal(big.openSources, sources.size);
  assert.ok(small.evictions > 0);
  assert.equal(smallRows, small.evictions, 'an evicted source closes its window (not silently dropped)');
  const finalBig = big.finish([]);
  assert.equal(finalBig.length, sources.size);
  const flows = finalBig.reduce((n, r) => n + r.flows, 0);
  assert.equal(flows, [...Array(all.rows).keys()].filter((r) => all.srcIp(r) !== null).length, 'every flow counted once');
});
