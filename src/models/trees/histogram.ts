/**
 * Histograms of a node's rows over bin codes, in flat Float64Arrays: the one pass over data a
 * split search needs. Slot (f, b) holds `stride` statistics at hist[slotOf(f, b) * stride], where
 * each feature owns one slot per value bin and one for NaN, packed (binning.ts, slotBase): a
 * one-hot column takes 3 slots rather than 256, which keeps a wide matrix's histogram (150+
 * columns, mostly one-hot) small enough to stay in cache while rows scatter into it:
 *
 *   gradient histograms (boosting):       [sum of gradients, sum of hessians]          stride 2
 *   class histograms (CART and forests):  [weight of class 0 .. K-1, number of rows]   stride K+1
 *
 * A child's histogram is its parent's minus its sibling's, so a learner builds only the smaller
 * child and subtracts (LightGBM's trick: at most half the rows are read per level).
 *
 * Only the slots a feature can use are touched (its value bins and the NaN slot), so a histogram
 * over few-valued features costs little to clear. Rows in a feature's most frequent bin are never
 * added: that bin's sums are the node's totals minus the other bins (LightGBM's most_freq_bin;
 * three quarters of NSL-KDD's cells sit in such a bin). Three read orders, fastest first:
 *
 *   sparse rows   gradients, every feature: each row's cells outside the common bins
 *   row-wise      gradients, some features: each row's codes together, its gradients read once
 *   column-wise   classes (forests), or no row-major copy: each column forward over the node's
 *                 ascending rows (for a forest node's few drawn features this measured faster
 *                 than row-major)
 *
 * The node's gradients or classes are gathered once into scratch arrays first.
 *
 * Deliberately not here: choosing splits (split.ts) and which rows belong to a node (partition.ts).
 */
import { BIN_SLOTS, NAN_BIN, type BinnedMatrix } from './binning.js';

/** Scratch arrays a histogram build gathers into, sized for the largest node (all rows). */
export class HistScratch {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Int32Array;
  /**
   * Per feature, the lowest and highest value bin a narrow build (below) found in the node; a
   * split search reads only that range. Full range after any other build.
   */
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** a node's totals per class (class histograms) */
  readonly tot: Float64Array;
  /** per drawn feature: histogram offset and skipped (common) code, for class builds */
  readonly fBase: Int32Array;
  readonly fSkip: Int32Array;
  constructor(rows: number, cols: number, stride: number) {
    this.a = new Float64Array(rows);
    this.b = new Float64Array(rows);
    this.c = new Int32Array(rows);
    this.lo = new Int32Array(cols);
    this.hi = new Int32Array(cols);
    this.tot = new Float64Array(stride);
    this.fBase = new Int32Array(cols);
    this.fSkip = new Int32Array(cols);
    this.side = new Float64Array(BIN_SLOTS * stride);
  }
  /** a second histogram of one feature: large class builds alternate rows between it and the main one */
  readonly side: Float64Array;
}

/** Nodes with at least this many rows accumulate class histograms in two halves (buildClassHist). */
const SPLIT_ACCUMULATION_ROWS = 2048;

/** Length of a histogram over every feature of `bins`. */
export function histLength(bins: BinnedMatrix, stride: number): number {
  return bins.slotBase[bins.cols] * stride;
}

/** Zero the slots of the given features (value bins and NaN slot). */
export function clearHist(hist: Float64Array, bins: BinnedMatrix, feats: Int32Array, nFeats: number, stride: number): void {
  const slotBase = bins.slotBase;
  if (nFeats === bins.cols) {
    hist.fill(0, 0, slotBase[bins.cols] * stride);
    return;
  }
  for (let j = 0; j < nFeats; j++) {
    const f = feats[j];
    hist.fill(0, slotBase[f] * stride, slotBase[f + 1] * stride);
  }
}

/**
 * Gradient histogram of rows idx[start..end) over the given features: g and h are per-row
 * gradients and hessians (already multiplied by sample weights).
 */
