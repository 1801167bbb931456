import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { argmaxRows } from '../estimator.js';
import { gradientBoosting, stratifiedSplit, truncateRounds } from './gbdt.js';

function blobs(n: number, k: number, seed: number, noise = 1): { X: Matrix; y: Int32Array } {
  const rng = new Rng(seed);
  const cols = 4;
  const data = new Float64Array(n * cols);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    y[i] = c;
    data[i * cols] = c * 2 + noise * rng.normal();
    data[i * cols + 1] = (c % 2) * 2 + noise * rng.normal();
    data[i * cols + 2] = rng.next() < 0.1 ? NaN : rng.normal();
    data[i * cols + 3] = rng.int(3);
  }
  return { X: matrix(n, cols, data), y };
}

const accuracy = (p: Int32Array, y: Int32Array): number => p.filter((v, i) => v === y[i]).length / y.length;

test('same seed, same model bit for bit with 1 or 2 threads (softmax, GOSS, subsampling)', async () => {
  const { X, y } = blobs(1200, 4, 1);
  const o = gradientBoosting.options({ n_estimators: 30, sampling: 'goss', learning_rate: 0.3, subsample: 0.8, colsample_bytree: 0.75 });
  const one = await gradientBoosting.fit(X, y, 4, o, { seed: 5, threads: 1 });
  assert.equal(one.rounds, 30);
  const two = await gradientBoosting.fit(X, y, 4, o, { seed: 5, threads: 2 });
  assert.deepEqual(two, one);
  const te = blobs(300, 4, 2).X;
  assert.deepEqual(gradientBoosting.predictProba(two, te), gradientBoosting.predictProba(one, te));
});

test('multi-class: accurate, probabilities sum to 1, losses fall', async () => {
  const tr = blobs(1500, 3, 3);
  const te = blobs(600, 3, 4);
  const state = await gradientBoosting.fit(tr.X, tr.y, 3, gradientBoosting.options({ n_estimators: 60, early_stopping: false }), { seed: 1, threads: 2 });
  assert.equal(state.rounds, 60);
  assert.equal(state.trees!.roots.length, 180);
  const p = gradientBoosting.predictProba(state, te.X);
  for (let r = 0; r < 600; r++) assert.ok(Math.abs(p[3 * r] + p[3 * r + 1] + p[3 * r + 2] - 1) < 1e-12);
  assert.ok(accuracy(argmaxRows(p, 3), te.y) > 0.85);
  const [train] = gradientBoosting.history!(state)!;
  assert.equal(train.values.length, 60);
  assert.ok(train.values[59] < train.values[0] / 2, 'training loss fell');
  const imp = gradientBoosting.importances!(state)!;
  assert.ok(Math.abs(imp.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(imp[0] > imp[2] && imp[0] > imp[3]);
});

test('two classes use one logistic tree per round', async () => {
  const tr = blobs(800, 2, 5);
  const state = await gradientBoosting.fit(tr.X, tr.y, 2, gradientBoosting.options({ n_estimators: 20, early_stopping: false }), { seed: 1, threads: 2 });
  assert.equal(state.outputs, 1);
  assert.equal(state.trees!.roots.length, 20);
  const p = gradientBoosting.predictProba(state, tr.X);
  assert.ok(accuracy(argmaxRows(p, 2), tr.y) > 0.9);
});

test('early stopping stops on noise, keeps the best round, and records both losses', async () => {
  const { X, y } = blobs(1000, 3, 6, 4); // mostly noise
  const state = await gradientBoosting.fit(X, y, 3, gradientBoosting.options({ n_estimators: 300, learning_rate: 0.3, early_stopping: true, n_iter_no_change: 5 }), { seed: 1, threads: 1 });
  const [train, val] = gradientBoosting.history!(state)!;
  assert.equal(val.name, 'validation loss');
  assert.ok(train.values.length < 300, `ran ${train.values.length} rounds`);
  assert.equal(train.values.length, state.rounds + 5, 'stops n_iter_no_change rounds after the best');
  const best = Math.min(...val.values);
  assert.equal(val.values[state.rounds - 1], best);
  const cut = truncateRounds(state, 2);
  assert.equal(cut.trees!.roots.length, 6);
});

test('class_weight and sample weights shift predictions towards the weighted class', async () => {
  const rng = new Rng(7);
  const n = 600;
  const X = matrix(n, 1, Float64Array.from({ length: n }, () => rng.normal()));
  // labels independent of x: 90% class 0
  const y = Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0));
  const o = { n_estimators: 20, early_stopping: false, max_depth: 2, class_weight: null, sampling: 'none' as const };
  const mean1 = (p: Float64Array): number => {
    let s = 0;
    for (let r = 0; r < n; r++) s += p[2 * r + 1];
    return s / n;
  };
  const plain = mean1(gradientBoosting.predictProba(await gradientBoosting.fit(X, y, 2, gradientBoosting.options(o), { seed: 1, threads: 1 }), X));
  const balanced = mean1(gradientBoosting.predictProba(await gradientBoosting.fit(X, y, 2, gradientBoosting.options({ ...o, class_weight: 'balanced' }), { seed: 1, threads: 1 }), X));
  const w = Float64Array.from(y, (v) => (v === 1 ? 9 : 1));
  const weighted = mean1(gradientBoosting.predictProba(await gradientBoosting.fit(X, y, 2, gradientBoosting.options(o), { seed: 1, threads: 1, sampleWeight: w }), X));
  assert.ok(plain < 0.2, `plain ${plain}`);
  assert.ok(balanced > 0.4 && balanced < 0.6, `balanced ${balanced}`);
  assert.ok(weighted > 0.4 && weighted < 0.6, `weighted ${weighted}`);
});

