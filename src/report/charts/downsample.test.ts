import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lttbIndices, sampleIndices } from './downsample.js';

test('lttb: keeps the ends and a lone spike, returns ascending indices of the size asked', () => {
  const n = 10_000;
  const x = Float64Array.from({ length: n }, (_, i) => i);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 500));
  y[4346] = 50;
  const keep = lttbIndices(x, y, 200);
  assert.equal(keep.length, 200);
  assert.equal(keep[0], 0);
  assert.equal(keep[199], n - 1);
  for (let i = 1; i < keep.length; i++) assert.ok(keep[i] > keep[i - 1]);
  assert.ok(keep.includes(4346), 'the spike survives');
  // a stride would miss it
  assert.ok(!Array.from({ length: 200 }, (_, i) => Math.round((i * (n - 1)) / 199)).includes(4346));
});

test('lttb: short inputs are returned whole; tiny budgets give the ends', () => {
  assert.deepEqual(Array.from(lttbIndices([1, 2, 3], [1, 2, 3], 10)), [0, 1, 2]);
  assert.deepEqual(Array.from(lttbIndices([1, 2, 3, 4], [1, 2, 3, 4], 2)), [0, 3]);
});

test('sampleIndices: seeded, ascending, distinct, the size asked', () => {
  const a = sampleIndices(100_000, 5000, 1);
  assert.equal(a.length, 5000);
  assert.equal(new Set(a).size, 5000);
  for (let i = 1; i < a.length; i++) assert.ok(a[i] > a[i - 1]);
  assert.deepEqual(sampleIndices(100_000, 5000, 1), a);
  assert.notDeepEqual(sampleIndices(100_000, 5000, 2), a);
  assert.equal(sampleIndices(10, 5000, 1).length, 10);
});
