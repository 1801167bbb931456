import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationReport, formatFixed } from './classification-report.js';

// The expected strings are scikit-learn 1.2.1's classification_report output for the same input,
// pasted verbatim (repr), so the layout is checked character for character.
const yt = [3, 0, 1, 2, 3, 3, 3, 3, 0, 1, 2, 3, 0, 1, 2, 2, 2, 0, 3, 2, 0, 0, 3, 3, 0, 0, 3, 3, 2, 2];
const yp = [2, 1, 1, 2, 2, 2, 2, 2, 0, 1, 1, 2, 0, 1, 2, 1, 2, 1, 2, 1, 0, 0, 1, 2, 2, 0, 2, 2, 2, 2];
const names = ['normal', 'dos', 'probe', 'r2l'];

test('default report (digits=2) is laid out exactly as scikit-learn prints it', () => {
  const expected =
    '              precision    recall  f1-score   support\n\n      normal       1.00      0.62      0.77         8\n         dos       0.33      1.00      0.50         3\n       probe       0.31      0.62      0.42         8\n         r2l       0.00      0.00      0.00        11\n\n    accuracy                           0.43        30\n   macro avg       0.41      0.56      0.42        30\nweighted avg       0.38      0.43      0.37        30\n';
  assert.equal(classificationReport(yt, yp, names), expected);
});

test('digits=3', () => {
  const expected =
    '              precision    recall  f1-score   support\n\n      normal      1.000     0.625     0.769         8\n         dos      0.333     1.000     0.500         3\n       probe      0.312     0.625     0.417         8\n         r2l      0.000     0.000     0.000        11\n\n    accuracy                          0.433        30\n   macro avg      0.411     0.562     0.421        30\nweighted avg      0.383     0.433     0.366        30\n';
  assert.equal(classificationReport(yt, yp, names, { digits: 3 }), expected);
});

test('a subset of labels turns the accuracy line into a micro avg line', () => {
  const expected =
    '              precision    recall  f1-score   support\n\n      normal       1.00      0.62      0.77         8\n         dos       0.33      1.00      0.50         3\n       probe       0.31      0.62      0.42         8\n\n   micro avg       0.43      0.68      0.53        19\n   macro avg       0.55      0.75      0.56        19\nweighted avg       0.61      0.68      0.58        19\n';
  assert.equal(classificationReport(yt, yp, names, { labels: [0, 1, 2] }), expected);
});

test('ties round to even as Python does (recall 0.125 prints 0.12)', () => {
  const t = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
  const p = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
  const expected =
    '              precision    recall  f1-score   support\n\n           0       1.00      0.12      0.22         8\n           1       0.53      1.00      0.70         8\n\n    accuracy                           0.56        16\n   macro avg       0.77      0.56      0.46        16\nweighted avg       0.77      0.56      0.46        16\n';
  assert.equal(classificationReport(t, p, ['0', '1']), expected);
});

test('formatFixed rounds exact ties to even and everything else to nearest', () => {
  assert.equal(formatFixed(0.125, 2), '0.12');
  assert.equal(formatFixed(0.375, 2), '0.38');
  assert.equal(formatFixed(0.625, 2), '0.62');
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(3.5, 0), '4');
  // 0.145 is stored as 0.14499999999999999, so it is not a tie: Python prints 0.14
  assert.equal(formatFixed(0.145, 2), '0.14');
  assert.equal(formatFixed(0.5625, 3), '0.562');
  assert.equal(formatFixed(NaN, 2), 'nan');
});

test('long class names widen the name column', () => {
  const r = classificationReport([0, 1], [0, 1], ['normal', 'a-very-long-class-name']);
  const lines = r.split('\n');
  assert.equal(lines[2], '                normal       1.00      1.00      1.00         1');
  assert.equal(lines[3], 'a-very-long-class-name       1.00      1.00      1.00         1');
  assert.equal(lines[0], ' '.repeat(23) + ' precision    recall  f1-score   support');
});
