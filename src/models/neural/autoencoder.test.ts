import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoencoder } from './autoencoder.js';
import { rocAuc } from '../../evaluate/roc.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { Matrix } from '../../features/matrix.js';

/**
 * "Normal" rows live near a 2-dimensional surface inside [0, 1]^12; anomalies are uniform in the
 * cube. An autoencoder with a 2-unit bottleneck reconstructs the first and not the second.
 */
function surface(n: number, rng: Rng): Matrix {
  const d = 12;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    const v = rng.next();
    for (let c = 0; c < d; c++) {
      const z = Math.sin((c + 1) * u) + Math.cos((c % 3) * v + c) * v;
      data[i * d + c] = 1 / (1 + Math.exp(-2 * z)) + 0.01 * rng.normal();
    }
  }
  return { rows: n, cols: d, data };
}

function uniform(n: number, d: number, rng: Rng): Matrix {
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return { rows: n, cols: d, data };
}

function concat(a: Matrix, b: Matrix): Matrix {
  const data = new Float64Array((a.rows + b.rows) * a.cols);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return { rows: a.rows + b.rows, cols: a.cols, data };
}

const small = { encoder: [16, 8, 2], epochs: 30, batchSize: 32, learningRate: 3e-3 };

test('autoencoder scores rows unlike its training data higher', async () => {
  const rng = new Rng(1);
  const state = await autoencoder.fit(surface(1500, rng), autoencoder.options(small), { seed: 2, threads: 1 });
  const normal = surface(300, rng);
  const odd = uniform(300, 12, rng);
  const scores = autoencoder.score(state, concat(normal, odd));
  const labels = Int32Array.from({ length: 600 }, (_, i) => (i < 300 ? 0 : 1));
  const auc = rocAuc(labels, scores);
  assert.ok(auc > 0.95, `AUC ${auc}`);
  assert.ok(state.loss.at(-1)! < state.loss[0] / 3, `loss ${state.loss[0]} -> ${state.loss.at(-1)}`);
  assert.equal(state.loss.length, 30);
});

test('autoencoder explain gives per-feature squared errors that average to the score', async () => {
  const rng = new Rng(3);
  const state = await autoencoder.fit(surface(300, rng), autoencoder.options({ ...small, epochs: 3 }), { seed: 2, threads: 1 });
  const X = uniform(5, 12, rng);
  const scores = autoencoder.score(state, X);
  const contrib = autoencoder.explain!(state, X)!;
  assert.equal(contrib.length, 5 * 12);
  for (let r = 0; r < 5; r++) {
    let s = 0;
    for (let c = 0; c < 12; c++) {
      assert.ok(contrib[r * 12 + c] >= 0);
      s += contrib[r * 12 + c];
    }
    assert.ok(Math.abs(s / 12 - scores[r]) < 1e-9 * (1 + scores[r]));
  }
});

test('autoencoder is deterministic under a seed, and chunked scoring equals one pass', async () => {
  const rng = new Rng(4);
  const X = surface(1100, rng);
  const o = autoencoder.options({ ...small, epochs: 2 });
  const a = await autoencoder.fit(X, o, { seed: 5, threads: 1 });
  const b = await autoencoder.fit(X, o, { seed: 5, threads: 1 });
  const c = await autoencoder.fit(X, o, { seed: 6, threads: 1 });
  assert.deepEqual(a.network.weights, b.network.weights);
  assert.notDeepEqual(a.network.weights, c.network.weights);
  // 1100 rows score in two chunks (1024 + 76); each row's score must not depend on its chunk
  const all = autoencoder.score(a, X);
  const tail = autoencoder.score(a, { rows: 76, cols: 12, data: X.data.subarray(1024 * 12) });
  assert.deepEqual(all.subarray(1024), tail);
});

test('autoencoder scoring many small batches in turn (a stream worker) equals scoring each on a fresh network', async () => {
  const rng = new Rng(8);
  const o = autoencoder.options({ ...small, epochs: 2 });
  const a = await autoencoder.fit(surface(400, rng), o, { seed: 5, threads: 1 });
  const b = await autoencoder.fit(uniform(400, 12, rng), o, { seed: 6, threads: 1 });
  const X = uniform(1100, 12, rng);
  const rows = (start: number, n: number): Matrix => ({ rows: n, cols: 12, data: X.data.slice(start * 12, (start + n) * 12) });
  // a copy of the state is a new params object: scored on a network built for it alone
  const fresh = (state: typeof a, m: Matrix): Float64Array => autoencoder.score(structuredClone(state), m);
  // small, then larger (the kept network grows), then small again, alternating two models
  for (const [start, n] of [[0, 3], [3, 200], [203, 1100 - 203], [5, 1], [9, 57]]) {
    assert.deepEqual(autoencoder.score(a, rows(start, n)), fresh(a, rows(start, n)), `model a, rows ${start}+${n}`);
    assert.deepEqual(autoencoder.score(b, rows(start, n)), fresh(b, rows(start, n)), `model b, rows ${start}+${n}`);
  }
  assert.notDeepEqual(autoencoder.score(a, rows(0, 3)), autoencoder.score(b, rows(0, 3)));
});

test('autoencoder early stopping keeps the best validation epoch', async () => {
  const rng = new Rng(7);
  const state = await autoencoder.fit(
    surface(800, rng),
    autoencoder.options({ ...small, epochs: 200, earlyStopping: true, nIterNoChange: 3, tol: 1e-3 }),
    { seed: 1, threads: 1 },
  );
  assert.ok(state.epochsRun < 200, `ran ${state.epochsRun} epochs`);
  assert.equal(state.validationLoss.length, state.epochsRun);
  const h = autoencoder.history!(state)!;
  assert.deepEqual(h.map((c) => c.name), ['loss', 'validation loss']);
});

test('autoencoder default shape is 64-32-16-32-64 with a sigmoid output', async () => {
  const rng = new Rng(8);
  const state = await autoencoder.fit(uniform(40, 10, rng), autoencoder.options({ epochs: 1 }), { seed: 1, threads: 1 });
  assert.deepEqual(
    state.network.layers.map((l) => `${l.units}:${l.activation}`),
    ['64:relu', '32:relu', '16:relu', '32:relu', '64:relu', '10:sigmoid'],
  );
  assert.deepEqual(autoencoder.input, { scaling: 'minmax', categorical: 'onehot' });
});

test('autoencoder refuses bad parameters and input in scikit-learn words', () => {
  assert.throws(() => autoencoder.options({ epochs: 0 }), /The 'epochs' parameter of Autoencoder must be an int in the range \[1, inf\)\. Got 0 instead\./);
  assert.throws(() => autoencoder.options({ encoder: [] }), UserError);
  assert.throws(() => autoencoder.options({ decoder: [3, -1] }), UserError);
  assert.throws(() => autoencoder.options({ learningRate: 0 }), UserError);
  assert.throws(() => autoencoder.options({ beta2: 1 }), UserError);
});
