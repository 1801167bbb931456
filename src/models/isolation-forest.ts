/**
 * Isolation forest (Liu, Ting and Zhou, 2008): anomalies are few and different, so random
 * axis-parallel cuts isolate them in fewer steps than normal rows. Each tree is grown on a small
 * subsample (psi = min(256, n) rows by default) by picking a random feature and a uniform random
 * cut between the feature's min and max in the node, until a row is alone, all rows in the node
 * are identical, or the depth reaches ceil(log2 psi). A row's path length h(x) is the depth of the
 * leaf it lands in plus c(leaf size), the expected depth of the unbuilt subtree below it, where
 * c(n) = 2(ln(n-1) + Euler's gamma) - 2(n-1)/n is the average unsuccessful-search depth of a
 * binary search tree of n keys (c(1) = 0, c(2) = 1). The score is 2^(-E[h(x)] / c(psi)): near 1 =
 * anomalous, well below 0.5 = normal. These are the definitions scikit-learn's IsolationForest
 * uses; our score is the negative of its score_samples.
 *
 * Why our own: scikit-learn is not available to Node, and scoring is the hot path. The fitted
 * state is all trees flat in one set of parallel typed arrays (feature, threshold, left, right,
 * size, path length at leaves). Scoring hands the forest to a WebAssembly kernel
 * (isolation-forest-kernel.ts) that walks padded copies of the trees eight at a time over chunks
 * of rows; nothing is allocated per row. As in scikit-learn, the trees compare features in
 * float32: the fit rounds values to float32 and each cut down to a float32, so the kernel (which
 * reads rows as float32) and the pointer walk here reach the same leaf.
 *
 * Explanations (`explain`), our rule: at a node holding n training rows the expected remaining
 * path length is c(n); after the split sends the row to a child holding m rows it is 1 + c(m). The
 * difference c(n) - 1 - c(m) is what that split shortened (positive) or lengthened (negative) the
 * row's path, and is credited to the split's feature. Along a path these telescope to
 * c(psi) - h(x), so per row the contributions, averaged over trees and divided by c(psi), sum to
 * 1 - E[h(x)]/c(psi) = log2(score) + 1. A feature with a large positive share is one whose cuts
 * isolated the row early.
 *
 * Deliberately not here: thresholds and labels (threshold.ts, shared by every detector: the model's
 * one threshold comes from `train --contamination` or `--percentile`; scikit-learn's
 * `contamination` parameter is therefore not an option of this estimator), the
 * "extended" isolation forest with oblique cuts, warm start, and worker threads (a 100-tree forest
 * on 256 rows fits in milliseconds). NaN, infinite and beyond-float32 cells are refused at fit; at
 * scoring a NaN compares false and goes right, so impute upstream (the feature pipeline does).
 */
import type { DetectorSpec, FitContext } from './estimator.js';
import type { Matrix } from '../features/matrix.js';
import { Rng } from '../util/rng.js';
import { UserError, checkParam } from '../util/errors.js';
import { pathLengthSums } from './isolation-forest-kernel.js';

const MODEL = 'IsolationForest';

export interface IsolationForestOptions {
  /** number of trees */
  readonly nEstimators: number;
  /** rows per tree: 'auto' = min(256, n), a fraction in (0, 1] of n, or a count > 1 (capped at n) */
  readonly maxSamples: 'auto' | number;
  /** features each tree may cut on: a fraction in (0, 1] of the columns, or a count > 1 */
  readonly maxFeatures: number;
  /** draw each tree's rows with replacement */
  readonly bootstrap: boolean;
}

/** Fitted forest: all trees' nodes in parallel arrays, absolute node indices. */
export interface IsolationForestState {
  readonly version: 1;
  readonly nFeatures: number;
  /** psi: rows each tree was grown on */
  readonly maxSamples: number;
  /** root node index of each tree */
  readonly roots: Int32Array;
  /** split feature per node, -1 at a leaf */
  readonly feature: Int32Array;
  /** go left when x[feature] <= threshold */
  readonly splitThreshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** training rows that reached the node */
  readonly size: Int32Array;
  /** at a leaf: depth + c(size), the path length a row ending there gets */
  readonly pathLength: Float64Array;
}

