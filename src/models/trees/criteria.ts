/**
 * What a tree fits, seen from the learner: the statistics a node keeps, how its histogram is built,
 * how a split is chosen and what value the node holds. Two exist:
 *
 *   GradientCriterion  boosting: per-row gradient and hessian, Newton leaf -lr·G/(H+λ)
 *   LeastSquaresCriterion  boosting the Friedman way: splits by least squares on the gradient
 *                      (row weights in the hessian's place), leaves by one Newton step
 *   ImpurityCriterion  CART and forests: weighted class counts, Gini or entropy, class distribution
 *
 * One learner (learner.ts) grows both, so the decision tree, the forest and the booster share
 * their partitioning, histogram subtraction and growth policy.
 */
import type { BinnedMatrix } from './binning.js';
import { buildClassHist, buildGradHist, type HistScratch } from './histogram.js';
import { findClassSplit, findGradSplit, type ImpurityCriterion as ImpurityName, type SplitInfo } from './split.js';

export interface Criterion {
  /** statistics per histogram slot and per node */
  readonly stride: number;
  /** values a node holds */
  readonly valueDims: number;
  /** sums of the statistics over rows idx[start..end) */
  nodeStats(idx: Int32Array, start: number, end: number, out: Float64Array): void;
  /**
   * Build the histogram of rows idx[start..end). `narrow`: the histogram will never be subtracted
   * from, so a small node may clear and scan only the bins its rows use (see histogram.ts).
   */
  buildHist(
    hist: Float64Array,
    bins: BinnedMatrix,
    feats: Int32Array,
    nFeats: number,
    idx: Int32Array,
    start: number,
    end: number,
    scratch: HistScratch,
    narrow: boolean,
  ): void;
  findSplit(
    hist: Float64Array,
    bins: BinnedMatrix,
    feats: Int32Array,
    nFeats: number,
    stats: Float64Array,
    scratch: HistScratch,
    out: SplitInfo,
  ): void;
  nodeValue(stats: Float64Array, out: Float64Array, off: number): void;
  /** when present, the node's value comes from its rows instead of its statistics */
  rowsValue?(idx: Int32Array, start: number, end: number, out: Float64Array, off: number): void;
  /** weight (or hessian) in the node */
  cover(stats: Float64Array): number;
  /** true when no split of this node can be valid or useful */
  cannotSplit(stats: Float64Array, rows: number): boolean;
}

export interface GradientParams {
  readonly lambda: number;
  readonly minChildWeight: number;
  readonly minGain: number;
  readonly learningRate: number;
}

/** Second-order boosting on one output: g and h per row, sample weights already applied. */
export class GradientCriterion implements Criterion {
  readonly stride = 2;
  readonly valueDims = 1;
  constructor(
    readonly g: Float64Array,
    readonly h: Float64Array,
    readonly params: GradientParams,
  ) {}

  nodeStats(idx: Int32Array, start: number, end: number, out: Float64Array): void {
    let G = 0;
    let H = 0;
    const { g, h } = this;
    for (let i = start; i < end; i++) {
      const r = idx[i];
      G += g[r];
      H += h[r];
    }
    out[0] = G;
    out[1] = H;
  }

  buildHist(hist: Float64Array, bins: BinnedMatrix, feats: Int32Array, nFeats: number, idx: Int32Array, start: number, end: number, scratch: HistScratch): void {
    buildGradHist(hist, bins, feats, nFeats, idx, start, end, this.g, this.h, scratch);
  }

  findSplit(hist: Float64Array, bins: BinnedMatrix, feats: Int32Array, nFeats: number, stats: Float64Array, _scratch: HistScratch, out: SplitInfo): void {
    findGradSplit(hist, bins, feats, nFeats, stats[0], stats[1], this.params, out);
  }

  nodeValue(stats: Float64Array, out: Float64Array, off: number): void {
    out[off] = (-this.params.learningRate * stats[0]) / (stats[1] + this.params.lambda);
  }

  cover(stats: Float64Array): number {
    return stats[1];
  }

  cannotSplit(stats: Float64Array, rows: number): boolean {
    return rows < 2 || stats[1] < 2 * this.params.minChildWeight;
  }
}

