/**
 * `--retrain-every` when too few clean flows were kept for a retrain (traffic mostly risky, or
 * from sources findings named): each retrain due is said once on stderr (the worker's note) and
 * counted (`retrainsSkipped` in the stats, netsentinel_stream_retrains_skipped_total on the metrics
 * port), and the schedule moves on. Before, the retrain silently did not happen, again and again.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adaptationFromOptions } from './stream-options.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { readDataset } from '../sources/read-dataset.js';
import { takeTableRows } from '../flows/table.js';
import { WorkerMetrics } from '../stream/worker-metrics.js';
import { InputMetrics } from '../stream/input-metrics.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv');
const tmp = mkdtempSync(join(tmpdir(), 'ns-retrain-skipped-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('--retrain-every with too few clean flows: each retrain due said once and counted, none silently dropped', { skip, timeout: 120_000 }, async () => {
  const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined });
  const baselineFile = join(tmp, 'benign.nsb');
  const baseline = await fitBaseline(benign, { detectors: ['isolation-forest'], seed: 7, threads: 1 });
  await saveBaseline(baselineFile, baseline);
  const metrics = new WorkerMetrics();
  const notes: string[] = [];
  const v = { retrainEvery: '200', reservoir: 1000, modelDir: join(tmp, 'models') };
  const adapt = await adaptationFromOptions(v, { worker: 'w', baselineFile, baseline, flowThreshold: 0.9, storeLocation: join(tmp, 'store.db'), note: (l) => notes.push(l), metrics });
  assert.ok(adapt);
  try {
    // 10 batches of 100 flows, 5 of each batch clean (risk below 0.9): 50 clean flows kept, 200 needed
    for (let b = 0; b < 10; b++) {
      const batch = takeTableRows(benign, Array.from({ length: 100 }, (_, i) => b * 100 + i));
      const risk = Float64Array.from({ length: 100 }, (_, i) => (i < 5 ? 0.1 : 0.95));
      await adapt.adapter.observe(batch, risk, [], `stdin#${b + 1}`);
    }
    await adapt.adapter.close();
  } finally {
    await adapt.versions.close();
  }
  const skipped = notes.filter((l) => /retrain .* skipped/.test(l));
  // due at flows 200, 400, 600, 800 and 1000: once each, not at every batch after
  assert.equal(skipped.length, 5, notes.join('\n'));
  assert.match(skipped[0]!, /^netsentinel: stream: retrain \(every 200 flows\) skipped: 10 clean flows kept, a retrain needs 200 \(clean: risk below 0\.9 and a source no finding named; 190 of the 200 flows seen were not\); scoring goes on with b-[0-9a-f]{12}$/);
  assert.match(skipped[4]!, /skipped: 50 clean flows kept/);
  assert.equal(adapt.adapter.stats.retrainsSkipped, 5);
  assert.equal(adapt.adapter.stats.retrains, 0);
  assert.equal(metrics.retrainsSkipped, 5);
  assert.match(metrics.render('w', { natsConnected: true }), /^netsentinel_stream_retrains_skipped_total\{worker="w"\} 5$/m);
  assert.match(new InputMetrics(metrics, 'stdin').render('w', { natsConnected: false }), /^netsentinel_stream_retrains_skipped_total\{worker="w"\} 5$/m);
  // a worker that does not retrain shows no such series
  assert.doesNotMatch(new WorkerMetrics().render('w', { natsConnected: true }), /retrains_skipped/);
});