const EULER_GAMMA = 0.5772156649015329;

/** c(n): average path length of an unsuccessful search in a binary search tree of n keys. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

const DEFAULTS: IsolationForestOptions = Object.freeze({
  nEstimators: 100,
  maxSamples: 'auto',
  maxFeatures: 1.0,
  bootstrap: false,
});

function validate(given: Partial<IsolationForestOptions>): Readonly<IsolationForestOptions> {
  if ('contamination' in given) {
    // held once, by the model (trained-model.ts), not a second time in the forest's own state
    throw new UserError(`${MODEL}: contamination is the model's threshold, not a forest parameter: use train --contamination RATE (or --percentile P)`);
  }
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULTS)) {
      throw new UserError(`unknown option '${key}' for ${MODEL}; known options: ${Object.keys(DEFAULTS).join(', ')}`);
    }
  }
  const o = { ...DEFAULTS, ...given };
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  checkParam(MODEL, 'nEstimators', isInt(o.nEstimators) && o.nEstimators >= 1, 'an int in the range [1, inf)', o.nEstimators);
  const ms = o.maxSamples;
  checkParam(
    MODEL,
    'maxSamples',
    ms === 'auto' || (typeof ms === 'number' && ((ms > 0 && ms <= 1) || (isInt(ms) && ms > 1))),
    "'auto', a float in the range (0.0, 1.0] or an int in the range [2, inf)",
    ms,
  );
  const mf = o.maxFeatures;
  checkParam(
    MODEL,
    'maxFeatures',
    typeof mf === 'number' && ((mf > 0 && mf <= 1) || (isInt(mf) && mf > 1)),
    'a float in the range (0.0, 1.0] or an int in the range [2, inf)',
    mf,
  );
  checkParam(MODEL, 'bootstrap', typeof o.bootstrap === 'boolean', 'a boolean', o.bootstrap);
  return Object.freeze(o);
}

/** Growable node storage shared by every tree of one forest. */
class Nodes {
  count = 0;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  size: Int32Array;
  pathLength: Float64Array;
  constructor(capacity: number) {
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.size = new Int32Array(capacity);
    this.pathLength = new Float64Array(capacity);
  }
}

/** Buffers reused by every tree of one fit. */
interface Workspace {
  /** offset in X.data of each sample row, partitioned in place as the tree grows */
  readonly idx: Int32Array;
  /** candidate feature lists, one region of `cols` per depth */
  readonly cand: Int32Array;
  readonly scratch: Int32Array;
  /** per column: found constant in the current node */
  readonly foundConstant: Uint8Array;
}

function workspace(psi: number, cols: number, maxDepth: number): Workspace {
  return {
    idx: new Int32Array(psi),
    cand: new Int32Array(cols * (maxDepth + 2)),
    scratch: new Int32Array(cols),
    foundConstant: new Uint8Array(cols),
  };
}

/**
 * Grow one isolation tree on the sample rows `rows`, restricted to the columns `features`.
 * Returns the root's node index; children are laid out depth-first after their parent.
 *
 * `data` holds the sampled rows as float32 (row-major, `cols` per row) and `rows` indexes into it,
 * in ascending order so the first scans move forward through memory. A node draws candidate
 * features without replacement until one varies; the ones found constant are constant in every
 * descendant too, so they are dropped from the children's candidates (as scikit-learn's splitter
 * carries its known constants down), which matters with one-hot columns, most of which are all
 * zero in a 256-row sample. The feature is therefore uniform among the features that vary in the
 * node, as in scikit-learn.
 */
