import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, takeRows, type Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { rocAuc } from '../../evaluate/roc.js';
import { skipWithoutShared } from '../../testing/shared-data.js';
import { nslKddMatrices, rowsOfClass } from '../linear/nsl-kdd-fixture.test-util.js';
import { oneClassSvm as ocsvm } from './one-class-svm.js';
import { setKernelThreads } from './kernel-pool.js';

const ctx = { seed: 1, threads: 1 };

function toy(n: number, d: number): Matrix {
  const X = matrix(n, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) X.data[i * d + j] = Math.sin(1.3 * i + 0.7 * j) * (j + 1);
  return X;
}

test("decision values match scikit-learn's OneClassSVM", async () => {
  // scikit-learn 1.2.1: OneClassSVM(nu=0.2, gamma='scale', tol=1e-9).fit(toy(60, 3)):
  // decision_function of the first 6 rows, 18 support vectors, offset_ (rho) 4.175194764583759
  const decision = [0.030073902618185322, 0.017659783893077652, 0.01857920585901862, 0.02523098045261385, 0.00034880616775634365, 0.00010299813637004718];
  const X = toy(60, 3);
  const s = await ocsvm.fit(X, ocsvm.options({ nu: 0.2, tol: 1e-9 }), ctx);
  assert.equal(s.supportCount, 18);
  assert.ok(Math.abs(s.rho - 4.175194764583759) < 1e-5, `rho ${s.rho}`);
  const score = ocsvm.score(s, X);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(-score[i] - decision[i]) < 2e-6, `row ${i}: ${-score[i]} vs ${decision[i]}`);
});

test('about a fraction nu of the training rows falls outside, and they are the unusual ones', async () => {
  const rng = new Rng(2);
  const n = 2000;
  const X = matrix(n, 5);
  for (let i = 0; i < X.data.length; i++) X.data[i] = rng.normal();
  for (const nu of [0.05, 0.2]) {
    const s = await ocsvm.fit(X, ocsvm.options({ nu }), ctx);
    const score = ocsvm.score(s, X);
    const outside = score.filter((v) => v > 0).length / n;
    assert.ok(Math.abs(outside - nu) < 0.015, `nu ${nu}: ${outside} of the rows outside`);
    assert.ok(Math.abs(s.trainingOutlierFraction - outside) < 2 / n, 'the fraction recorded at fit time is the one scoring finds');
    assert.ok(s.supportCount >= nu * n, 'nu is a lower bound on the share of support vectors');
    // points far from the centre score higher than points near it
    const far = matrix(1, 5, new Float64Array(5).fill(2.5));
    const near = matrix(1, 5, new Float64Array(5).fill(0.1));
    assert.ok(ocsvm.score(s, far)[0] > 0 && ocsvm.score(s, near)[0] < 0);
  }
});

test('same seed, same model; scoring on worker threads changes nothing', async () => {
  const rng = new Rng(3);
  const X = matrix(3000, 6);
  for (let i = 0; i < X.data.length; i++) X.data[i] = rng.next() < 0.6 ? 0 : rng.normal();
  const o = ocsvm.options({ nu: 0.3 });
  const a = await ocsvm.fit(X, o, ctx);
  const b = await ocsvm.fit(X, o, { seed: 1, threads: 2 });
  assert.deepEqual(a, b);
  setKernelThreads(1);
  const one = ocsvm.score(a, X);
  setKernelThreads(2);
  const two = ocsvm.score(a, X);
  assert.deepEqual(one, two);
});

test('parameter errors are worded like scikit-learn', () => {
  assert.throws(() => ocsvm.options({ nu: 1.5 }), (e: unknown) => e instanceof UserError && e.message === "The 'nu' parameter of OneClassSVM must be a float in the range (0.0, 1.0]. Got 1.5 instead.");
  assert.throws(() => ocsvm.options({ gamma: 'fast' as never }), /The 'gamma' parameter of OneClassSVM must be a str among \{'scale', 'auto'\} or a float in the range \(0, inf\). Got "fast" instead./);
  assert.throws(() => ocsvm.options({ kernel: 'linear' } as never), /OneClassSVM got an unexpected parameter 'kernel'/);
});

test('NSL-KDD: fitted on normal rows, ROC-AUC at least scikit-learn\'s 0.869 on KDDTest+', { skip: skipWithoutShared('datasets/nsl-kdd') }, async () => {
  const d = (await nslKddMatrices())!;
  const normal = takeRows(d.Xtrain, rowsOfClass(d.ytrain, d.normal));
  const s = await ocsvm.fit(normal, ocsvm.options({}), { seed: 42, threads: 2 });
  const score = ocsvm.score(s, d.Xtest);
  const auc = rocAuc(Array.from(d.ytest, (v) => (v === d.normal ? 0 : 1)), score);
  // measured: AUC 0.8687 (scikit-learn 0.8687), 685 support vectors as scikit-learn, rho 67.399
  assert.ok(auc >= 0.865, `AUC ${auc}`);
  assert.ok(Math.abs(s.trainingOutlierFraction - 0.05) < 0.005, `training outliers ${s.trainingOutlierFraction}`);
});
