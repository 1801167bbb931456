/**
 * The WebAssembly walk of POST /v1/predict gives the model's own predictions bit for bit on real
 * data: seed 004's GBDT (100 rounds x 5 classes of depth-3 trees, the threshold-bin kernel) and a
 * deeper one (the eight-row walk), trained on NSL-KDD's KDDTrain+_20Percent, scoring every row
 * of KDDTest+ as the service encodes it (JSON lines through the scanner), against
 * predictMatrix (gbdt.ts's generic predictor). NaN, ±Infinity and small batches are covered by
 * boosted-scorer.test.ts, whose batches of 203 rows go through this kernel too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { readDataset } from '../sources/read-dataset.js';
import { trainModel, predictMatrix, type TrainedModel } from '../models/trained-model.js';
import type { BoostState } from '../models/trees/gbdt.js';
import { matrix } from '../features/matrix.js';
import { sharedPath } from '../testing/shared-data.js';
import { SEED_GBDT_PARAMS } from '../testing/service-model.js';
import { cellText, getColumn } from '../flows/table.js';
import { compileBoost, WASM_MIN_ROWS } from './boosted-scorer.js';
import { compileRowEncoder } from './row-encoder.js';
import { scanJsonLines } from './jsonl-scanner.js';
import { SEED_FIELDS } from './seed-fields.js';

const nsl = sharedPath('datasets', 'nsl-kdd');
const skip = nsl ? false : '../shared/datasets/nsl-kdd is not here';

/** KDDTest+ as the service reads it: seed 004's fields as JSON lines, scanned and encoded. */
async function encodedTest(model: TrainedModel): Promise<{ data: Float64Array; rows: number; width: number }> {
  const test = await readDataset([join(nsl!, 'KDDTest+.txt')], { warn: () => {} });
  const kddName: Record<string, string> = {};
  for (const c of test.columns) kddName[c.name.replace(/_/g, '').replace(/^protocoltype$/, 'protocol')] = c.name;
  const cols = SEED_FIELDS.map(([n, t]) => [n, getColumn(test, kddName[n])!, t] as const);
  const lines: string[] = [];
  for (let r = 0; r < test.rowCount; r++) {
    const o: Record<string, unknown> = {};
    for (const [n, c, t] of cols) o[n] = t === 'string' ? cellText(c, r) : Number(cellText(c, r));
    lines.push(JSON.stringify(o));
  }
  const enc = compileRowEncoder(model.pipeline, 'ignore');
  const parts: Float64Array[] = [];
  let rows = 0;
  for await (const b of scanJsonLines(Readable.from([Buffer.from(lines.join('\n') + '\n')]), enc, 1 << 30, 4096)) {
    parts.push(b.data.slice(0, b.rows * enc.width));
    rows += b.rows;
  }
  const data = new Float64Array(rows * enc.width);
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return { data, rows, width: enc.width };
}

for (const [what, params] of [
  ['seed 004 GBDT, depth 3', SEED_GBDT_PARAMS],
  ['GBDT of depth 5', { n_estimators: 30, max_depth: 5, learning_rate: 0.2 }],
] as const) {
  test(`the WebAssembly walk scores KDDTest+ exactly as predict does (${what})`, { skip }, async () => {
    const train = await readDataset([join(nsl!, 'KDDTrain+_20Percent.txt')], { warn: () => {} });
    const model = await trainModel(train, { model: 'gradient-boosting', params, threads: 1 });
    const { data, rows, width } = await encodedTest(model);
    assert.ok(rows > 20_000, `${rows} rows`);
    const c = compileBoost(model.estimator.state as BoostState);
    assert.ok(c && c.wasm, 'laid out and walked in WebAssembly');
    assert.ok(rows >= WASM_MIN_ROWS);
    const k = c.classes;
    const proba = new Float64Array(rows * k);
    c.predictProba(data, rows, proba, new Float64Array(rows * c.outputs));
    const want = predictMatrix(model, matrix(rows, width, data)).proba!;
    let differ = 0;
    for (let i = 0; i < want.length; i++) if (!Object.is(proba[i], want[i])) differ++;
    assert.equal(differ, 0, `${differ} of ${want.length} probabilities differ`);
    // and the batch is cut anywhere: an odd-sized batch ending mid-group gives the same
    const n = 1000 + 13;
    const part = new Float64Array(n * k);
    c.predictProba(data.subarray(5 * width, (5 + n) * width), n, part, new Float64Array(n * c.outputs));
    assert.deepEqual([...part], [...want.subarray(5 * k, (5 + n) * k)]);
  });
}
