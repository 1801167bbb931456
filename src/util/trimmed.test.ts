import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trimmed } from './trimmed.js';

test('trimmed: the array itself when full, a view when nearly full, a copy when much is unused', () => {
  const full = Float64Array.from([1, 2, 3, 4]);
  assert.equal(trimmed(full, 4), full);

  const nearly = new Float64Array(1024).map((_, i) => i);
  const view = trimmed(nearly, 1000);
  assert.equal(view.length, 1000);
  assert.equal(view.buffer, nearly.buffer); // no copy of the batch
  assert.deepEqual([...view.subarray(995)], [995, 996, 997, 998, 999]);

  const sparse = new Int32Array(1024).map((_, i) => -i);
  const copy = trimmed(sparse, 100);
  assert.equal(copy.length, 100);
  assert.notEqual(copy.buffer, sparse.buffer); // a small batch does not keep the large builder
  assert.equal(copy.buffer.byteLength, 400);
  assert.deepEqual([...copy.subarray(97)], [-97, -98, -99]);
});