function growTree(data: Float32Array, cols: number, rows: Int32Array, features: Int32Array, maxDepth: number, rng: Rng, nodes: Nodes, work: Workspace): number {
  const m = rows.length;
  const { idx, cand, scratch, foundConstant } = work;
  // idx holds the offset of each sample row in data, partitioned in place as the tree grows
  for (let i = 0; i < m; i++) idx[i] = rows[i] * cols;
  cand.set(features);
  const grow = (lo: number, hi: number, depth: number, nCand: number): number => {
    const node = nodes.count++;
    const n = hi - lo;
    nodes.size[node] = n;
    nodes.feature[node] = -1;
    nodes.left[node] = -1;
    nodes.right[node] = -1;
    nodes.pathLength[node] = depth + averagePathLength(n);
    if (n <= 1 || depth >= maxDepth || nCand === 0) return node;

    const list = depth * cols;
    scratch.set(cand.subarray(list, list + nCand));
    let remaining = nCand;
    let f = -1;
    let min = 0;
    let max = 0;
    let nConstant = 0;
    while (remaining > 0) {
      const j = rng.int(remaining);
      const c = scratch[j];
      scratch[j] = scratch[remaining - 1];
      scratch[remaining - 1] = c;
      remaining--;
      min = Infinity;
      max = -Infinity;
      for (let i = lo; i < hi; i++) {
        const v = data[idx[i] + c];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (max > min) {
        f = c;
        break;
      }
      foundConstant[c] = 1;
      nConstant++;
    }
    if (f < 0) return node; // every candidate constant: identical rows, a leaf

    let t = min + rng.next() * (max - min);
    if (t >= max) t = min; // rounding could reach max and send every row left
    // the largest float32 at or below the cut splits float32 values exactly as the cut does, and
    // lets the scoring kernel keep thresholds as float32; it is still >= min and < max
    t = float32AtOrBelow(t);
    // partition idx[lo, hi): x <= t to the front
    let a = lo;
    let b = hi - 1;
    while (a <= b) {
      if (data[idx[a] + f] <= t) a++;
      else {
        const tmp = idx[a];
        idx[a] = idx[b];
        idx[b] = tmp;
        b--;
      }
    }
    // the children's candidates: this node's minus the constants just found
    const next = list + cols;
    let nNext = nCand;
    if (nConstant > 0) {
      nNext = 0;
      for (let k = 0; k < nCand; k++) {
        const c = cand[list + k];
        if (foundConstant[c]) foundConstant[c] = 0;
        else cand[next + nNext++] = c;
      }
    } else cand.copyWithin(next, list, list + nCand);
    nodes.feature[node] = f;
    nodes.threshold[node] = t;
    nodes.left[node] = grow(lo, a, depth + 1, nNext);
    nodes.right[node] = grow(a, hi, depth + 1, nNext);
    return node;
  };
  return grow(0, m, 0, features.length);
}

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Refuse NaN, infinite and beyond-float32 cells, naming the first one (the trees compare in
 * float32, where such a value would be infinite). Every row is checked, sampled or not, as
 * scikit-learn does. One comparison per cell: a plain loop measured cheaper than the typed array's
 * native includes, which would need three passes.
 */
function checkFinite(X: Matrix, names: readonly string[] | undefined): void {
  const d = X.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    // NaN fails both tests
    if (!(v <= FLOAT32_MAX && v >= -FLOAT32_MAX)) {
      const r = Math.floor(i / X.cols);
      const c = i % X.cols;
      const what = Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? `${v}, too large for float32,` : 'infinity';
      throw new UserError(
        `Input X contains ${what} (row ${r}, column ${names?.[c] ? `"${names[c]}"` : c}); impute, clip or drop such values before fitting ${MODEL}.`,
      );
    }
  }
}

/**
 * The rows listed in `rows` as float32, and `rows` renumbered into that block. When the samples
 * cover most of X (NSL-KDD: 11,400 of 13,449 rows) the whole matrix is converted in one native
 * call, which measured faster; otherwise only the distinct sampled rows are, in ascending order (so
 * a tree's sorted sample still walks forward through memory), and memory stays at T x psi rows
 * however large X is.
 */
function sampledRowsAsFloat32(X: Matrix, rows: Int32Array): { block: Float32Array; remapped: Int32Array } {
  const p = X.cols;
  const slot = new Int32Array(X.rows);
  for (let i = 0; i < rows.length; i++) slot[rows[i]] = 1;
  let u = 0;
  for (let r = 0; r < X.rows; r++) slot[r] = slot[r] ? u++ : -1;
  // float64 -> float32 by the typed array's native conversion (round to nearest)
  if (2 * u >= X.rows) return { block: new Float32Array(X.data), remapped: rows };
  const block = new Float32Array(u * p);
  for (let r = 0; r < X.rows; r++) {
    const k = slot[r];
    if (k >= 0) block.set(X.data.subarray(r * p, (r + 1) * p), k * p);
  }
  const remapped = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) remapped[i] = slot[rows[i]];
  return { block, remapped };
}

