import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rocAuc, rocAucOrNaN, rocAucOvr, rocCurve } from './roc.js';

// Scores with many ties (quarters), labels and expected values from scikit-learn 1.2.1.
const yb = [1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1];
const sc = [0.25, 0.5, 0.25, 1.0, 1.0, 0.75, 0.5, 0.75, 0.25, 0.25, 0.5, 0.75, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 0.5, 0.5, 0.75];

test('binary AUC with tied scores matches scikit-learn roc_auc_score', () => {
  assert.ok(Math.abs(rocAuc(yb, sc) - 0.5941558441558441) < 1e-15);
});

test('ROC curve points match scikit-learn roc_curve (first threshold +Infinity)', () => {
  const c = rocCurve(yb, sc);
  assert.deepEqual(Array.from(c.fpr), [0.0, 0.0, 0.18181818181818182, 0.6363636363636364, 1.0]);
  assert.deepEqual(Array.from(c.tpr), [0.0, 0.14285714285714285, 0.42857142857142855, 0.6428571428571429, 1.0]);
  assert.deepEqual(Array.from(c.thresholds), [Infinity, 1.0, 0.75, 0.5, 0.25]);
});

test('ties count half: one positive and one negative with the same score give 0.5', () => {
  assert.equal(rocAuc([1, 0], [0.3, 0.3]), 0.5);
  // hand count: pairs (pos, neg) = (0.9, 0.1) win, (0.9, 0.5) win, (0.5, 0.1) win, (0.5, 0.5) tie
  assert.equal(rocAuc([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1]), 3.5 / 4);
  // perfect and reversed rankings
  assert.equal(rocAuc([0, 0, 1, 1], [1, 2, 3, 4]), 1);
  assert.equal(rocAuc([0, 0, 1, 1], [4, 3, 2, 1]), 0);
});

test('drop_intermediate removes collinear points but not the area', () => {
  // a perfect ranking of distinct scores: the points in the middle of each straight run go
  // (scikit-learn 1.2.1 gives fpr [0, 0, 0, 1], tpr [0, 1/3, 1, 1], thresholds [7, 6, 4, 1])
  const y = [1, 1, 1, 0, 0, 0];
  const s = [6, 5, 4, 3, 2, 1];
  const c = rocCurve(y, s);
  assert.deepEqual(Array.from(c.fpr), [0, 0, 0, 1]);
  assert.deepEqual(Array.from(c.tpr), [0, 1 / 3, 1, 1]);
  assert.deepEqual(Array.from(c.thresholds), [Infinity, 6, 4, 1]);
  assert.equal(rocAuc(y, s), 1);
});

test('one class only: AUC undefined', () => {
  assert.throws(() => rocAuc([1, 1], [0.1, 0.2]), /Only one class present in y_true/);
  assert.ok(Number.isNaN(rocAucOrNaN([0, 0], [0.1, 0.2])));
  assert.throws(() => rocAuc([1, 0], [NaN, 0.2]), /NaN/);
});

test('one-vs-rest macro and weighted AUC match scikit-learn', () => {
  const yt = [3, 0, 1, 2, 3, 3, 3, 3, 0, 1, 2, 3, 0, 1, 2, 2, 2, 0, 3, 2, 0, 0, 3, 3, 0, 0, 3, 3, 2, 2];
  // prettier-ignore
  const P = [[0.269, 0.204, 0.242, 0.285], [0.024, 0.525, 0.166, 0.285], [0.343, 0.309, 0.063, 0.285], [0.042, 0.214, 0.488, 0.256], [0.206, 0.25, 0.282, 0.262], [0.008, 0.444, 0.49, 0.058], [0.185, 0.208, 0.284, 0.323], [0.111, 0.2, 0.573, 0.116], [0.128, 0.328, 0.097, 0.447], [0.386, 0.015, 0.24, 0.359], [0.425, 0.119, 0.074, 0.382], [0.401, 0.087, 0.195, 0.317], [0.34, 0.068, 0.267, 0.325], [0.533, 0.16, 0.034, 0.273], [0.661, 0.037, 0.007, 0.295], [0.084, 0.196, 0.03, 0.69], [0.438, 0.269, 0.085, 0.208], [0.213, 0.34, 0.359, 0.088], [0.005, 0.373, 0.416, 0.206], [0.247, 0.278, 0.195, 0.28], [0.034, 0.392, 0.4, 0.174], [0.54, 0.018, 0.399, 0.043], [0.244, 0.282, 0.122, 0.352], [0.306, 0.181, 0.421, 0.092], [0.17, 0.313, 0.334, 0.183], [0.413, 0.372, 0.048, 0.167], [0.159, 0.309, 0.189, 0.343], [0.362, 0.15, 0.255, 0.233], [0.3, 0.025, 0.297, 0.378], [0.265, 0.126, 0.295, 0.314]];
  const o = rocAucOvr(yt, Float64Array.from(P.flat()), 4);
  assert.ok(Math.abs(o.macro - 0.38116960910272313) < 1e-12, String(o.macro));
  assert.ok(Math.abs(o.weighted - 0.3936809616634178) < 1e-12, String(o.weighted));
});

test('one-vs-rest leaves out a class absent from y_true', () => {
  const y = [0, 0, 1, 1];
  const P = Float64Array.from([0.9, 0.1, 0, 0.8, 0.2, 0, 0.1, 0.9, 0, 0.3, 0.7, 0]);
  const o = rocAucOvr(y, P, 3);
  assert.ok(Number.isNaN(o.perClass[2]));
  assert.equal(o.macro, 1);
  assert.equal(o.weighted, 1);
});
