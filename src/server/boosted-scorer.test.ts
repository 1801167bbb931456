/**
 * The serving layout of gradient-boosted trees gives the very probabilities the generic predictor
 * gives (same sums, same order), for two classes (one output) and several, shallow and deep
 * trees, with NaN routed as trained and ±Infinity; ensembles deeper than it lays out are left to
 * the generic predictor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradientBoosting, type BoostState } from '../models/trees/gbdt.js';
import { toyClasses } from '../testing/toy-classes.js';
import { compileBoost, MAX_DEPTH } from './boosted-scorer.js';

async function fitted(k: number, depth: number, rounds: number, noisy = false): Promise<{ state: BoostState; d: number }> {
  const d = 6;
  const { X, y } = toyClasses(600, d, k);
  // labels that follow no pattern make trees grow as deep as they may
  if (noisy) for (let i = 0; i < y.length; i++) y[i] = Math.imul(i + 1, 2654435761) >>> 31;
  // missing values in training, so splits learn where NaN goes (both ways occur)
  for (let i = 0; i < X.rows; i += 7) X.data[i * d + (i % d)] = NaN;
  const options = gradientBoosting.options({ n_estimators: rounds, max_depth: depth, learning_rate: 0.3, sampling: 'none' });
  const state = await gradientBoosting.fit(X, y, k, options, { seed: 7, threads: 1, featureNames: Array.from({ length: d }, (_, j) => `f${j}`) });
  return { state, d };
}

for (const [k, depth] of [[2, 3], [4, 3], [3, 6]] as const) {
  test(`compiled GBDT (${k} classes, depth ${depth}) gives the generic predictor's probabilities exactly`, async () => {
    const { state, d } = await fitted(k, depth, 25);
    const c = compileBoost(state);
    assert.ok(c, 'laid out');
    const n = 203; // not a multiple of four: the one-row path runs too
    const { X } = toyClasses(n, d, k);
    for (let i = 0; i < n; i += 5) X.data[i * d + ((i >> 1) % d)] = NaN;
    X.data[3 * d] = Infinity;
    X.data[4 * d + 1] = -Infinity;
    const want = gradientBoosting.predictProba(state, X);
    const proba = new Float64Array(n * k);
    c.predictProba(X.data, n, proba, new Float64Array(n * c.outputs));
    for (let i = 0; i < want.length; i++) assert.ok(Object.is(proba[i], want[i]), `value ${i}: ${proba[i]} vs ${want[i]}`);
    // one row at a time (the /classify path) gives the same
    const one = new Float64Array(k);
    for (const r of [0, 3, 4, 5, 202]) {
      c.predictProba(X.data.subarray(r * d, (r + 1) * d), 1, one, new Float64Array(c.outputs));
      assert.deepEqual([...one], [...want.subarray(r * k, (r + 1) * k)]);
    }
    // and NaN really goes both ways somewhere in these trees
    const nanLeft = state.trees!.nanLeft;
    const internal = [...state.trees!.feature.keys()].filter((i) => state.trees!.feature[i] >= 0);
    assert.ok(internal.some((i) => nanLeft[i] === 1) && internal.some((i) => nanLeft[i] === 0));
  });
}

test(`ensembles deeper than ${MAX_DEPTH} are left to the generic predictor`, async () => {
  const { state } = await fitted(2, MAX_DEPTH + 3, 3, true);
  const depthOf = (n: number): number => (state.trees!.feature[n] < 0 ? 0 : 1 + Math.max(depthOf(state.trees!.left[n]), depthOf(state.trees!.right[n])));
  const deepest = Math.max(...[...state.trees!.roots].map(depthOf));
  assert.ok(deepest > MAX_DEPTH, `the toy ensemble is ${deepest} deep`);
  assert.equal(compileBoost(state), undefined);
});
