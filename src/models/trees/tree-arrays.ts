/**
 * Trees flattened into parallel typed arrays, one entry per node, trees stored one after another:
 * a row walks a few arrays, not a graph of objects, and a whole forest is a plain serialisable
 * value (typed arrays and numbers) that crosses worker threads and lands in a model file as is.
 *
 * A node is a leaf when feature[node] < 0. An internal node sends x to left[node] when
 * x <= threshold[node], to right[node] when x > threshold[node], and a NaN by nanLeft[node].
 * Every node (not only leaves) carries valueDims values: a class distribution in a classification
 * tree, one additive score in a boosting tree. Internal values cost little and let explanations
 * follow a row's path.
 *
 * Deliberately not here: how trees are grown (learner.ts) and what the values mean (the models).
 */
import type { Matrix } from '../../features/matrix.js';
import type { BinnedMatrix } from './binning.js';
import { NAN_BIN } from './binning.js';

export interface TreeArrays {
  /** values per node: classes for a distribution, 1 for a boosting score */
  readonly valueDims: number;
  /** index of each tree's root node; tree t spans nodes roots[t] .. roots[t+1]-1 */
  readonly roots: Int32Array;
  /** split feature, -1 for a leaf */
  readonly feature: Int32Array;
  /** real-valued split: x <= threshold goes left */
  readonly threshold: Float64Array;
  /** the same split on training bin codes: code <= bin goes left (NaN code by nanLeft) */
  readonly bin: Uint8Array;
  /** 1 when NaN goes left */
  readonly nanLeft: Uint8Array;
  /** child node indices (absolute, within these arrays) */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** valueDims values per node, at value[node * valueDims + j] */
  readonly value: Float64Array;
  /** what the split gained (impurity decrease or loss reduction), 0 at leaves: importances */
  readonly gain: Float64Array;
  /** training weight (classification) or hessian (boosting) that reached the node */
  readonly cover: Float64Array;
}

/** Grows one tree's arrays while a learner adds nodes; `finish` trims them. */
export class TreeBuilder {
  readonly valueDims: number;
  count = 0;
  feature: Int32Array;
  threshold: Float64Array;
  bin: Uint8Array;
  nanLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  gain: Float64Array;
  cover: Float64Array;

  constructor(valueDims: number, capacity = 64) {
    this.valueDims = valueDims;
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.bin = new Uint8Array(capacity);
    this.nanLeft = new Uint8Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.value = new Float64Array(capacity * valueDims);
    this.gain = new Float64Array(capacity);
    this.cover = new Float64Array(capacity);
  }

  /** Add a leaf (a node becomes internal later through `split`); returns its index. */
  addLeaf(cover: number): number {
    if (this.count === this.feature.length) this.grow();
    const i = this.count++;
    this.feature[i] = -1;
    this.cover[i] = cover;
    return i;
  }

  split(node: number, feature: number, threshold: number, bin: number, nanLeft: boolean, gain: number, left: number, right: number): void {
    this.feature[node] = feature;
    this.threshold[node] = threshold;
    this.bin[node] = bin;
    this.nanLeft[node] = nanLeft ? 1 : 0;
    this.gain[node] = gain;
    this.left[node] = left;
    this.right[node] = right;
  }

  private grow(): void {
    const cap = this.feature.length * 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.feature = g(this.feature, cap);
    this.threshold = g(this.threshold, cap);
    this.bin = g(this.bin, cap);
    this.nanLeft = g(this.nanLeft, cap);
    this.left = g(this.left, cap);
    this.right = g(this.right, cap);
    this.value = g(this.value, cap * this.valueDims);
    this.gain = g(this.gain, cap);
    this.cover = g(this.cover, cap);
  }

  finish(): TreeArrays {
    const n = this.count;
    return {
      valueDims: this.valueDims,
      roots: Int32Array.of(0),
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      bin: this.bin.slice(0, n),
      nanLeft: this.nanLeft.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      value: this.value.slice(0, n * this.valueDims),
      gain: this.gain.slice(0, n),
      cover: this.cover.slice(0, n),
    };
  }
}

export function treeCount(t: TreeArrays): number {
  return t.roots.length;
}

export function nodeCount(t: TreeArrays): number {
  return t.feature.length;
}

/** Join trees (each possibly a forest already) into one set of arrays, in order. */
export function concatTrees(parts: readonly TreeArrays[]): TreeArrays {
  if (parts.length === 0) throw new Error('concatTrees: no trees');
  const dims = parts[0].valueDims;
  let nodes = 0;
  let trees = 0;
  for (const p of parts) {
    if (p.valueDims !== dims) throw new Error('concatTrees: trees have different value sizes');
    nodes += p.feature.length;
    trees += p.roots.length;
  }
  const out = {
    valueDims: dims,
    roots: new Int32Array(trees),
    feature: new Int32Array(nodes),
    threshold: new Float64Array(nodes),
    bin: new Uint8Array(nodes),
    nanLeft: new Uint8Array(nodes),
    left: new Int32Array(nodes),
    right: new Int32Array(nodes),
    value: new Float64Array(nodes * dims),
    gain: new Float64Array(nodes),
    cover: new Float64Array(nodes),
  };
  let n0 = 0;
  let t0 = 0;
  for (const p of parts) {
    const n = p.feature.length;
    for (let t = 0; t < p.roots.length; t++) out.roots[t0 + t] = p.roots[t] + n0;
    out.feature.set(p.feature, n0);
    out.threshold.set(p.threshold, n0);
    out.bin.set(p.bin, n0);
    out.nanLeft.set(p.nanLeft, n0);
    out.value.set(p.value, n0 * dims);
    out.gain.set(p.gain, n0);
    out.cover.set(p.cover, n0);
    for (let i = 0; i < n; i++) {
      out.left[n0 + i] = p.feature[i] < 0 ? 0 : p.left[i] + n0;
      out.right[n0 + i] = p.feature[i] < 0 ? 0 : p.right[i] + n0;
    }
    n0 += n;
    t0 += p.roots.length;
  }
  return out;
}

