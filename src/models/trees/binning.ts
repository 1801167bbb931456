/**
 * Quantile binning, done once per fit: every feature becomes small integer codes (at most 255
 * value bins, plus one code for NaN), the way LightGBM's BinMapper does it. Histograms over these
 * codes replace sorting at every node, which is what makes the tree learners fast.
 *
 * Bin edges are midpoints between neighbouring distinct training values, so a split "code <= b"
 * is exactly the real-valued test "x <= edges[b]" on every training value. Trees therefore store
 * real thresholds, and prediction works on raw matrices with no binning at all.
 *
 * Codes are column-major (feature f of row r at codes[f * rows + r]): a histogram pass reads one
 * feature's column forward, and a row partition reads one column. When asked, the codes live in a
 * SharedArrayBuffer so worker threads read them without a copy.
 *
 * Deliberately not here: categorical splits (categories arrive as ordinal codes or one-hot columns
 * from the pipeline) and per-node re-binning.
 */
import type { Matrix } from '../../features/matrix.js';

/** Most value bins per feature; the code 255 is kept for NaN. */
export const MAX_BINS = 255;
/** The code of a missing (NaN) value, in every feature. */
export const NAN_BIN = 255;
/** Most codes per feature: 255 value bins + the NaN bin. */
export const BIN_SLOTS = 256;

/** Bin edges of every feature: plain, serialisable. */
export interface BinMapper {
  readonly cols: number;
  /** value bins per feature, 1..MAX_BINS (a constant or all-NaN feature has 1) */
  readonly numBins: Int32Array;
  /**
   * upper edges, MAX_BINS slots per feature: a value x has code b when
   * edges[f*MAX_BINS + b-1] < x <= edges[f*MAX_BINS + b] (first and last bins open-ended)
   */
  readonly edges: Float64Array;
}

/** A matrix as bin codes, with the mapper that made them. */
export interface BinnedMatrix {
  readonly rows: number;
  readonly cols: number;
  /** column-major: the code of (r, f) at codes[f * rows + r] */
  readonly codes: Uint8Array;
  readonly mapper: BinMapper;
  /** 1 where the feature has at least one NaN among these rows */
  readonly hasNaN: Uint8Array;
  /**
   * the most frequent code of each feature among these rows: histogram builds skip rows in it and
   * recover its sums by subtraction from the node's totals (LightGBM's most_freq_bin), a large
   * saving on the many mostly-zero columns of flow data
   */
  readonly commonBin: Uint8Array;
  /**
   * where each feature's histogram slots start: feature f owns slots slotBase[f] ..
   * slotBase[f+1] - 1, one per value bin then one for NaN (slotOf). Packed this way a histogram over
   * one-hot columns (2 bins each) is a few slots per column instead of 256, so a wide matrix's
   * histogram stays in cache while rows scatter into it (length cols + 1; the last entry is the total)
   */
  readonly slotBase: Int32Array;
  /**
   * the same codes row-major (r, f at rowCodes[r * cols + f]), when asked for: a histogram over
   * all or most features then reads each row's codes together and its gradients once, about twice
   * as fast as column by column (LightGBM's row-wise mode). Absent, histograms go column-wise.
   */
  readonly rowCodes?: Uint8Array;
  /**
   * each row's codes that are NOT its feature's common bin, as histogram slots slotOf(f, code) (row r's at rowSlots[rowStart[r] .. rowStart[r+1]]), when asked for. On flow data three
   * quarters of all cells sit in their column's common bin, so a histogram over every feature
   * reads a quarter of the cells (LightGBM's sparse multi-value bins).
   */
  readonly rowStart?: Int32Array;
  readonly rowSlots?: Int32Array;
}

export interface BinningOptions {
  /** value bins per feature, 2..255 (default 255) */
  maxBins?: number;
  /**
   * rows whose values choose the edges (default: all). Large inputs pass a sample, as LightGBM's
   * bin_construct_sample_cnt does; quantiles of 200,000 rows are as good as those of all of them.
   */
  sampleRows?: ArrayLike<number>;
}

/** Columns with at most this many distinct values skip the sort. */
const FEW = 16;