const f32Cell = new Float32Array(1);
const u32Cell = new Uint32Array(f32Cell.buffer);

/** The largest float32 value <= t (t a finite number within float32 range). */
export function float32AtOrBelow(t: number): number {
  const r = Math.fround(t);
  if (r <= t) return r;
  // r rounded up: step one float32 down (towards -Infinity)
  f32Cell[0] = r;
  if (r > 0) u32Cell[0] -= 1;
  else if (r === 0) u32Cell[0] = 0x80000001; // below ±0 is the smallest negative subnormal
  else u32Cell[0] += 1;
  return f32Cell[0];
}

/**
 * Fill `out` with distinct rows of [0, n), uniformly without replacement. When the sample is a
 * small part of n, draw and reject repeats against a mark per row (cleared again before
 * returning); otherwise shuffle partially. Rng.sample does the same with a Set, which measured
 * several times slower on a cold start for 100 samples of 256.
 */
function sampleRows(rng: Rng, n: number, out: Int32Array, mark: Uint8Array): void {
  const k = out.length;
  if (k * 2 > n) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(n - i);
      const v = all[j];
      all[j] = all[i];
      all[i] = v;
      out[i] = v;
    }
    return;
  }
  let i = 0;
  while (i < k) {
    const v = rng.int(n);
    if (mark[v] === 0) {
      mark[v] = 1;
      out[i++] = v;
    }
  }
  for (let j = 0; j < k; j++) mark[out[j]] = 0;
}

function resolveCount(v: 'auto' | number, n: number, auto: number): number {
  if (v === 'auto') return auto;
  if (v <= 1) return Math.max(1, Math.floor(v * n));
  return Math.min(v, n);
}

async function fit(X: Matrix, options: Readonly<IsolationForestOptions>, ctx: FitContext): Promise<IsolationForestState> {
  const n = X.rows;
  const p = X.cols;
  if (n < 1) throw new UserError(`${MODEL} needs at least 1 training row; got 0`);
  if (p < 1) throw new UserError(`${MODEL} needs at least 1 feature column; got 0`);
  checkFinite(X, ctx.featureNames);
  const psi = resolveCount(options.maxSamples, n, Math.min(256, n));
  const nFeat = resolveCount(options.maxFeatures, p, p);
  const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
  const T = options.nEstimators;
  const rng = new Rng(ctx.seed);
  const all = new Int32Array(p);
  for (let j = 0; j < p; j++) all[j] = j;

  // draw every tree's rows (and columns) first: one stream per tree, forked in tree order, so
  // the forest depends only on the seed
  const streams: Rng[] = [];
  const rows = new Int32Array(T * psi);
  const features: Int32Array[] = [];
  const drawn = new Uint8Array(n);
  for (let t = 0; t < T; t++) {
    const tr = rng.fork();
    streams.push(tr);
    const mine = rows.subarray(t * psi, (t + 1) * psi);
    if (options.bootstrap) for (let i = 0; i < psi; i++) mine[i] = tr.int(n);
    else sampleRows(tr, n, mine, drawn);
    mine.sort();
    features.push(nFeat === p ? all : tr.sample(p, nFeat).sort());
  }
  // the trees see float32 values, as scikit-learn's do: convert just the rows some tree drew
  // (at most T x psi, however large X is) into a compact block, and renumber the samples into it
  const { block, remapped } = sampledRowsAsFloat32(X, rows);

  const nodes = new Nodes(T * (2 * psi - 1));
  const roots = new Int32Array(T);
  const work = workspace(psi, p, maxDepth);
  for (let t = 0; t < T; t++) {
    roots[t] = growTree(block, p, remapped.subarray(t * psi, (t + 1) * psi), features[t], maxDepth, streams[t], nodes, work);
    ctx.progress?.(t + 1, T, 'trees');
  }

  const m = nodes.count;
  return {
    version: 1,
    nFeatures: p,
    maxSamples: psi,
    roots,
    feature: nodes.feature.slice(0, m),
    splitThreshold: nodes.threshold.slice(0, m),
    left: nodes.left.slice(0, m),
    right: nodes.right.slice(0, m),
    size: nodes.size.slice(0, m),
    pathLength: nodes.pathLength.slice(0, m),
  };
}

