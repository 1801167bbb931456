/**
 * The best split of a node, read off its histogram: one scan over each feature's bins with running
 * left-hand sums, trying NaN on each side when the feature has NaN. The result is a `SplitInfo`
 * (LightGBM's name): feature, bin, where NaN goes, the gain, and the left child's statistics (the
 * right child's are the parent's minus those), so children need no second pass over rows.
 *
 *   boosting: gain = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ), each side's hessian at least
 *             min_child_weight (XGBoost's structure score, without its factor ½).
 *   CART:     gain = weighted impurity decrease W·i(P) − WL·i(L) − WR·i(R) with Gini or entropy,
 *             each side at least min_samples_leaf rows (scikit-learn's criterion).
 *
 * Ties keep the first split found, in feature order then bin order, so results never depend on
 * anything but the data. Bins no row of the node fell into are skipped: they repeat a split.
 *
 * Deliberately not here: categorical (many-way) splits, monotone constraints.
 */
import type { BinnedMatrix } from './binning.js';

export class SplitInfo {
  /** split feature, -1 when the node has no valid split */
  feature = -1;
  /** left child takes codes <= bin */
  bin = 0;
  nanLeft = false;
  gain = 0;
  /** statistics of the left child, in the histogram's layout */
  readonly left: Float64Array;

  constructor(stride: number) {
    this.left = new Float64Array(stride);
  }

  reset(): void {
    this.feature = -1;
    this.bin = 0;
    this.nanLeft = false;
    this.gain = 0;
  }
}

export interface GradSplitParams {
  readonly lambda: number;
  readonly minChildWeight: number;
  /** a split must gain more than this */
  readonly minGain: number;
}

/**
 * Best gradient split over the given features. `G` and `H` are the node's sums. Leaves
 * out.feature = -1 when nothing gains more than params.minGain.
 */
export function findGradSplit(
  hist: Float64Array,
  bins: BinnedMatrix,
  feats: Int32Array,
  nFeats: number,
  G: number,
  H: number,
  params: GradSplitParams,
  out: SplitInfo,
): void {
  out.reset();
  const { lambda, minChildWeight } = params;
  const numBins = bins.mapper.numBins;
  const hasNaN = bins.hasNaN;
  const parent = (G * G) / (H + lambda);
  let best = params.minGain;
  let bestGL = 0;
  let bestHL = 0;
  for (let j = 0; j < nFeats; j++) {
    const f = feats[j];
    const base = bins.slotBase[f] * 2;
    const nb = numBins[f];
    const withNaN = hasNaN[f] === 1;
    const nG = withNaN ? hist[base + nb * 2] : 0;
    const nH = withNaN ? hist[base + nb * 2 + 1] : 0;
    const last = withNaN && nH > 0 ? nb - 1 : nb - 2;
    let GL = 0;
    let HL = 0;
    for (let b = 0; b <= last; b++) {
      const hb = hist[base + 2 * b + 1];
      const gb = hist[base + 2 * b];
      if (hb === 0 && gb === 0) continue;
      GL += gb;
      HL += hb;
      // NaN (if any) goes right
      let HR = H - HL;
      if (HL >= minChildWeight && HR >= minChildWeight) {
        const GR = G - GL;
        const gain = (GL * GL) / (HL + lambda) + (GR * GR) / (HR + lambda) - parent;
        if (gain > best) {
          best = gain;
          out.feature = f;
          out.bin = b;
          out.nanLeft = false;
          bestGL = GL;
          bestHL = HL;
        }
      }
      if (nH > 0 && b < nb - 1) {
        // NaN goes left
        const GL2 = GL + nG;
        const HL2 = HL + nH;
        HR = H - HL2;
        if (HL2 >= minChildWeight && HR >= minChildWeight) {
          const GR = G - GL2;
          const gain = (GL2 * GL2) / (HL2 + lambda) + (GR * GR) / (HR + lambda) - parent;
          if (gain > best) {
            best = gain;
            out.feature = f;
            out.bin = b;
            out.nanLeft = true;
            bestGL = GL2;
            bestHL = HL2;
          }
        }
      }
    }
  }
  if (out.feature >= 0) {
    out.gain = best;
    out.left[0] = bestGL;
    out.left[1] = bestHL;
  }
}

export type ImpurityCriterion = 'gini' | 'entropy';

/**
 * -W·impurity, up to a term that cancels between parent and children: for Gini Σc²/W, for entropy
 * Σ c·ln c − W·ln W. A split's impurity decrease is quality(L) + quality(R) − quality(P).
 */