/** Choose the bin edges of every feature of X. */
export function fitBins(X: Matrix, options: BinningOptions = {}): BinMapper {
  const maxBins = Math.max(2, Math.min(MAX_BINS, Math.floor(options.maxBins ?? MAX_BINS)));
  const { rows, cols, data } = X;
  const sample = options.sampleRows;
  const m = sample ? sample.length : rows;
  const numBins = new Int32Array(cols);
  const edges = new Float64Array(cols * MAX_BINS).fill(Infinity);
  const values = new Float64Array(m);
  const distinct = new Float64Array(m);
  const counts = new Int32Array(m);
  const fewValues = new Float64Array(FEW);
  const fewCounts = new Int32Array(FEW);
  for (let f = 0; f < cols; f++) {
    let k = 0;
    // most flow columns are flags or small counts: keep their distinct values on the way, and
    // sort only those (a one-hot column costs one pass instead of a sort of every row)
    let nf = 0;
    for (let i = 0; i < m; i++) {
      const v = data[(sample ? sample[i] : i) * cols + f];
      if (v !== v) continue;
      values[k++] = v;
      if (nf <= FEW) {
        let j = 0;
        while (j < nf && fewValues[j] !== v) j++;
        if (j < nf) fewCounts[j]++;
        else if (nf < FEW) {
          fewValues[nf] = v;
          fewCounts[nf++] = 1;
        } else nf = FEW + 1;
      }
    }
    let nd = 0;
    if (nf <= FEW) {
      const order = Array.from({ length: nf }, (_, j) => j).sort((a, b) => fewValues[a] - fewValues[b]);
      for (const j of order) {
        distinct[nd] = fewValues[j];
        counts[nd++] = fewCounts[j];
      }
      numBins[f] = chooseEdges(distinct, counts, nd, k, maxBins, edges, f * MAX_BINS);
      continue;
    }
    const sorted = values.subarray(0, k).sort();
    // distinct values and how often each occurs
    for (let i = 0; i < k; i++) {
      if (nd > 0 && sorted[i] === distinct[nd - 1]) counts[nd - 1]++;
      else {
        distinct[nd] = sorted[i];
        counts[nd] = 1;
        nd++;
      }
    }
    numBins[f] = chooseEdges(distinct, counts, nd, k, maxBins, edges, f * MAX_BINS);
  }
  return { cols, numBins, edges };
}

/**
 * Cut sorted distinct values into at most maxBins bins of about equal row counts; a value heavier
 * than a bin's share gets a bin of its own (NSL-KDD's many zeros). Returns the number of bins.
 */
function chooseEdges(
  distinct: Float64Array,
  counts: Int32Array,
  nd: number,
  total: number,
  maxBins: number,
  edges: Float64Array,
  off: number,
): number {
  if (nd <= 1) return 1;
  if (nd <= maxBins) {
    for (let i = 0; i + 1 < nd; i++) edges[off + i] = midpoint(distinct[i], distinct[i + 1]);
    return nd;
  }
  let bins = 0;
  let remainingRows = total;
  let remainingBins = maxBins;
  let inBin = 0;
  for (let i = 0; i + 1 < nd && remainingBins > 1; i++) {
    inBin += counts[i];
    const share = remainingRows / remainingBins;
    if (inBin >= share || counts[i + 1] >= share) {
      edges[off + bins++] = midpoint(distinct[i], distinct[i + 1]);
      remainingRows -= inBin;
      remainingBins--;
      inBin = 0;
    }
  }
  return bins + 1;
}

/** A cut strictly between a and b (a < b) that keeps a on the left: x <= cut exactly for x <= a. */
function midpoint(a: number, b: number): number {
  const m = a / 2 + b / 2;
  return m >= a && m < b ? m : a;
}

/**
 * The code of value v in feature f: the first bin whose upper edge is >= v (binary search over the
 * feature's edges), NAN_BIN for NaN.
 */
