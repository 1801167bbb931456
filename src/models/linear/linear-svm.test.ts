import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { accuracy, macroF1 } from '../../evaluate/metrics.js';
import { rocAuc } from '../../evaluate/roc.js';
import { argmaxRows } from '../estimator.js';
import { skipWithoutShared } from '../../testing/shared-data.js';
import { linearMargins, linearSvm } from './linear-svm.js';
import { nslKddMatrices } from './nsl-kdd-fixture.test-util.js';
import { toyClasses as toy } from '../../testing/toy-classes.js';

const ctx = { seed: 1, threads: 1 };


test("weights match scikit-learn's LinearSVC (squared hinge, intercept effectively unpenalised)", async () => {
  // scikit-learn 1.2.1: LinearSVC(C=0.7, intercept_scaling=100, tol=1e-12, max_iter=10**6) on
  // toy(40, 3, 2): intercept_scaling 100 makes LIBLINEAR's intercept penalty negligible (the
  // exact unpenalised optimum, by scipy BFGS, agrees to 4e-6; at 1e4 LIBLINEAR fails to converge)
  const coef = [2.122129444725418, -1.4308037339450503, 0.5927683855083546];
  const intercept = -0.8267756454026844;
  const { X, y } = toy(40, 3, 2);
  const s = await linearSvm.fit(X, y, 2, linearSvm.options({ C: 0.7, tol: 1e-10 }), ctx);
  // class 1's one-vs-rest problem is scikit-learn's binary problem
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(s.coef[3 + j] - coef[j]) < 1e-5, `coef[${j}] = ${s.coef[3 + j]}, scikit-learn ${coef[j]}`);
  assert.ok(Math.abs(s.intercept[1] - intercept) < 1e-5, `intercept ${s.intercept[1]}`);
  // and class 0's problem is its mirror image
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(s.coef[j] + coef[j]) < 1e-5);
});

test('a linearly separable problem is separated, and probabilities follow the margins', async () => {
  const rng = new Rng(3);
  const n = 300;
  const X = matrix(n, 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    // three clusters, each separable from the other two by one hyperplane (one-vs-rest)
    X.data[i * 3] = rng.normal() * 0.5 + (y[i] === 0 ? -3 : y[i] === 1 ? 3 : 0);
    X.data[i * 3 + 1] = rng.normal() * 0.5 + (y[i] === 2 ? 4 : 0);
    X.data[i * 3 + 2] = rng.next() < 0.5 ? 1 : 0;
  }
  const s = await linearSvm.fit(X, y, 3, linearSvm.options({}), ctx);
  assert.ok(s.converged);
  const P = linearSvm.predictProba(s, X);
  assert.equal(accuracy(y, argmaxRows(P, 3)), 1);
  for (let r = 0; r < n; r++) assert.ok(Math.abs(P[r * 3] + P[r * 3 + 1] + P[r * 3 + 2] - 1) < 1e-12);
  // a larger margin for a class never gives that class a smaller sigmoid
  const m = linearMargins(s.coef, s.intercept, 3, X);
  for (let c = 0; c < 3; c++) assert.ok(s.sigmoids[2 * c] < 0, `class ${c}: A = ${s.sigmoids[2 * c]}`);
  assert.ok(rocAuc(Array.from(y, (v) => (v === 2 ? 1 : 0)), Array.from({ length: n }, (_, r) => m[r * 3 + 2])) === 1);
  const imp = linearSvm.importances!(s)!;
  assert.ok(imp[2] < imp[0] && imp[2] < imp[1], `the noise column should matter least: ${imp}`);
});

test('same seed, same model', async () => {
  const { X, y } = toy(60, 3, 3);
  const o = linearSvm.options({});
  assert.deepEqual(await linearSvm.fit(X, y, 3, o, ctx), await linearSvm.fit(X, y, 3, o, ctx));
});

test('parameter errors are worded like scikit-learn', () => {
  assert.throws(() => linearSvm.options({ C: 0 }), (e: unknown) => e instanceof UserError && e.message === "The 'C' parameter of LinearSVC must be a float in the range (0, inf). Got 0 instead.");
  assert.throws(() => linearSvm.options({ tol: -1 }), /The 'tol' parameter of LinearSVC must be a float in the range \(0, inf\). Got -1 instead./);
  assert.throws(() => linearSvm.options({ loss: 'hinge' } as never), /LinearSVC got an unexpected parameter 'loss'/);
});

test('NSL-KDD: accuracy near scikit-learn LinearSVC (0.743)', { skip: skipWithoutShared('datasets/nsl-kdd') }, async () => {
  const d = (await nslKddMatrices())!;
  const s = await linearSvm.fit(d.Xtrain, d.ytrain, d.classes.length, linearSvm.options({}), ctx);
  const P = linearSvm.predictProba(s, d.Xtest);
  const pred = argmaxRows(P, d.classes.length);
  const acc = accuracy(d.ytest, pred);
  const f1 = macroF1(d.ytest, pred, d.classes.length);
  const k = d.classes.length;
  const auc = rocAuc(Array.from(d.ytest, (v) => (v === d.normal ? 0 : 1)), Array.from({ length: d.ytest.length }, (_, r) => 1 - P[r * k + d.normal]));
  // measured (defaults, tol 1e-3): accuracy 0.7420, macro-F1 0.5194, attack-vs-normal AUC 0.910
  assert.ok(acc >= 0.72, `accuracy ${acc}`);
  assert.ok(f1 >= 0.49, `macro-F1 ${f1}`);
  assert.ok(auc >= 0.89, `AUC ${auc}`);
});