test('tiny inputs and one class', async () => {
  const X = matrix(3, 2, Float64Array.from([0, 1, 1, NaN, 2, 0]));
  const s = await gradientBoosting.fit(X, Int32Array.of(0, 1, 2), 3, gradientBoosting.options({ n_estimators: 5 }), { seed: 1, threads: 2 });
  for (const v of gradientBoosting.predictProba(s, X)) assert.ok(v >= 0 && v <= 1);
  const one = await gradientBoosting.fit(X, Int32Array.of(0, 0, 0), 1, gradientBoosting.options({}), { seed: 1, threads: 1 });
  assert.deepEqual(Array.from(gradientBoosting.predictProba(one, X)), [1, 1, 1]);
});

test('stratified validation split keeps every class in training', () => {
  const y = Int32Array.from([...Array(95).fill(0), ...Array(4).fill(1), 2]);
  const { train, validation } = stratifiedSplit(y, 3, 0.2, new Rng(1));
  assert.equal(train.length + validation.length, 100);
  assert.equal(validation.filter((r) => y[r] === 0).length, 19);
  assert.equal(validation.filter((r) => y[r] === 1).length, 1);
  assert.equal(validation.filter((r) => y[r] === 2).length, 0);
  for (let i = 1; i < train.length; i++) assert.ok(train[i] > train[i - 1]);
});

test('bad parameters are refused in scikit-learn words', () => {
  assert.throws(() => gradientBoosting.options({ reg_lambda: 0, min_child_weight: 0 }), /'reg_lambda' parameter of GradientBoosting must be above 0 when min_child_weight is 0/);
  assert.ok(gradientBoosting.options({ reg_lambda: 0, min_child_weight: 0.5 }));
  assert.throws(() => gradientBoosting.options({ learning_rate: 0 }), (e: unknown) => e instanceof UserError && e.message === "The 'learning_rate' parameter of GradientBoosting must be a float in (0, inf). Got 0 instead.");
  assert.throws(() => gradientBoosting.options({ max_depth: null, max_leaves: null }), /'max_depth'/);
  assert.throws(() => gradientBoosting.options({ subsample: 1.5 }), /'subsample'/);
  assert.throws(() => gradientBoosting.options({ sampling: 'bagging' as never }), /'sampling'/);
});

/** 2,000 rows of class 0 at x = 0..3 and 6 of class 1 at x = 6 (few distinct values: every value its own bin). */
function rare(): { X: Matrix; y: Int32Array } {
  const rng = new Rng(8);
  const n = 2006;
  const data = new Float64Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = i >= 2000;
    y[i] = r ? 1 : 0;
    data[i * 2] = r ? 6 : rng.int(4);
    data[i * 2 + 1] = rng.normal();
  }
  return { X: matrix(n, 2, data), y };
}

test('least-squares splits isolate a rare class that hessian-bounded Newton splits cannot', async () => {
  const { X, y } = rare();
  const base = { n_estimators: 3, max_depth: 1, learning_rate: 0.3, reg_lambda: 0.01, class_weight: null, sampling: 'none' as const, min_child_weight: 1 };
  const probe = matrix(2, 2, Float64Array.from([6, 0, 2, 0]));
  // six rows with p ≈ 0.003 carry a hessian of ≈ 0.02 < min_child_weight: no Newton split may hold them
  const newton = await gradientBoosting.fit(X, y, 2, gradientBoosting.options(base), { seed: 1, threads: 1 });
  assert.ok(gradientBoosting.predictProba(newton, probe)[1] < 0.5, 'Newton splits should not reach the rare rows here');
  // least squares weighs them by their count (6 >= 1) and by their large gradients
  const ls = await gradientBoosting.fit(X, y, 2, gradientBoosting.options({ ...base, split_criterion: 'least_squares' }), { seed: 1, threads: 1 });
  const p = gradientBoosting.predictProba(ls, probe);
  assert.ok(p[1] > 0.9, `P(rare | x = 6) = ${p[1]}`);
  assert.ok(p[3] < 0.1, `P(rare | x = 2) = ${p[3]}`);
  assert.throws(() => gradientBoosting.options({ split_criterion: 'gini' as never }), /'split_criterion' parameter of GradientBoosting must be 'newton' or 'least_squares'/);
});

