import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { MAX_BINS, NAN_BIN, applyBins, binOf, binThreshold, fitBins } from './binning.js';

test('few distinct values: one bin each, edges at the midpoints', () => {
  const X = matrix(6, 1, Float64Array.from([3, 1, 2, 1, 3, 10]));
  const m = fitBins(X);
  assert.equal(m.numBins[0], 4);
  assert.deepEqual(Array.from(m.edges.subarray(0, 3)), [1.5, 2.5, 6.5]);
  const b = applyBins(m, X);
  assert.deepEqual(Array.from(b.codes), [2, 0, 1, 0, 2, 3]);
  assert.equal(b.commonBin[0], 0, 'ties go to the lowest code');
});

test('NaN gets its own code and the flag; a constant column has one bin', () => {
  const X = matrix(4, 2, Float64Array.from([1, 7, NaN, 7, 2, 7, NaN, 7]));
  const b = applyBins(fitBins(X), X);
  assert.deepEqual(Array.from(b.codes.subarray(0, 4)), [0, NAN_BIN, 1, NAN_BIN]);
  assert.equal(b.hasNaN[0], 1);
  assert.equal(b.hasNaN[1], 0);
  assert.equal(b.mapper.numBins[1], 1);
  assert.deepEqual(Array.from(b.codes.subarray(4, 8)), [0, 0, 0, 0]);
});

test('many distinct values: at most maxBins quantile bins of similar size, order kept', () => {
  const rng = new Rng(1);
  const n = 10_000;
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal();
  const X = matrix(n, 1, data);
  const m = fitBins(X, { maxBins: 32 });
  assert.equal(m.numBins[0], 32);
  const b = applyBins(m, X);
  const counts = new Array(32).fill(0);
  for (let i = 0; i < n; i++) counts[b.codes[i]]++;
  for (const c of counts) assert.ok(c > n / 32 / 2 && c < (n / 32) * 2, `bin of ${c} rows is far from ${n / 32}`);
  // codes are monotone in the value, and code <= b exactly when x <= edge b
  for (let i = 0; i < n; i++) {
    const c = b.codes[i];
    if (c > 0) assert.ok(data[i] > binThreshold(m, 0, c - 1));
    if (c < 31) assert.ok(data[i] <= binThreshold(m, 0, c));
    assert.equal(binOf(m, 0, data[i]), c);
  }
});

test('a heavy value gets a bin of its own (mostly-zero columns)', () => {
  const n = 5000;
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = i % 10 === 0 ? i : 0;
  const X = matrix(n, 1, data);
  const m = fitBins(X, { maxBins: 16 });
  const b = applyBins(m, X);
  const zeroCode = b.codes[1];
  for (let i = 0; i < n; i++) if (data[i] !== 0) assert.notEqual(b.codes[i], zeroCode, `value ${data[i]} shares the zero bin`);
  assert.equal(b.commonBin[0], zeroCode);
  assert.ok(m.numBins[0] <= 16);
});

test('infinities and huge values bin without NaN edges', () => {
  const X = matrix(5, 1, Float64Array.from([-Infinity, -1e308, 0, 1e308, Infinity]));
  const m = fitBins(X);
  assert.equal(m.numBins[0], 5);
  for (let i = 0; i < 4; i++) assert.ok(!Number.isNaN(m.edges[i]));
  assert.deepEqual(Array.from(applyBins(m, X).codes), [0, 1, 2, 3, 4]);
});

test('row-major copy holds the same codes; shared codes live in a SharedArrayBuffer', () => {
  const rng = new Rng(2);
  const X = matrix(50, 3, Float64Array.from({ length: 150 }, () => Math.round(rng.normal() * 5)));
  const m = fitBins(X);
  const b = applyBins(m, X, { shared: true, rowMajor: true });
  assert.ok(b.codes.buffer instanceof SharedArrayBuffer);
  for (let r = 0; r < 50; r++) for (let f = 0; f < 3; f++) assert.equal(b.rowCodes![r * 3 + f], b.codes[f * 50 + r]);
  assert.equal(MAX_BINS, 255);
});

test('edges come from the sample rows only, when given', () => {
  const X = matrix(4, 1, Float64Array.from([0, 1, 100, 200]));
  const m = fitBins(X, { sampleRows: [0, 1] });
  assert.equal(m.numBins[0], 2);
  assert.deepEqual(Array.from(applyBins(m, X).codes), [0, 1, 1, 1]);
});
