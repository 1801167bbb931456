/**
 * Fewer points for a chart that would otherwise carry millions: a PNG is ~1,000 pixels wide, and a
 * Vega spec with a million row objects takes seconds and hundreds of MB to render.
 *
 * - Curves (ROC, sorted risk, k-distance, loss): largest-triangle-three-buckets (Steinarsson 2013).
 *   The first and last points are always kept (so a sorted curve keeps its minimum and maximum), and
 *   in each bucket the point that makes the largest triangle with the previous pick and the next
 *   bucket's centre is kept, which keeps spikes and knees that plain striding would skip.
 * - Scatter plots: a seeded uniform sample of rows, so two runs draw the same picture.
 *
 * Both return row indices (ascending), so a caller can pick any parallel array with them.
 * Deliberately not here: density plots or hexbin aggregation for huge scatters.
 */
import { Rng } from '../../util/rng.js';

/** Indices of at most `maxPoints` points of the curve (x, y) that keep its visual shape. */
export function lttbIndices(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints: number): Int32Array {
  const n = x.length;
  if (maxPoints < 3 || n <= maxPoints) {
    if (n <= maxPoints) return identity(n);
    // 1 or 2 points asked: the ends
    return maxPoints <= 1 ? Int32Array.of(0) : Int32Array.of(0, n - 1);
  }
  const out = new Int32Array(maxPoints);
  // the interior n - 2 points fall into maxPoints - 2 buckets
  const bucket = (n - 2) / (maxPoints - 2);
  let picked = 0;
  out[0] = 0;
  for (let b = 0; b < maxPoints - 2; b++) {
    const start = 1 + Math.floor(b * bucket);
    const end = Math.min(n - 1, 1 + Math.floor((b + 1) * bucket));
    // centre of the next bucket (the last point for the last bucket)
    const nStart = end;
    const nEnd = Math.min(n, 1 + Math.floor((b + 2) * bucket));
    let cx = 0;
    let cy = 0;
    if (b === maxPoints - 3) {
      cx = x[n - 1];
      cy = y[n - 1];
    } else {
      for (let i = nStart; i < nEnd; i++) {
        cx += x[i];
        cy += y[i];
      }
      const cnt = nEnd - nStart;
      cx /= cnt;
      cy /= cnt;
    }
    const ax = x[picked];
    const ay = y[picked];
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      // twice the triangle's area; the factor does not change the argmax
      const area = Math.abs((ax - cx) * (y[i] - ay) - (ax - x[i]) * (cy - ay));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    out[b + 1] = best;
    picked = best;
  }
  out[maxPoints - 1] = n - 1;
  return out;
}

/** A seeded uniform sample of at most `maxPoints` row indices out of n, ascending. */
export function sampleIndices(n: number, maxPoints: number, seed: number): Int32Array {
  if (n <= maxPoints) return identity(n);
  const idx = new Rng(seed).sample(n, maxPoints);
  return idx.sort();
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
