import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mannWhitneyU, mannWhitneyUSortInPlace } from './mann-whitney.js';

function close(got: number, want: number, rtol = 1e-12): void {
  assert.ok(Math.abs(got - want) <= rtol * Math.abs(want), `got ${got}, want ${want}`);
}

test('Mann-Whitney U with ties, checked by hand and against scipy', () => {
  // combined: 1 | 2 2 2 | 3 3 3 | 4  -> mid-ranks 1, 3, 6, 8
  // R_x = 1 + 3 + 3 + 6 = 13, U1 = 13 - 4*5/2 = 3, U2 = 16 - 3 = 13
  // tie term = (27 - 3) * 2 = 48; var = 16/12 * (9 - 48/56) = 10.857142857...
  // z = (13 - 8 - 0.5) / sqrt(var) = 1.36570...
  const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 3, 4]);
  assert.equal(r.u, 3);
  close(r.z, 4.5 / Math.sqrt((16 / 12) * (9 - 48 / 56)));
  // scipy.stats.mannwhitneyu([1,2,2,3], [2,3,3,4], method='asymptotic')
  close(r.pValue, 0.1720337089218229);
  assert.equal(r.auc, 13 / 16);
});

test('Mann-Whitney U: fully separated samples and a larger tied sample match scipy', () => {
  const sep = mannWhitneyU([1, 2, 3], [4, 5, 6]);
  assert.equal(sep.u, 0);
  assert.equal(sep.auc, 1);
  close(sep.pValue, 0.08085559837005224);
  // x_i = floor(((37 i) mod 101) / 7), i < 300; y_i = floor(((53 i) mod 97 + 15) / 7), i < 250
  const x = Float64Array.from({ length: 300 }, (_, i) => Math.floor(((i * 37) % 101) / 7));
  const y = Float64Array.from({ length: 250 }, (_, i) => Math.floor((((i * 53) % 97) + 15) / 7));
  const r = mannWhitneyU(x, y);
  assert.equal(r.u, 28660.5);
  close(r.pValue, 1.8091416553271474e-6, 1e-10);
  // swapping the samples mirrors U and keeps p
  const s = mannWhitneyU(y, x);
  assert.equal(s.u, 300 * 250 - 28660.5);
  close(s.pValue, r.pValue, 1e-14);
});

test('Mann-Whitney U: NaN left out, ±0 tie, no variance gives NaN, inputs untouched', () => {
  const x = [3, Number.NaN, 1];
  const r = mannWhitneyU(x, [2]);
  assert.equal(r.n1, 2);
  assert.deepEqual(x.slice(0, 1), [3], 'copy, not sorted in place');
  assert.equal(mannWhitneyU([-0], [0]).u, 0.5, '-0 and +0 are one value');
  const flat = mannWhitneyU([5, 5], [5, 5, 5]);
  assert.ok(Number.isNaN(flat.pValue));
  const a = Float64Array.of(3, 1, 2);
  mannWhitneyUSortInPlace(a, Float64Array.of(0));
  assert.deepEqual(Array.from(a), [1, 2, 3]);
});
