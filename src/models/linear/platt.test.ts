import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../util/rng.js';
import { fitPlatt, plattProbabilities, stratifiedFolds } from './platt.js';

test('fitPlatt recovers the sigmoid that generated the labels', () => {
  const rng = new Rng(4);
  const n = 20000;
  const f = new Float64Array(n);
  const pos = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    f[i] = rng.normal() * 2;
    pos[i] = rng.next() < 1 / (1 + Math.exp(-1.5 * f[i] + 0.3)) ? 1 : 0;
  }
  const s = fitPlatt(f, pos);
  assert.ok(Math.abs(s.A + 1.5) < 0.06, `A = ${s.A}`);
  assert.ok(Math.abs(s.B - 0.3) < 0.06, `B = ${s.B}`);
});

test('fitPlatt stays finite on perfectly separated margins (Platt\'s smoothed targets)', () => {
  const f = Float64Array.from([-3, -2, -1, 1, 2, 3]);
  const s = fitPlatt(f, [0, 0, 0, 1, 1, 1]);
  assert.ok(Number.isFinite(s.A) && Number.isFinite(s.B));
  assert.ok(s.A < 0, 'a larger margin must mean a more likely positive');
  // targets (3+1)/(3+2) = 0.8 and 1/5: the fit does not reach 0/1 on the training points
  const p3 = 1 / (1 + Math.exp(s.A * 3 + s.B));
  assert.ok(p3 < 0.99 && p3 > 0.75, `P(+ | 3) = ${p3}`);
});

test('stratifiedFolds keeps each class spread evenly over the folds', () => {
  const y = Int32Array.from({ length: 103 }, (_, i) => (i % 10 === 0 ? 2 : i % 3 === 0 ? 1 : 0));
  const fold = stratifiedFolds(y, 3, 3, new Rng(1));
  for (let c = 0; c < 3; c++) {
    const counts = [0, 0, 0];
    for (let i = 0; i < y.length; i++) if (y[i] === c) counts[fold[i]]++;
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `class ${c}: ${counts}`);
  }
});

test('plattProbabilities normalises the per-class sigmoids', () => {
  const margins = Float64Array.from([2, -1, -3, -2, 1, 0]);
  const sig = Float64Array.from([-1, 0, -1, 0, -1, 0]);
  const p = plattProbabilities(margins, 3, sig);
  for (let r = 0; r < 2; r++) assert.ok(Math.abs(p[r * 3] + p[r * 3 + 1] + p[r * 3 + 2] - 1) < 1e-12);
  const s = [2, -1, -3].map((m) => 1 / (1 + Math.exp(-m)));
  const t = s[0] + s[1] + s[2];
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(p[c] - s[c] / t) < 1e-12);
  assert.ok(p[4] > p[5] && p[5] > p[3]);
});
