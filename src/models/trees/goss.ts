/**
 * Gradient-based one-side sampling (GOSS, Ke et al., "LightGBM", NeurIPS 2017): a boosting tree
 * learns from the rows with the largest |gradient| (top_rate of them) plus a random other_rate of
 * the rest, whose gradients and hessians are scaled by (1 - top_rate) / other_rate so histogram
 * sums stay unbiased. Once most rows are well classified their gradients are tiny, and a tree
 * reads a third of the rows for nearly the same splits.
 *
 * Deterministic given the Rng: the threshold is an order statistic of |g| (over every row, or a
 * sample of 4096 for larger trees), ties at the threshold are all kept, and the random draw walks
 * rows in order.
 */
import { kthLargest } from '../../util/select.js';
import type { Rng } from '../../util/rng.js';

export interface GossScratch {
  g: Float64Array;
  h: Float64Array;
  /** row weights, scaled like g and h (least-squares trees split on them) */
  w: Float64Array;
  abs: Float64Array;
}

export function gossScratch(rows: number): GossScratch {
  return { g: new Float64Array(rows), h: new Float64Array(rows), w: new Float64Array(rows), abs: new Float64Array(rows) };
}

/**
 * Rows chosen from `rows` (ascending, and so is the result); their gradients and hessians (and,
 * when given, weights), scaled where sampled, are written to scratch.g / .h / .w at the row's index.
 */
export function gossRows(
  rows: Int32Array,
  g: Float64Array,
  h: Float64Array,
  topRate: number,
  otherRate: number,
  rng: Rng,
  scratch: GossScratch,
  w?: Float64Array,
): Int32Array {
  const n = rows.length;
  const { abs } = scratch;
  let threshold: number;
  if (n <= THRESHOLD_SAMPLE) {
    for (let i = 0; i < n; i++) abs[i] = Math.abs(g[rows[i]]);
    threshold = kthLargest(abs, n, Math.max(1, Math.ceil(topRate * n)));
  } else {
    // the top_rate quantile of |g| estimated on a sample: exactness does not matter here, the
    // cost of a full selection over every row of every tree does
    for (let i = 0; i < THRESHOLD_SAMPLE; i++) abs[i] = Math.abs(g[rows[rng.int(n)]]);
    threshold = kthLargest(abs, THRESHOLD_SAMPLE, Math.max(1, Math.ceil(topRate * THRESHOLD_SAMPLE)));
  }
  // the rest are kept with probability q and weigh 1/q; the gaps between kept rows are drawn
  // (geometric), so the Rng is called once per kept row rather than once per row
  const q = Math.min(1, otherRate / (1 - topRate));
  const scale = 1 / q;
  const logMiss = Math.log(1 - q);
  const gap = (): number => (q >= 1 ? 0 : Math.floor(Math.log(1 - rng.next()) / logMiss));
  let skip = gap();
  const out = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const gr = g[r];
    if (Math.abs(gr) >= threshold) {
      scratch.g[r] = gr;
      scratch.h[r] = h[r];
      if (w) scratch.w[r] = w[r];
      out[m++] = r;
    } else if (skip === 0) {
      scratch.g[r] = gr * scale;
      scratch.h[r] = h[r] * scale;
      if (w) scratch.w[r] = w[r] * scale;
      out[m++] = r;
      skip = gap();
    } else skip--;
  }
  return out.slice(0, m);
}

/** Rows whose |gradient| estimates the top_rate threshold in a large tree. */
const THRESHOLD_SAMPLE = 4096;