test('least squares: leaf values are one Newton step over the leaf\'s own rows', async () => {
  const { X, y } = rare();
  const o = gradientBoosting.options({ n_estimators: 1, max_depth: 1, learning_rate: 1, reg_lambda: 0, class_weight: null, sampling: 'none', split_criterion: 'least_squares' });
  const s = await gradientBoosting.fit(X, y, 2, o, { seed: 1, threads: 1 });
  // one round from the prior p = 6/2006: every row has g = p - y and h = p(1 - p)
  const p = 6 / 2006;
  const h = p * (1 - p);
  const t = s.trees!;
  assert.equal(t.feature[0], 0, 'the split is on x');
  // the leaf sums over the rows on each side of the stored threshold
  const G = [0, 0];
  const H = [0, 0];
  for (let i = 0; i < y.length; i++) {
    const side = X.data[i * 2] <= t.threshold[0] ? 0 : 1;
    G[side] += p - y[i];
    H[side] += h;
  }
  const want = [-G[0] / H[0], -G[1] / H[1]];
  assert.ok(Math.abs(want[1] - 1 / p) < 1e-6, 'the right leaf holds exactly the rare rows');
  const got = [t.value[t.left[0]], t.value[t.right[0]]];
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-6 * Math.abs(want[i]), `leaf ${i}: ${got[i]} vs ${want[i]}`);
});

test('least squares, K classes: each leaf takes (K-1)/K of its Newton step (Friedman\'s Algorithm 6, scikit-learn); Newton trees take all of it', async () => {
  // three classes of 100, 60 and 40 rows; x = the class plus noise, so one split isolates class 0
  const rng = new Rng(3);
  const counts = [100, 60, 40];
  const n = 200;
  const y = new Int32Array(n);
  const data = new Float64Array(n * 2);
  let i = 0;
  for (let c = 0; c < 3; c++) for (let j = 0; j < counts[c]; j++, i++) {
    y[i] = c;
    data[i * 2] = c + 0.5 * rng.next();
    data[i * 2 + 1] = rng.normal();
  }
  const X = matrix(n, 2, data);
  const base = { n_estimators: 1, max_depth: 1, learning_rate: 1, reg_lambda: 0, class_weight: null, sampling: 'none' as const };
  // tree 0 of round 0 fits output 0 from the prior: g = p0 - [y = 0], h = p0(1 - p0)
  const p0 = counts[0] / n;
  const newtonLeaves = (t: NonNullable<Awaited<ReturnType<typeof gradientBoosting.fit>>['trees']>): number[][] => {
    const G = [0, 0];
    const H = [0, 0];
    for (let r = 0; r < n; r++) {
      const side = X.data[r * 2 + t.feature[0]] <= t.threshold[0] ? 0 : 1;
      G[side] += p0 - (y[r] === 0 ? 1 : 0);
      H[side] += p0 * (1 - p0);
    }
    return [[-G[0] / H[0], -G[1] / H[1]], [t.value[t.left[0]], t.value[t.right[0]]]];
  };
  for (const [criterion, scale] of [['least_squares', 2 / 3], ['newton', 1]] as const) {
    const s = await gradientBoosting.fit(X, y, 3, gradientBoosting.options({ ...base, split_criterion: criterion, min_child_weight: criterion === 'newton' ? 0.1 : 1 }), { seed: 1, threads: 1 });
    assert.equal(s.trees!.feature[0], 0, `${criterion}: the split is on x`);
    const [step, got] = newtonLeaves(s.trees!);
    for (let k = 0; k < 2; k++) assert.ok(Math.abs(got[k] - scale * step[k]) < 1e-9 * Math.abs(step[k]), `${criterion} leaf ${k}: ${got[k]} vs ${scale} x ${step[k]}`);
  }
});

test('--help-model says which class-weight default was chosen, and why, with the measured figures', () => {
  assert.equal(gradientBoosting.defaults.class_weight, 'balanced');
  assert.match(gradientBoosting.description, /class_weight=balanced is the default/);
  assert.match(gradientBoosting.description, /macro-F1 from 0\.\d+ to 0\.\d+/);
  assert.match(gradientBoosting.description, /class_weight=none/);
});