export function buildGradHist(
  hist: Float64Array,
  bins: BinnedMatrix,
  feats: Int32Array,
  nFeats: number,
  idx: Int32Array,
  start: number,
  end: number,
  g: Float64Array,
  h: Float64Array,
  scratch: HistScratch,
): void {
  clearHist(hist, bins, feats, nFeats, 2);
  const m = end - start;
  const og = scratch.a;
  const oh = scratch.b;
  let G = 0;
  let H = 0;
  for (let i = 0; i < m; i++) {
    const r = idx[start + i];
    const gi = g[r];
    const hi = h[r];
    og[i] = gi;
    oh[i] = hi;
    G += gi;
    H += hi;
  }
  const { codes, rows, cols, commonBin, rowCodes, rowStart, rowSlots, slotBase } = bins;
  const numBins = bins.mapper.numBins;
  // rows in a feature's most frequent bin are not added: their sums are what is left over
  const sparse = rowStart !== undefined && rowSlots !== undefined && nFeats === cols;
  if (sparse) {
    // every feature: walk each row's cells outside the common bins
    for (let i = 0; i < m; i++) {
      const gi = og[i];
      const hi = oh[i];
      const r = idx[start + i];
      const end = rowStart[r + 1];
      for (let e = rowStart[r]; e < end; e++) {
        const s = rowSlots[e] << 1;
        hist[s] += gi;
        hist[s + 1] += hi;
      }
    }
  } else if (rowCodes) {
    for (let i = 0; i < m; i++) {
      const gi = og[i];
      const hi = oh[i];
      const rb = idx[start + i] * cols;
      for (let j = 0; j < nFeats; j++) {
        const f = feats[j];
        const c = rowCodes[rb + f];
        if (c !== commonBin[f]) {
          const s = (c === NAN_BIN ? slotBase[f + 1] - 1 : slotBase[f] + c) << 1;
          hist[s] += gi;
          hist[s + 1] += hi;
        }
      }
    }
  }
  for (let j = 0; j < nFeats; j++) {
    const f = feats[j];
    const base = slotBase[f] * 2;
    const nb = numBins[f];
    const nan = base + 2 * nb;
    const skip = commonBin[f];
    if (!rowCodes && !sparse) {
      const col = f * rows;
      for (let i = 0; i < m; i++) {
        const c = codes[col + idx[start + i]];
        if (c !== skip) {
          const s = c === NAN_BIN ? nan : base + (c << 1);
          hist[s] += og[i];
          hist[s + 1] += oh[i];
        }
      }
    }
    let sg = 0;
    let sh = 0;
    for (let b = 0; b < nb; b++) {
      sg += hist[base + 2 * b];
      sh += hist[base + 2 * b + 1];
    }
    sg += hist[nan];
    sh += hist[nan + 1];
    const sk = skip === NAN_BIN ? nan : base + 2 * skip;
    hist[sk] = G - sg;
    hist[sk + 1] = H - sh;
  }
}

/**
 * Class histogram of rows idx[start..end): per slot the weight of each of the k classes, then the
 * number of rows (only when `countRows`: with min_samples_leaf 1 a bin's weight already says
 * whether it is empty, and skipping the count saves a third of the writes). Rows with weight 0
 * must not be in idx (a bootstrap leaves them out).
 *
 * `narrow` (for histograms that are never subtracted from, as in forests): a small node's rows
 * cover few of a feature's bins, so the bins actually used are found first, and only those are
 * cleared here and scanned by the split search (scratch.lo / scratch.hi). Deep forest nodes hold
 * a handful of rows, and clearing and scanning 255 bins for them would cost more than the rows.
 */
