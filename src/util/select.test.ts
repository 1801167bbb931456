import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kthLargest, medianInPlace } from './select.js';
import { Rng } from './rng.js';

test('the k-th largest by quickselect equals the sorted answer, ties included', () => {
  const rng = new Rng(3);
  const a = Float64Array.from({ length: 1001 }, () => Math.round(rng.normal() * 20) + 0); // + 0: no -0 (ties matter)
  const sorted = Array.from(a).sort((p, q) => q - p);
  for (const k of [1, 2, 200, 500, 1001]) assert.equal(kthLargest(Float64Array.from(a), a.length, k), sorted[k - 1]);
});

test('median of odd and even counts, with ties, only the first n values', () => {
  const rng = new Rng(5);
  for (const n of [1, 2, 3, 4, 10, 11, 500, 501]) {
    const a = Float64Array.from({ length: n + 3 }, () => Math.round(rng.normal() * 5) + 0);
    const s = Array.from(a.subarray(0, n)).sort((p, q) => p - q);
    const want = n % 2 ? s[n >> 1] : (s[(n >> 1) - 1] + s[n >> 1]) / 2;
    assert.equal(medianInPlace(a, n), want, `n = ${n}`);
  }
  assert.ok(Number.isNaN(medianInPlace(new Float64Array(0), 0)));
});
