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

test('a rare kind of normal row far above the rest: no more than 1 in n + 1 up to the highest row, the tail only beyond it', () => {
  // 0.5 % of the calibration rows (4 of 800) are a rare normal kind scoring far above the others,
  // as an ICMP echo among a replayed network's flows: the top 5 % is no exponential, and a tail
  // from its start said 1 in 500,000 at the rare rows themselves (p 0.999998), so the same kind of
  // flow in new normal traffic reached any alert threshold
  const rows = [...normalScores(796, 11), 100, 100.5, 101, 101.5];
  const n = rows.length;
  const c = fitCalibration(rows);
  assert.equal(hasTail(c), true);
  const cap = n / (n + 1);
  for (const s of [0.9, 0.99, 50, 100, 101, 101.4]) assert.ok(calibrate(c, s) <= cap, `p(${s}) = ${calibrate(c, s)} > ${cap}: more than ${n} rows support`);
  assert.equal(calibrate(c, 101.5), cap, 'at the highest row: rarer than 1 in n + 1');
  // beyond it the tail keeps extreme scores ordered, from the table's top with the tail's scale β
  const beta = c.tailScale;
  assert.ok(Math.abs(calibrate(c, 101.5 + beta) - (1 - (1 - cap) * Math.exp(-1))) < 1e-12);
  assert.ok(calibrate(c, 101.5 + 10 * beta) > calibrate(c, 101.5 + beta));
  assert.ok(calibrate(c, 101.5 + 10 * beta) > 0.99999);
  // below the rare rows the table is untouched: about the share of rows below
  assert.ok(Math.abs(calibrate(c, 0.5) - 0.5) < 0.06);
});