function checkColumns(state: Pick<IsolationForestState, 'nFeatures'>, X: Matrix): void {
  if (X.cols !== state.nFeatures) {
    throw new UserError(`X has ${X.cols} features, but ${MODEL} is expecting ${state.nFeatures} features as input.`);
  }
}

/** Rows per chunk of the pointer walk: the chunk stays in cache while every tree passes over it. */
const WALK_CHUNK_ROWS = 256;

/**
 * Per row, the sum over trees of its path length, by walking the node pointers: the fallback for
 * forests the WebAssembly kernel does not take (deeper than it pads, or no WebAssembly). Features
 * are rounded to float32 before comparing, as in the kernel and the fit.
 */
function pathLengthSumsWalk(s: IsolationForestState, X: Matrix): Float64Array {
  const n = X.rows;
  const cols = X.cols;
  const data = X.data;
  const { roots, feature, splitThreshold, left, right, pathLength } = s;
  const sum = new Float64Array(n);
  for (let start = 0; start < n; start += WALK_CHUNK_ROWS) {
    const end = Math.min(n, start + WALK_CHUNK_ROWS);
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t];
      for (let r = start; r < end; r++) {
        const base = r * cols;
        let node = root;
        let f = feature[node];
        while (f >= 0) {
          node = Math.fround(data[base + f]) <= splitThreshold[node] ? left[node] : right[node];
          f = feature[node];
        }
        sum[r] += pathLength[node];
      }
    }
  }
  return sum;
}

function scoreForest(s: IsolationForestState, X: Matrix): Float64Array {
  checkColumns(s, X);
  const T = s.roots.length;
  const sum = pathLengthSums(s, X) ?? pathLengthSumsWalk(s, X);
  const cPsi = averagePathLength(s.maxSamples);
  // one training row per tree (c(1) = 0) isolates nothing: every score is 0.5, as in scikit-learn
  const scale = cPsi === 0 ? 0 : -1 / (T * cPsi);
  for (let r = 0; r < X.rows; r++) sum[r] = cPsi === 0 ? 0.5 : Math.pow(2, sum[r] * scale);
  return sum;
}

/**
 * Per-row, per-feature share of the score (rows x nFeatures, row-major): see the top comment.
 * Each row sums to log2(score) + 1.
 */
function explain(s: IsolationForestState, X: Matrix): Float64Array {
  checkColumns(s, X);
  const n = X.rows;
  const cols = X.cols;
  const data = X.data;
  const { roots, feature, splitThreshold, left, right, size } = s;
  const T = roots.length;
  const out = new Float64Array(n * cols);
  // c(size) per node once, rather than a log per step
  const c = new Float64Array(size.length);
  for (let i = 0; i < size.length; i++) c[i] = averagePathLength(size[i]);
  for (let t = 0; t < T; t++) {
    const root = roots[t];
    for (let r = 0; r < n; r++) {
      const base = r * cols;
      let node = root;
      let f = feature[node];
      while (f >= 0) {
        const child = Math.fround(data[base + f]) <= splitThreshold[node] ? left[node] : right[node];
        out[base + f] += c[node] - 1 - c[child];
        node = child;
        f = feature[node];
      }
    }
  }
  const cPsi = averagePathLength(s.maxSamples);
  const scale = cPsi === 0 ? 0 : 1 / (T * cPsi);
  for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}

export const isolationForest: DetectorSpec<IsolationForestOptions, IsolationForestState> = {
  kind: 'detector',
  name: 'isolation-forest',
  title: 'Isolation forest',
  description:
    'Random trees on small subsamples; rows isolated in few cuts are anomalous. Score in (0, 1], ' +
    'higher = more anomalous, 2^(-mean path length / c(psi)) as in scikit-learn. Fits in ' +
    'milliseconds, needs no scaling, and explains each score as per-feature path shortening. ' +
    'Fit it on normal traffic; it is blind to attacks that look like the bulk of the data.',
  defaults: DEFAULTS,
  input: { scaling: 'none', categorical: 'onehot' },
  options: validate,
  fit,
  score: (state, X) => scoreForest(state, X),
  explain,
};