export function buildClassHist(
  hist: Float64Array,
  bins: BinnedMatrix,
  feats: Int32Array,
  nFeats: number,
  idx: Int32Array,
  start: number,
  end: number,
  y: Int32Array,
  w: Float64Array,
  k: number,
  scratch: HistScratch,
  countRows: boolean,
  narrow: boolean,
): void {
  const stride = k + 1;
  const m = end - start;
  const ow = scratch.a;
  const oy = scratch.c;
  const tot = scratch.tot;
  tot.fill(0);
  for (let i = 0; i < m; i++) {
    const r = idx[start + i];
    const wi = w[r];
    const yi = y[r];
    ow[i] = wi;
    oy[i] = yi;
    tot[yi] += wi;
  }
  tot[k] = m;
  const { codes, rows, commonBin, slotBase } = bins;
  const numBins = bins.mapper.numBins;
  const { lo, hi, fBase, fSkip } = scratch;
  // 1. the bin range each feature's rows use (narrow builds of small nodes), and clearing it
  let small = false;
  for (let j = 0; j < nFeats; j++) {
    const f = feats[j];
    lo[f] = 0;
    hi[f] = numBins[f] - 1;
    if (narrow && m < 2 * numBins[f]) {
      small = true;
      lo[f] = NAN_BIN;
      hi[f] = 0;
    }
  }
  if (small) {
    for (let j = 0; j < nFeats; j++) {
      const f = feats[j];
      if (!(m < 2 * numBins[f])) continue;
      const col = f * rows;
      for (let i = start; i < end; i++) {
        const c = codes[col + idx[i]];
        if (c !== NAN_BIN) {
          if (c < lo[f]) lo[f] = c;
          if (c > hi[f]) hi[f] = c;
        }
      }
    }
  }
  for (let j = 0; j < nFeats; j++) {
    const f = feats[j];
    if (lo[f] > hi[f]) lo[f] = hi[f]; // only NaN rows
    const base = slotBase[f] * stride;
    const nan = base + numBins[f] * stride;
    hist.fill(0, base + lo[f] * stride, base + (hi[f] + 1) * stride);
    hist.fill(0, nan, nan + stride);
    // rows in the feature's most frequent bin are not added: their sums are what is left over
    // (only when that bin is in the range scanned; otherwise no row of the node is in it)
    const cb = commonBin[f];
    fSkip[j] = cb === NAN_BIN || (cb >= lo[f] && cb <= hi[f]) ? cb : -1;
    fBase[j] = base;
  }
  // 2. accumulate, column by column: a forest node reads a few of its rows' columns (row-major
  // codes were tried here and measured slower on NSL-KDD)
  for (let j = 0; j < nFeats; j++) {
    const col = feats[j] * rows;
    const base = fBase[j];
    const skip = fSkip[j];
    // the NaN code's slot follows the feature's value bins (rows of a feature without NaN never go there)
    const nanShift = (numBins[feats[j]] - NAN_BIN) * stride;
    if (countRows) {
      for (let i = 0; i < m; i++) {
        const c = codes[col + idx[start + i]];
        if (c !== skip) {
          const s = base + c * stride + (c === NAN_BIN ? nanShift : 0);
          hist[s + oy[i]] += ow[i];
          hist[s + k] += 1;
        }
      }
    } else if (m >= SPLIT_ACCUMULATION_ROWS) {
      // neighbouring rows often share a bin, and each add must wait for the one before it to
      // the same slot; two histograms (odd rows into `side`) halve those waits
      const side = scratch.side;
      const last = m - 1;
      for (let i = 0; i < last; i += 2) {
        const c0 = codes[col + idx[start + i]];
        const c1 = codes[col + idx[start + i + 1]];
        if (c0 !== skip) hist[base + c0 * stride + (c0 === NAN_BIN ? nanShift : 0) + oy[i]] += ow[i];
        if (c1 !== skip) side[c1 * stride + oy[i + 1]] += ow[i + 1];
      }
      if (m & 1) {
        const c = codes[col + idx[start + last]];
        if (c !== skip) hist[base + c * stride + (c === NAN_BIN ? nanShift : 0) + oy[last]] += ow[last];
      }
      const f = feats[j];
      const from = lo[f] * stride;
      const to = (hi[f] + 1) * stride;
      for (let t = from; t < to; t++) {
        hist[base + t] += side[t];
        side[t] = 0;
      }
      const nan = NAN_BIN * stride;
      for (let t = nan; t < nan + stride; t++) {
        hist[base + t + nanShift] += side[t];
        side[t] = 0;
      }
    } else {
      for (let i = 0; i < m; i++) {
        const c = codes[col + idx[start + i]];
        if (c !== skip) hist[base + c * stride + (c === NAN_BIN ? nanShift : 0) + oy[i]] += ow[i];
      }
    }
  }
  // 3. the common bins: node totals minus every other bin
  const last = countRows ? k : k - 1;
  for (let j = 0; j < nFeats; j++) {
    const skip = fSkip[j];
    if (skip < 0) continue;
    const f = feats[j];
    const base = fBase[j];
    const nan = base + numBins[f] * stride;
    const sk = skip === NAN_BIN ? nan : base + skip * stride;
    for (let jj = 0; jj <= last; jj++) {
      let sum = 0;
      for (let s = base + lo[f] * stride + jj; s <= base + hi[f] * stride + jj; s += stride) sum += hist[s];
      sum += hist[nan + jj];
      hist[sk + jj] = tot[jj] - sum;
    }
  }
}

/** parent := parent - child over the given features' slots (parent becomes the sibling). */
export function subtractHist(
  parent: Float64Array,
  child: Float64Array,
  bins: BinnedMatrix,
  feats: Int32Array,
  nFeats: number,
  stride: number,
): void {
  const slotBase = bins.slotBase;
  if (nFeats === bins.cols) {
    const end = slotBase[bins.cols] * stride;
    for (let s = 0; s < end; s++) parent[s] -= child[s];
    return;
  }
  for (let j = 0; j < nFeats; j++) {
    const f = feats[j];
    const end = slotBase[f + 1] * stride;
    for (let s = slotBase[f] * stride; s < end; s++) parent[s] -= child[s];
  }
}
