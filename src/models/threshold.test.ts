import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anomalyLabels, checkContamination, contaminationRule, decisionFunction, fitThreshold, quantile } from './threshold.js';

const scores = [3.0, 1, 4, 1, 5, 9, 2, 6];

test('quantiles interpolate linearly, as numpy.percentile does', () => {
  // numpy.percentile(scores, 95) = 7.949999999999998, percentile(scores, 90) = 6.8999999999999995
  assert.ok(Math.abs(quantile(scores, 0.95) - 7.949999999999998) < 1e-12);
  assert.ok(Math.abs(quantile(scores, 0.9) - 6.8999999999999995) < 1e-12);
  assert.equal(quantile(scores, 0), 1);
  assert.equal(quantile(scores, 1), 9);
  assert.equal(quantile(scores, 0.5), 3.5);
});

test('contamination c sets the (1 - c) quantile; percentile p the p-th', () => {
  const t = fitThreshold(scores, { contamination: 0.1 });
  assert.equal(t.rule, 'contamination');
  assert.ok(Math.abs(t.threshold - 6.8999999999999995) < 1e-12);
  const p = fitThreshold(scores, { percentile: 95 });
  assert.ok(Math.abs(p.threshold - 7.949999999999998) < 1e-12);
  const f = fitThreshold([], { fixed: 0.5 });
  assert.equal(f.threshold, 0.5);
  // the state is plain data: a JSON round trip keeps it
  assert.deepEqual(JSON.parse(JSON.stringify(t)), t);
});

test('decision = score - threshold; labels 1 strictly above', () => {
  const t = fitThreshold([], { fixed: 2 });
  assert.deepEqual(Array.from(decisionFunction(t, [1, 2, 3.5])), [-1, 0, 1.5]);
  assert.deepEqual(Array.from(anomalyLabels(t, [1, 2, 3.5])), [0, 0, 1]);
});

test('about a fraction c of the training rows are labelled anomalous', () => {
  const train = Float64Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
  const t = fitThreshold(train, { contamination: 0.05 });
  const flagged = anomalyLabels(t, train).reduce((s, v) => s + v, 0);
  assert.equal(flagged, 50);
});

test('options are checked with scikit-learn wording', () => {
  assert.throws(() => checkContamination('IsolationForest', 0.7, true), {
    message: "The 'contamination' parameter of IsolationForest must be 'auto' or a float in the range (0.0, 0.5]. Got 0.7 instead.",
  });
  assert.throws(() => checkContamination('OneClassSVM', 'auto', false), /must be a float in the range \(0.0, 0.5\]/);
  assert.throws(() => fitThreshold(scores, { percentile: 101 }), /'percentile'/);
  assert.throws(() => fitThreshold([], { contamination: 0.1 }), /training set is empty/);
  assert.deepEqual(contaminationRule('auto', 0.5), { fixed: 0.5 });
  assert.deepEqual(contaminationRule(0.1, 0.5), { contamination: 0.1 });
});