function quality(c: Float64Array, off: number, k: number, W: number, entropy: boolean): number {
  if (W <= 0) return 0;
  let s = 0;
  if (entropy) {
    for (let j = 0; j < k; j++) {
      const v = c[off + j];
      if (v > 0) s += v * Math.log(v);
    }
    return s - W * Math.log(W);
  }
  for (let j = 0; j < k; j++) {
    const v = c[off + j];
    s += v * v;
  }
  return s / W;
}

/**
 * Best impurity split over the given features, scanning bins lo[f]..hi[f] of each (the bins the
 * node's rows can be in). `total` holds the node's class weights and row count (stride k+1).
 * Without `countRows` the histogram has no row counts (min_samples_leaf is 1), and a side is empty
 * when it has no weight. Scratch arrays are passed in so the scan allocates nothing.
 */
export function findClassSplit(
  hist: Float64Array,
  bins: BinnedMatrix,
  feats: Int32Array,
  nFeats: number,
  k: number,
  total: Float64Array,
  criterion: ImpurityCriterion,
  minSamplesLeaf: number,
  countRows: boolean,
  lo: Int32Array,
  hi: Int32Array,
  out: SplitInfo,
  cumL: Float64Array,
  tmp: Float64Array,
): void {
  out.reset();
  const stride = k + 1;
  const entropy = criterion === 'entropy';
  const hasNaN = bins.hasNaN;
  let W = 0;
  for (let j = 0; j < k; j++) W += total[j];
  const N = total[k];
  // weights below this are what histogram subtraction leaves of an empty side
  const tiny = 1e-12 * W;
  const parent = quality(total, 0, k, W, entropy);
  // improvements below this are rounding noise: a split must really separate something
  let best = tiny;
  let found = false;
  for (let jf = 0; jf < nFeats; jf++) {
    const f = feats[jf];
    const base = bins.slotBase[f] * stride;
    const nanBase = base + bins.mapper.numBins[f] * stride;
    let nanW = 0;
    if (hasNaN[f] === 1) for (let j = 0; j < k; j++) nanW += hist[nanBase + j];
    const nanN = countRows ? (hasNaN[f] === 1 ? hist[nanBase + k] : 0) : nanW > tiny ? 1 : 0;
    const hiF = hi[f];
    const last = nanN > 0 ? hiF : hiF - 1;
    cumL.fill(0);
    let WL = 0;
    for (let b = lo[f]; b <= last; b++) {
      const s = base + b * stride;
      let wB = 0;
      for (let j = 0; j < k; j++) wB += hist[s + j];
      if (countRows ? hist[s + k] === 0 : wB <= 0) continue;
      for (let j = 0; j < k; j++) cumL[j] += hist[s + j];
      WL += wB;
      cumL[k] += hist[s + k];
      // NaN (if any) goes right
      let okL = countRows ? cumL[k] >= minSamplesLeaf : WL > tiny;
      let okR = countRows ? N - cumL[k] >= minSamplesLeaf : W - WL > tiny;
      if (okL && okR) {
        for (let j = 0; j < k; j++) tmp[j] = total[j] - cumL[j];
        const gain = quality(cumL, 0, k, WL, entropy) + quality(tmp, 0, k, W - WL, entropy) - parent;
        if (gain > best) {
          best = gain;
          found = true;
          out.feature = f;
          out.bin = b;
          out.nanLeft = false;
          out.left.set(cumL);
        }
      }
      if (nanN > 0 && b < hiF) {
        // NaN goes left
        const nL = cumL[k] + (countRows ? nanN : 0);
        okL = countRows ? nL >= minSamplesLeaf : true;
        okR = countRows ? N - nL >= minSamplesLeaf : W - WL - nanW > tiny;
        if (okL && okR) {
          for (let j = 0; j < k; j++) tmp[j] = cumL[j] + hist[nanBase + j];
          const qL = quality(tmp, 0, k, WL + nanW, entropy);
          for (let j = 0; j < k; j++) tmp[j] = total[j] - tmp[j];
          const gain = qL + quality(tmp, 0, k, W - WL - nanW, entropy) - parent;
          if (gain > best) {
            best = gain;
            found = true;
            out.feature = f;
            out.bin = b;
            out.nanLeft = true;
            for (let j = 0; j < k; j++) out.left[j] = cumL[j] + hist[nanBase + j];
            out.left[k] = nL;
          }
        }
      }
    }
  }
  if (found) out.gain = best;
}
