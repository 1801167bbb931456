// A calibration says no more than its rows support: a table of n rows gives at most n / (n + 1)
// unless enough rows lie above the tail's start to extrapolate; with them, extreme scores keep rising.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrate, fitCalibration, hasTail, MIN_TAIL_CALIBRATION_ROWS } from './calibration.js';
import { Rng } from '../util/rng.js';

const normalScores = (n: number, seed: number): number[] => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.next());
};

test('few calibration rows: no tail, p at most n / (n + 1) however far out the score', () => {
  for (const n of [1, 2, 9, MIN_TAIL_CALIBRATION_ROWS - 1]) {
    const c = fitCalibration(normalScores(n, n));
    assert.equal(hasTail(c), false, `${n} rows`);
    const cap = n / (n + 1);
    for (const s of [1.5, 10, 1e6]) assert.ok(calibrate(c, s) <= cap + 1e-12, `${n} rows: p(${s}) = ${calibrate(c, s)} > ${cap}`);
    assert.equal(calibrate(c, 1e6), cap, `${n} rows: beyond every row is 1 in n + 1`);
    assert.equal(calibrate(c, -1), 0);
  }
});

test('enough calibration rows: the tail extrapolates, p rises towards 1 and stays ordered', () => {
  const c = fitCalibration(normalScores(MIN_TAIL_CALIBRATION_ROWS, 7));
  assert.equal(hasTail(c), true);
  const big = fitCalibration(normalScores(1000, 8));
  // uniform scores: the top 5 % has a mean excess of about 0.025, so 1.1 is six scales out
  assert.ok(calibrate(big, 1.1) > 0.999, `p(1.1) = ${calibrate(big, 1.1)}`);
  assert.ok(calibrate(big, 1.15) > calibrate(big, 1.1));
  assert.ok(calibrate(c, 1.5) > MIN_TAIL_CALIBRATION_ROWS / (MIN_TAIL_CALIBRATION_ROWS + 1), 'beyond the table cap once the tail rests on enough rows');
  // the middle of the table is unchanged by the tail rule: about the share of rows below
  assert.ok(Math.abs(calibrate(big, 0.5) - 0.5) < 0.06, `p(0.5) = ${calibrate(big, 0.5)}`);
});

test('a calibration measured on nothing is no evidence either way', () => {
  const c = fitCalibration([NaN, Infinity]);
  assert.equal(c.rows, 0);
  assert.equal(calibrate(c, 5), 0.5);
});