/** The first `count` trees only (boosting keeps the rounds before early stopping's best). */
export function firstTrees(t: TreeArrays, count: number): TreeArrays {
  if (count >= t.roots.length) return t;
  const end = t.roots[count];
  const d = t.valueDims;
  return {
    valueDims: d,
    roots: t.roots.slice(0, count),
    feature: t.feature.slice(0, end),
    threshold: t.threshold.slice(0, end),
    bin: t.bin.slice(0, end),
    nanLeft: t.nanLeft.slice(0, end),
    left: t.left.slice(0, end),
    right: t.right.slice(0, end),
    value: t.value.slice(0, end * d),
    gain: t.gain.slice(0, end),
    cover: t.cover.slice(0, end),
  };
}

/** The leaf row r of X reaches in the tree rooted at `root`. */
export function leafOf(t: TreeArrays, root: number, data: Float64Array, rowStart: number): number {
  const { feature, threshold, left, right, nanLeft } = t;
  let node = root;
  let f = feature[node];
  while (f >= 0) {
    const v = data[rowStart + f];
    if (v <= threshold[node]) node = left[node];
    else if (v !== v && nanLeft[node] === 1) node = left[node];
    else node = right[node];
    f = feature[node];
  }
  return node;
}

/**
 * Add every tree's leaf values into out (rows x outCols, row-major), scaled by `scale`.
 * When the trees hold outCols values per node, each adds all of them (a forest of distributions);
 * when they hold one, tree t adds to column t % outCols (boosting: a round is one tree per class).
 */
export function addTreeOutputs(t: TreeArrays, X: Matrix, out: Float64Array, outCols: number, scale = 1): void {
  const { rows, cols, data } = X;
  const { value, roots, valueDims, feature, threshold, left, right, nanLeft } = t;
  const nTrees = roots.length;
  if (valueDims !== outCols && valueDims !== 1) throw new Error('addTreeOutputs: value size does not match output');
  // a block of rows walks one tree at a time, so the tree's nodes stay in cache while the rows
  // go through it (row by row through a whole forest would re-read every tree for every row)
  const BLOCK = 256;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = Math.min(rows, r0 + BLOCK);
    for (let k = 0; k < nTrees; k++) {
      const root = roots[k];
      const col = valueDims === 1 ? k % outCols : 0;
      for (let r = r0; r < r1; r++) {
        const rs = r * cols;
        let node = root;
        let f = feature[node];
        while (f >= 0) {
          const v = data[rs + f];
          if (v <= threshold[node]) node = left[node];
          else if (v !== v && nanLeft[node] === 1) node = left[node];
          else node = right[node];
          f = feature[node];
        }
        const os = r * outCols;
        if (valueDims === 1) out[os + col] += scale * value[node];
        else {
          const leaf = node * valueDims;
          for (let j = 0; j < valueDims; j++) out[os + j] += scale * value[leaf + j];
        }
      }
    }
  }
}

/** The leaf of binned row r in the tree rooted at `root`, by bin codes (training data only). */
export function leafOfBinned(t: TreeArrays, root: number, bins: BinnedMatrix, r: number): number {
  const { feature, bin, left, right, nanLeft } = t;
  // row-major codes, when there, keep a row's walk within one cache line
  const codes = bins.rowCodes ?? bins.codes;
  const step = bins.rowCodes ? 1 : bins.rows;
  const start = bins.rowCodes ? r * bins.cols : r;
  let node = root;
  let f = feature[node];
  while (f >= 0) {
    const c = codes[start + f * step];
    if (c === NAN_BIN) node = nanLeft[node] === 1 ? left[node] : right[node];
    else node = c <= bin[node] ? left[node] : right[node];
    f = feature[node];
  }
  return node;
}

/**
 * Split gain summed per feature over all trees and normalised to sum to 1 (all zeros when no tree
 * ever split): scikit-learn's impurity importances, LightGBM's "gain" importances.
 */
export function gainImportances(t: TreeArrays, cols: number): Float64Array {
  const imp = new Float64Array(cols);
  let total = 0;
  for (let i = 0; i < t.feature.length; i++) {
    const f = t.feature[i];
    if (f >= 0) {
      imp[f] += t.gain[i];
      total += t.gain[i];
    }
  }
  if (total > 0) for (let f = 0; f < cols; f++) imp[f] /= total;
  return imp;
}
