import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlp } from './mlp.js';
import { argmaxRows } from '../estimator.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { Matrix } from '../../features/matrix.js';

/** XOR of two noisy bits: no linear model gets past 75%, one hidden layer gets it all. */
function xor(n: number, seed: number): { X: Matrix; y: Int32Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = i & 1;
    const b = (i >> 1) & 1;
    data[2 * i] = (a ? 1 : -1) + 0.1 * rng.normal();
    data[2 * i + 1] = (b ? 1 : -1) + 0.1 * rng.normal();
    y[i] = a ^ b;
  }
  return { X: { rows: n, cols: 2, data }, y };
}

const ctx = { seed: 1, threads: 1 };

test('mlp learns XOR', async () => {
  const { X, y } = xor(400, 2);
  const state = await mlp.fit(X, y, 2, mlp.options({ hiddenLayerSizes: [8], learningRate: 0.01 }), ctx);
  const test = xor(200, 3);
  const pred = argmaxRows(mlp.predictProba(state, test.X), 2);
  let right = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === test.y[i]) right++;
  assert.equal(right, 200);
  // the loss curve falls
  assert.ok(state.loss[state.loss.length - 1] < state.loss[0] / 5, `loss ${state.loss[0]} -> ${state.loss.at(-1)}`);
});

test('mlp stops on a training-loss plateau, or on validation accuracy with earlyStopping', async () => {
  const { X, y } = xor(400, 4);
  const plateau = await mlp.fit(X, y, 2, mlp.options({ hiddenLayerSizes: [8], learningRate: 0.01, maxIter: 500 }), ctx);
  assert.ok(plateau.epochsRun < 500, `ran all ${plateau.epochsRun} epochs`);
  assert.equal(plateau.validationAccuracy.length, 0);
  const early = await mlp.fit(X, y, 2, mlp.options({ hiddenLayerSizes: [8], learningRate: 0.01, maxIter: 500, earlyStopping: true }), ctx);
  assert.ok(early.epochsRun < 500);
  assert.equal(early.validationAccuracy.length, early.epochsRun);
  assert.equal(Math.max(...early.validationAccuracy), 1);
  const h = mlp.history!(early)!;
  assert.deepEqual(h.map((c) => c.name), ['loss', 'validation accuracy']);
});

test('mlp is deterministic under a seed and depends on it', async () => {
  const { X, y } = xor(120, 5);
  const o = mlp.options({ hiddenLayerSizes: [6, 4], maxIter: 20 });
  const a = await mlp.fit(X, y, 2, o, { seed: 9, threads: 1 });
  const b = await mlp.fit(X, y, 2, o, { seed: 9, threads: 1 });
  const c = await mlp.fit(X, y, 2, o, { seed: 10, threads: 1 });
  assert.deepEqual(a.network.weights, b.network.weights);
  assert.deepEqual(a.loss, b.loss);
  assert.notDeepEqual(a.network.weights, c.network.weights);
});

test('mlp row weights: rows of weight zero teach nothing', async () => {
  const { X, y } = xor(400, 6);
  const w = Float64Array.from(y, (v) => (v === 1 ? 0 : 1));
  const state = await mlp.fit(X, y, 2, mlp.options({ hiddenLayerSizes: [8], learningRate: 0.01, maxIter: 50 }), {
    seed: 1,
    threads: 1,
    sampleWeight: w,
  });
  const pred = argmaxRows(mlp.predictProba(state, X), 2);
  assert.ok(pred.every((p) => p === 0), 'predicted a class it never saw with weight');
});

test('mlp probabilities are rows summing to one, for several classes', async () => {
  const rng = new Rng(7);
  const n = 300;
  const data = new Float64Array(n * 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = (c === y[i] ? 2 : 0) + rng.normal();
  }
  const X = { rows: n, cols: 3, data };
  const state = await mlp.fit(X, y, 3, mlp.options({ maxIter: 30 }), ctx);
  const p = mlp.predictProba(state, X);
  assert.equal(p.length, n * 3);
  let right = 0;
  const pred = argmaxRows(p, 3);
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2] - 1) < 1e-9);
    if (pred[i] === y[i]) right++;
  }
  assert.ok(right / n > 0.85, `accuracy ${right / n}`);
});

test('mlp refuses bad parameters and bad input in scikit-learn words', async () => {
  assert.throws(() => mlp.options({ hiddenLayerSizes: [0] }), (e: unknown) => e instanceof UserError && /'hiddenLayerSizes' parameter of MLPClassifier/.test(e.message));
  assert.throws(() => mlp.options({ alpha: -1 }), /The 'alpha' parameter of MLPClassifier must be a float in the range \[0, inf\)\. Got -1 instead\./);
  assert.throws(() => mlp.options({ activation: 'tanh' as never }), UserError);
  assert.throws(() => mlp.options({ validationFraction: 1 }), UserError);
  const { X, y } = xor(40, 8);
  const state = await mlp.fit(X, y, 2, mlp.options({ maxIter: 2 }), ctx);
  assert.throws(
    () => mlp.predictProba(state, { rows: 1, cols: 3, data: new Float64Array(3) }),
    /X has 3 features, but MLPClassifier is expecting 2 features as input\./,
  );
  const bad = Float64Array.from(X.data);
  bad[5] = NaN;
  await assert.rejects(mlp.fit({ ...X, data: bad }, y, 2, mlp.options({}), ctx), /Input X contains NaN \(row 2, column 1\)/);
  await assert.rejects(mlp.fit(X, Int32Array.from(y, () => 2), 2, mlp.options({}), ctx), /label 2 of row 0 is outside \[0, 2\)/);
});
