import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { NAN_BIN, applyBins, fitBins, slotOf, type BinnedMatrix } from './binning.js';
import { HistScratch, buildClassHist, buildGradHist, histLength, subtractHist } from './histogram.js';

/** Mixed columns: continuous, mostly zero, few values with NaN. */
function data(n: number, seed: number): { bins: BinnedMatrix; g: Float64Array; h: Float64Array; y: Int32Array; w: Float64Array } {
  const rng = new Rng(seed);
  const cols = 4;
  const X = new Float64Array(n * cols);
  for (let r = 0; r < n; r++) {
    X[r * cols] = rng.normal();
    X[r * cols + 1] = rng.next() < 0.8 ? 0 : rng.int(50);
    X[r * cols + 2] = rng.next() < 0.1 ? NaN : rng.int(4);
    X[r * cols + 3] = rng.next() * 1000;
  }
  const M = matrix(n, cols, X);
  const g = Float64Array.from({ length: n }, () => rng.normal());
  const h = Float64Array.from({ length: n }, () => rng.next() + 0.01);
  const y = Int32Array.from({ length: n }, () => rng.int(3));
  const w = Float64Array.from({ length: n }, () => 1 + rng.int(3));
  return { bins: applyBins(fitBins(M, { maxBins: 64 }), M, { rowMajor: true, sparseRows: true }), g, h, y, w };
}

/** The histogram the slow, obvious way. */
function naiveGrad(bins: BinnedMatrix, rows: number[], g: Float64Array, h: Float64Array): Float64Array {
  const out = new Float64Array(histLength(bins, 2));
  for (let f = 0; f < bins.cols; f++) {
    for (const r of rows) {
      const c = bins.codes[f * bins.rows + r];
      out[slotOf(bins, f, c) * 2] += g[r];
      out[slotOf(bins, f, c) * 2 + 1] += h[r];
    }
  }
  return out;
}

function assertClose(a: Float64Array, b: Float64Array, bins: BinnedMatrix, stride: number, what: string): void {
  for (let f = 0; f < bins.cols; f++) {
    const slots = [...Array(bins.mapper.numBins[f]).keys(), NAN_BIN];
    for (const s of slots) {
      for (let j = 0; j < stride; j++) {
        const i = slotOf(bins, f, s) * stride + j;
        assert.ok(Math.abs(a[i] - b[i]) < 1e-9, `${what}: feature ${f} bin ${s} stat ${j}: ${a[i]} vs ${b[i]}`);
      }
    }
  }
}

const allFeatures = Int32Array.from([0, 1, 2, 3]);

test('gradient histogram equals the direct sums: sparse rows, row-wise, column-wise, all rows or some', () => {
  const { bins, g, h } = data(600, 1);
  assert.ok(bins.rowSlots && bins.rowSlots.length < 600 * 4, 'sparse rows leave the common bins out');
  const scratch = new HistScratch(bins.rows, bins.cols, 2);
  const some = Int32Array.from({ length: 200 }, (_, i) => i * 3);
  const layouts: [string, BinnedMatrix][] = [
    ['sparse', bins],
    ['row-wise', { ...bins, rowStart: undefined, rowSlots: undefined }],
    ['column-wise', { ...bins, rowCodes: undefined, rowStart: undefined, rowSlots: undefined }],
  ];
  for (const [idx, m] of [[Int32Array.from({ length: 600 }, (_, i) => i), 600], [some, 200]] as const) {
    const want = naiveGrad(bins, Array.from(idx.subarray(0, m)), g, h);
    for (const [name, b] of layouts) {
      const hist = new Float64Array(histLength(bins, 2)).fill(123); // stale values must be cleared
      buildGradHist(hist, b, allFeatures, 4, idx, 0, m, g, h, scratch);
      assertClose(hist, want, bins, 2, name);
    }
    // a subset of features (column sampling) cannot use the sparse rows: row-wise instead
    const two = Int32Array.from([1, 3]);
    const hist = new Float64Array(histLength(bins, 2));
    buildGradHist(hist, bins, two, 2, idx, 0, m, g, h, scratch);
    for (const f of [1, 3]) {
      for (let s = 2 * bins.slotBase[f]; s < 2 * bins.slotBase[f + 1]; s++) assert.ok(Math.abs(hist[s] - want[s]) < 1e-9);
    }
  }
});

