import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, averagedScores, classScores, confusionMatrix, macroF1, presentLabels } from './metrics.js';

// Inputs drawn with numpy RandomState(7) (30 labels in 0..3, 45 % of predictions redrawn, class 3
// predictions turned into 2); expected values printed by scikit-learn 1.2.1 for them. Class 3 is
// never predicted, so its precision is a zero division and must come out as 0.
const yt = [3, 0, 1, 2, 3, 3, 3, 3, 0, 1, 2, 3, 0, 1, 2, 2, 2, 0, 3, 2, 0, 0, 3, 3, 0, 0, 3, 3, 2, 2];
const yp = [2, 1, 1, 2, 2, 2, 2, 2, 0, 1, 1, 2, 0, 1, 2, 1, 2, 1, 2, 1, 0, 0, 1, 2, 2, 0, 2, 2, 2, 2];

test('accuracy and confusion matrix match scikit-learn', () => {
  assert.equal(accuracy(yt, yp), 0.43333333333333335);
  assert.deepEqual(Array.from(confusionMatrix(yt, yp, 4)), [5, 2, 1, 0, 0, 3, 0, 0, 0, 3, 5, 0, 0, 1, 10, 0]);
});

test('per-class precision, recall, F1 and support match scikit-learn (zero division -> 0)', () => {
  const s = classScores(yt, yp, 4);
  assert.deepEqual(Array.from(s.labels), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(s.precision), [1.0, 0.3333333333333333, 0.3125, 0.0]);
  assert.deepEqual(Array.from(s.recall), [0.625, 1.0, 0.625, 0.0]);
  assert.deepEqual(Array.from(s.f1), [0.7692307692307693, 0.5, 0.4166666666666667, 0.0]);
  assert.deepEqual(Array.from(s.support), [8, 3, 8, 11]);
});

test('macro, weighted and micro averages match scikit-learn', () => {
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-15, `${a} != ${b}`);
  const macro = averagedScores(yt, yp, 4, 'macro');
  close(macro.precision, 0.4114583333333333);
  close(macro.recall, 0.5625);
  close(macro.f1, 0.421474358974359);
  const weighted = averagedScores(yt, yp, 4, 'weighted');
  close(weighted.precision, 0.38333333333333336);
  close(weighted.recall, 0.43333333333333335);
  close(weighted.f1, 0.3662393162393162);
  const micro = averagedScores(yt, yp, 4, 'micro');
  close(micro.f1, 0.43333333333333335);
  close(macroF1(yt, yp, 4), 0.421474358974359);
});

test('hand-computed binary case', () => {
  // tp = 2, fp = 1, fn = 1, tn = 2 for class 1
  const t = [1, 1, 1, 0, 0, 0];
  const p = [1, 1, 0, 1, 0, 0];
  const s = classScores(t, p, 2);
  assert.deepEqual(Array.from(s.precision), [2 / 3, 2 / 3]);
  assert.deepEqual(Array.from(s.recall), [2 / 3, 2 / 3]);
  assert.equal(accuracy(t, p), 4 / 6);
  // weights: the two misclassified rows weigh 3, the others 1: accuracy 4 / 10
  assert.equal(accuracy(t, p, [1, 1, 3, 3, 1, 1]), 0.4);
});

test('classes absent from both y_true and y_pred do not count in the macro average', () => {
  // 5 classes known, only 0 and 1 occur: macro-F1 is over {0, 1}, as scikit-learn's unique_labels
  const t = [0, 0, 1, 1];
  const p = [0, 1, 1, 1];
  assert.deepEqual(Array.from(presentLabels(t, p, 5)), [0, 1]);
  const f0 = 2 / 3; // p=1, r=0.5
  const f1 = 0.8; // p=2/3, r=1
  assert.ok(Math.abs(macroF1(t, p, 5) - (f0 + f1) / 2) < 1e-15);
  // naming all five classes explicitly brings the zeros in
  const all = averagedScores(t, p, 5, 'macro', { labels: [0, 1, 2, 3, 4] });
  assert.ok(Math.abs(all.f1 - (f0 + f1) / 5) < 1e-15);
});

test('mismatched lengths are a user error', () => {
  assert.throws(() => accuracy([0, 1], [0]), /inconsistent numbers of samples: \[2, 1\]/);
});
