/**
 * The sorted k-distance curve DBSCAN users read to pick eps (Ester et al. 1996, section 4.2), and a
 * suggested eps at its knee.
 *
 * k-distance of a row = distance to its k-th nearest row, counting the row itself as the first
 * (k = minSamples). With that convention a row is core for DBSCAN(eps, minSamples) exactly when
 * its k-distance is <= eps, so the curve reads directly: "eps = y keeps the rows left of y as core".
 *
 * Knee rule: sort the k-distances ascending, scale both axes to [0, 1] (rank over n - 1, distance
 * over the range), and take the point farthest below the chord joining the first and last points
 * (the "kneedle" idea of Satopaa et al. 2011, without smoothing). Flow data has a long tail of
 * extreme rows whose k-distance is tens of times the rest; left in, the chord would run almost
 * along the axes and the knee would land in the tail. So the chord ends at the 99th percentile:
 * the knee is sought among the 99 % smallest k-distances. The rule is a starting point, not an
 * answer: print the curve and look.
 *
 * What it deliberately does not do: plot the curve (the report layer does), or pick minSamples.
 */
import type { Matrix } from '../../features/matrix.js';
import { checkParam, UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { buildKdTree, KdSearch, toTreeSpace, type KdTree } from './kd-tree.js';

export interface KDistanceOptions {
  /** query only this many rows (seeded random subset), each still against all rows */
  readonly sampleSize?: number;
  readonly seed?: number;
  /** share of the largest k-distances left out of the knee search (default 0.01) */
  readonly tailShare?: number;
}

export interface KDistanceCurve {
  readonly k: number;
  /** k-distances, ascending */
  readonly distances: Float64Array;
  /** position in `distances` of the knee */
  readonly kneeIndex: number;
  /** distances[kneeIndex]: an eps to start from */
  readonly suggestedEps: number;
}

/** k-distance of each row of X (self counted), in row order. */
export function kDistances(X: Matrix, k: number, tree?: KdTree, rows?: ArrayLike<number>): Float64Array {
  checkParam('k-distance', 'k', Number.isInteger(k) && k >= 1, 'an int in the range [1, inf)', k);
  if (k > X.rows) throw new UserError(`k-distance: k = ${k} but there are only ${X.rows} rows; lower minSamples`);
  const t = tree ?? buildKdTree(X);
  const q = toTreeSpace(t, X);
  const search = new KdSearch(t);
  const d = X.cols;
  const m = rows ? rows.length : X.rows;
  const out = new Float64Array(m);
  const pos = new Int32Array(k);
  const d2 = new Float64Array(k);
  for (let i = 0; i < m; i++) {
    const r = rows ? rows[i] : i;
    const found = search.nearest(q, X.data, r * d, k, pos, d2);
    out[i] = Math.sqrt(d2[found - 1]);
  }
  return out;
}

/** The sorted curve for k = minSamples and its knee. */
export function kDistanceCurve(X: Matrix, k: number, options: KDistanceOptions = {}): KDistanceCurve {
  let rows: Int32Array | undefined;
  if (options.sampleSize !== undefined) {
    const s = options.sampleSize;
    checkParam('k-distance', 'sampleSize', Number.isInteger(s) && s >= 2, 'an int in the range [2, inf)', s);
    if (s < X.rows) rows = new Rng(options.seed ?? 0).sample(X.rows, s);
  }
  const tail = options.tailShare ?? 0.01;
  checkParam('k-distance', 'tailShare', tail >= 0 && tail < 1, 'a float in the range [0.0, 1.0)', tail);
  const distances = kDistances(X, k, undefined, rows).sort();
  const kneeIndex = knee(distances, tail);
  return { k, distances, kneeIndex, suggestedEps: distances[kneeIndex] };
}

/** Index of the point farthest below the chord of an ascending curve (top `tailShare` left out). */
export function knee(sorted: Float64Array, tailShare = 0.01): number {
  const n = sorted.length;
  if (n < 3) return n - 1;
  const last = Math.max(2, Math.min(n - 1, Math.floor((n - 1) * (1 - tailShare))));
  const y0 = sorted[0];
  const range = sorted[last] - y0;
  if (!(range > 0)) return last;
  // chord from (0, 0) to (1, 1) in scaled units; distance below it is proportional to x - y
  let best = 0;
  let bestGap = -Infinity;
  for (let i = 0; i <= last; i++) {
    const x = i / last;
    const y = (sorted[i] - y0) / range;
    const gap = x - y;
    if (gap > bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  return best;
}