test('histogram subtraction gives the sibling exactly as a direct build would', () => {
  const { bins, g, h, y, w } = data(500, 2);
  const scratch = new HistScratch(bins.rows, bins.cols, 4);
  const rows = Int32Array.from({ length: 500 }, (_, i) => i);
  // a parent of 500 rows split into the first 180 and the remaining 320
  const parent = new Float64Array(histLength(bins, 2));
  const small = new Float64Array(histLength(bins, 2));
  const large = new Float64Array(histLength(bins, 2));
  buildGradHist(parent, bins, allFeatures, 4, rows, 0, 500, g, h, scratch);
  buildGradHist(small, bins, allFeatures, 4, rows, 0, 180, g, h, scratch);
  buildGradHist(large, bins, allFeatures, 4, rows, 180, 500, g, h, scratch);
  subtractHist(parent, small, bins, allFeatures, 4, 2);
  assertClose(parent, large, bins, 2, 'gradient');

  const k = 3;
  const stride = k + 1;
  const cp = new Float64Array(histLength(bins, stride));
  const cs = new Float64Array(histLength(bins, stride));
  const cl = new Float64Array(histLength(bins, stride));
  buildClassHist(cp, bins, allFeatures, 4, rows, 0, 500, y, w, k, scratch, true, false);
  buildClassHist(cs, bins, allFeatures, 4, rows, 0, 180, y, w, k, scratch, true, false);
  buildClassHist(cl, bins, allFeatures, 4, rows, 180, 500, y, w, k, scratch, true, false);
  subtractHist(cp, cs, bins, allFeatures, 4, stride);
  assertClose(cp, cl, bins, stride, 'class');
});

test('class histogram: weights per class and row counts; narrow builds cover the rows used', () => {
  const { bins: b0, y, w } = data(300, 3);
  const bins = b0;
  const k = 3;
  const stride = k + 1;
  const scratch = new HistScratch(b0.rows, b0.cols, stride);
  const idx = Int32Array.from([5, 17, 40, 41, 200]);
  for (const m of [b0, { ...b0, rowCodes: undefined }]) {
    for (const countRows of [true, false]) {
      const hist = new Float64Array(histLength(bins, stride)).fill(7);
      buildClassHist(hist, m, allFeatures, 4, idx, 0, 5, y, w, k, scratch, countRows, true);
      for (let f = 0; f < 4; f++) {
        const want = new Map<number, number[]>();
        for (const r of idx) {
          const c = bins.codes[f * 300 + r];
          const v = want.get(c) ?? [0, 0, 0, 0];
          v[y[r]] += w[r];
          v[k] += 1;
          want.set(c, v);
        }
        for (const [c, v] of want) {
          for (let j = 0; j < (countRows ? k + 1 : k); j++) {
            assert.ok(Math.abs(hist[slotOf(bins, f, c) * stride + j] - v[j]) < 1e-9, `feature ${f} bin ${c} stat ${j}`);
          }
          if (c !== NAN_BIN) assert.ok(c >= scratch.lo[f] && c <= scratch.hi[f], `bin ${c} outside the scanned range of feature ${f}`);
        }
        // every value bin in the scanned range that no row uses is empty
        for (let c = scratch.lo[f]; c <= scratch.hi[f]; c++) {
          if (!want.has(c)) for (let j = 0; j < k; j++) assert.ok(Math.abs(hist[slotOf(bins, f, c) * stride + j]) < 1e-9);
        }
      }
    }
  }
});