export function binOf(mapper: BinMapper, f: number, v: number): number {
  if (v !== v) return NAN_BIN;
  const edges = mapper.edges;
  const off = f * MAX_BINS;
  let lo = 0;
  let hi = mapper.numBins[f] - 1; // the last bin has no upper edge
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[off + mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface ApplyBinsOptions {
  /** codes in SharedArrayBuffers, for worker threads */
  shared?: boolean;
  /** also keep a row-major copy of the codes (BinnedMatrix.rowCodes) */
  rowMajor?: boolean;
  /** also keep the sparse rows (BinnedMatrix.rowStart / rowSlots) */
  sparseRows?: boolean;
}

/** Code every value of X with the mapper. */
export function applyBins(mapper: BinMapper, X: Matrix, options: ApplyBinsOptions = {}): BinnedMatrix {
  const { rows, cols, data } = X;
  if (cols !== mapper.cols) throw new Error(`applyBins: matrix has ${cols} columns, bins were fitted on ${mapper.cols}`);
  const bytes = (): Uint8Array => (options.shared ? new Uint8Array(new SharedArrayBuffer(rows * cols)) : new Uint8Array(rows * cols));
  const codes = bytes();
  const hasNaN = new Uint8Array(cols);
  const commonBin = new Uint8Array(cols);
  const counts = new Int32Array(256);
  const { edges, numBins } = mapper;
  for (let f = 0; f < cols; f++) {
    const off = f * MAX_BINS;
    const last = numBins[f] - 1;
    const base = f * rows;
    let nan = 0;
    for (let r = 0; r < rows; r++) {
      const v = data[r * cols + f];
      if (v !== v) {
        codes[base + r] = NAN_BIN;
        nan = 1;
        continue;
      }
      let lo = 0;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (v <= edges[off + mid]) hi = mid;
        else lo = mid + 1;
      }
      codes[base + r] = lo;
    }
    hasNaN[f] = nan;
    counts.fill(0);
    for (let r = 0; r < rows; r++) counts[codes[base + r]]++;
    let best = 0;
    for (let c = 1; c < 256; c++) if (counts[c] > counts[best]) best = c;
    commonBin[f] = best;
  }
  const slotBase = slotBases(mapper);
  if (!options.rowMajor && !options.sparseRows) return { rows, cols, codes, mapper, hasNaN, commonBin, slotBase };
  const rowCodes = bytes();
  let nnz = 0;
  for (let f = 0; f < cols; f++) {
    const base = f * rows;
    const common = commonBin[f];
    for (let r = 0; r < rows; r++) {
      const c = codes[base + r];
      rowCodes[r * cols + f] = c;
      if (c !== common) nnz++;
    }
  }
  if (!options.sparseRows) return { rows, cols, codes, mapper, hasNaN, commonBin, slotBase, rowCodes };
  const ints = (len: number): Int32Array => (options.shared ? new Int32Array(new SharedArrayBuffer(len * 4)) : new Int32Array(len));
  const rowStart = ints(rows + 1);
  const rowSlots = ints(nnz);
  let e = 0;
  for (let r = 0; r < rows; r++) {
    rowStart[r] = e;
    const rb = r * cols;
    for (let f = 0; f < cols; f++) {
      const c = rowCodes[rb + f];
      if (c !== commonBin[f]) rowSlots[e++] = c === NAN_BIN ? slotBase[f + 1] - 1 : slotBase[f] + c;
    }
  }
  rowStart[rows] = e;
  return { rows, cols, codes, mapper, hasNaN, commonBin, slotBase, rowCodes: options.rowMajor ? rowCodes : undefined, rowStart, rowSlots };
}

/** Slot starts of a mapper's features (BinnedMatrix.slotBase). */
export function slotBases(mapper: BinMapper): Int32Array {
  const base = new Int32Array(mapper.cols + 1);
  for (let f = 0; f < mapper.cols; f++) base[f + 1] = base[f] + mapper.numBins[f] + 1;
  return base;
}

/** The histogram slot of code c of feature f (the NaN code has the feature's last slot). */
export function slotOf(bins: BinnedMatrix, f: number, c: number): number {
  return c === NAN_BIN ? bins.slotBase[f + 1] - 1 : bins.slotBase[f] + c;
}

/**
 * The real threshold of the split "code <= bin" in feature f. For the last value bin (a split that
 * sends every value left and only NaN right) it is +Infinity.
 */
export function binThreshold(mapper: BinMapper, f: number, bin: number): number {
  return bin >= mapper.numBins[f] - 1 ? Infinity : mapper.edges[f * MAX_BINS + bin];
}
