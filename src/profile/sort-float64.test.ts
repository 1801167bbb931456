import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { sortFloat64 } from './sort-float64.js';

function sameAsBuiltIn(a: Float64Array): void {
  const want = a.slice().sort();
  const got = sortFloat64(a.slice());
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(got[i], want[i]), `position ${i}: ${got[i]} vs ${want[i]}`);
}

test('sortFloat64 orders like the built-in sort: negatives, ±0, ±Infinity, ties, tiny and huge values', () => {
  const r = new Rng(11);
  const n = 50_000;
  const mixed = Float64Array.from({ length: n }, (_, i) => {
    switch (i % 7) {
      case 0:
        return r.normal() * 1e6;
      case 1:
        return -Math.floor(r.next() * 10);
      case 2:
        return i % 2 ? 0 : -0;
      case 3:
        return i % 3 ? Infinity : -Infinity;
      case 4:
        return (r.next() - 0.5) * 1e-300;
      case 5:
        return Number.MAX_VALUE * (r.next() - 0.5);
      default:
        return Math.floor(r.next() * 40);
    }
  });
  sameAsBuiltIn(mixed);
  // small integers: most radix passes skipped
  sameAsBuiltIn(Float64Array.from({ length: n }, () => Math.floor(r.next() * 100)));
  // one value only, and a short array (built-in path)
  sameAsBuiltIn(new Float64Array(10_000).fill(3.5));
  sameAsBuiltIn(Float64Array.of(3, -1, 2, -0, 0));
});

test('sortFloat64 sorts a subarray in place without touching its neighbours', () => {
  const buf = Float64Array.from({ length: 20_000 }, (_, i) => 20_000 - i);
  const view = buf.subarray(5000, 15_000);
  sortFloat64(view);
  assert.equal(buf[4999], 15_001);
  assert.equal(buf[5000], 5001);
  assert.equal(buf[14_999], 15_000);
  assert.equal(buf[15_000], 5000);
});