/**
 * Friedman's TreeBoost (scikit-learn's GradientBoostingClassifier): the tree is a least-squares
 * fit to the negative gradient, so a split's gain is G_L²/(W_L+λ) + G_R²/(W_R+λ) - G²/(W+λ) with
 * row weights W where the Newton criterion has hessians H, and only the leaf values take the
 * hessian, as one Newton step -lr·G/(H+λ) over the leaf's rows (gbdt.ts scales lr by Friedman's
 * (K-1)/K for K > 2 classes). The difference matters for rare
 * classes: their rows keep large gradients but tiny hessians, which a Newton split discounts (and
 * min_child_weight on hessians forbids isolating), while a least-squares split sees them at full
 * size. min_child_weight then bounds the weight (row count) of a child.
 */
export class LeastSquaresCriterion extends GradientCriterion {
  constructor(
    g: Float64Array,
    readonly w: Float64Array,
    readonly hTrue: Float64Array,
    params: GradientParams,
  ) {
    // statistics and histograms are over (g, w); hTrue is read for leaf values only
    super(g, w, params);
  }

  rowsValue(idx: Int32Array, start: number, end: number, out: Float64Array, off: number): void {
    let G = 0;
    let H = 0;
    const { g, hTrue } = this;
    for (let i = start; i < end; i++) {
      const r = idx[i];
      G += g[r];
      H += hTrue[r];
    }
    out[off] = (-this.params.learningRate * G) / (H + this.params.lambda);
  }
}

/** Classification by impurity: class weights per node, a class distribution per leaf. */
export class ImpurityCriterion implements Criterion {
  readonly stride: number;
  readonly valueDims: number;
  private readonly cum: Float64Array;
  private readonly tmp: Float64Array;
  /** histograms count rows only when min_samples_leaf needs them */
  private readonly countRows: boolean;
  constructor(
    readonly y: Int32Array,
    readonly w: Float64Array,
    readonly k: number,
    readonly criterion: ImpurityName,
    readonly minSamplesLeaf: number,
  ) {
    this.stride = k + 1;
    this.valueDims = k;
    this.cum = new Float64Array(k + 1);
    this.tmp = new Float64Array(k + 1);
    this.countRows = minSamplesLeaf > 1;
  }

  nodeStats(idx: Int32Array, start: number, end: number, out: Float64Array): void {
    out.fill(0);
    const { y, w, k } = this;
    for (let i = start; i < end; i++) {
      const r = idx[i];
      out[y[r]] += w[r];
    }
    out[k] = end - start;
  }

  buildHist(
    hist: Float64Array,
    bins: BinnedMatrix,
    feats: Int32Array,
    nFeats: number,
    idx: Int32Array,
    start: number,
    end: number,
    scratch: HistScratch,
    narrow: boolean,
  ): void {
    buildClassHist(hist, bins, feats, nFeats, idx, start, end, this.y, this.w, this.k, scratch, this.countRows, narrow);
  }

  findSplit(hist: Float64Array, bins: BinnedMatrix, feats: Int32Array, nFeats: number, stats: Float64Array, scratch: HistScratch, out: SplitInfo): void {
    const { k } = this;
    findClassSplit(hist, bins, feats, nFeats, k, stats, this.criterion, this.minSamplesLeaf, this.countRows, scratch.lo, scratch.hi, out, this.cum, this.tmp);
  }

  nodeValue(stats: Float64Array, out: Float64Array, off: number): void {
    const k = this.k;
    let W = 0;
    for (let j = 0; j < k; j++) W += stats[j] > 0 ? stats[j] : 0;
    for (let j = 0; j < k; j++) out[off + j] = W > 0 ? (stats[j] > 0 ? stats[j] / W : 0) : 1 / k;
  }

  cover(stats: Float64Array): number {
    let W = 0;
    for (let j = 0; j < this.k; j++) W += stats[j];
    return W;
  }

  cannotSplit(stats: Float64Array, rows: number): boolean {
    if (rows < 2 * this.minSamplesLeaf) return true;
    let W = 0;
    let max = 0;
    for (let j = 0; j < this.k; j++) {
      W += stats[j];
      if (stats[j] > max) max = stats[j];
    }
    // pure, up to the rounding that histogram subtraction leaves behind
    return max >= W * (1 - 1e-12);
  }
}
