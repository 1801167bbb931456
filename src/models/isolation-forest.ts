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
 * size, path length at leaves). For scoring, the trees are re-laid once as perfect binary heaps
 * (see ScoringLayout) and a chunk of rows at a time goes down four trees at once with arithmetic
 * rather than branches; nothing is allocated per row. Fitting copies each tree's 256-row sample
 * into a small column-major block first, so the splits scan contiguous memory.
 *
 * Explanations (`explain`), our rule: at a node holding n training rows the expected remaining
 * path length is c(n); after the split sends the row to a child holding m rows it is 1 + c(m). The
 * difference c(n) - 1 - c(m) is what that split shortened (positive) or lengthened (negative) the
 * row's path, and is credited to the split's feature. Along a path these telescope to
 * c(psi) - h(x), so per row the contributions, averaged over trees and divided by c(psi), sum to
 * 1 - E[h(x)]/c(psi) = log2(score) + 1. A feature with a large positive share is one whose cuts
 * isolated the row early.
 *
 * Deliberately not here: thresholds and labels (threshold.ts, shared by every detector), the
 * "extended" isolation forest with oblique cuts, warm start, and worker threads (a 100-tree forest
 * on 256 rows fits in milliseconds). NaN and infinite cells are refused at fit; at scoring a NaN
 * compares false and goes right, so impute upstream (the feature pipeline does).
 */
import type { DetectorSpec, FitContext } from './estimator.js';
import type { Matrix } from '../features/matrix.js';
import { Rng } from '../util/rng.js';
import { UserError, checkParam } from '../util/errors.js';
import { checkContamination, contaminationRule, fitThreshold, type ThresholdState } from './threshold.js';

const MODEL = 'IsolationForest';

export interface IsolationForestOptions {
  /** number of trees */
  readonly nEstimators: number;
  /** rows per tree: 'auto' = min(256, n), a fraction in (0, 1] of n, or a count > 1 (capped at n) */
  readonly maxSamples: 'auto' | number;
  /** features each tree may cut on: a fraction in (0, 1] of the columns, or a count > 1 */
  readonly maxFeatures: number;
  /** expected share of anomalies in training, for the label threshold; 'auto' = score above 0.5 */
  readonly contamination: 'auto' | number;
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
  /** label threshold on the score (threshold.ts) */
  readonly threshold: ThresholdState;
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
  contamination: 'auto',
  bootstrap: false,
});

function validate(given: Partial<IsolationForestOptions>): Readonly<IsolationForestOptions> {
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
  checkContamination(MODEL, o.contamination, true);
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
  /** the tree's sample rows, copied (psi x cols, row-major) */
  readonly local: Float64Array;
  /** local row numbers, partitioned in place as the tree grows */
  readonly idx: Int32Array;
  /** candidate feature lists, one region of `cols` per depth */
  readonly cand: Int32Array;
  readonly scratch: Int32Array;
  /** per column: found constant in the current node */
  readonly foundConstant: Uint8Array;
}

function workspace(psi: number, cols: number, maxDepth: number): Workspace {
  return {
    local: new Float64Array(psi * cols),
    idx: new Int32Array(psi),
    cand: new Int32Array(cols * (maxDepth + 2)),
    scratch: new Int32Array(cols),
    foundConstant: new Uint8Array(cols),
  };
}

/**
 * Grow one isolation tree on the training rows `rows` of X, restricted to the columns `features`.
 * Returns the root's node index; children are laid out depth-first after their parent.
 *
 * The sample's rows are first copied into a small local block (whole rows, a native copy each,
 * in ascending row order): the splits then scan a block that stays in cache instead of rows
 * scattered through the training matrix. A node draws candidate features without replacement
 * until one varies; the ones found constant are constant in every descendant too, so they are
 * dropped from the children's candidates (as scikit-learn's splitter carries its known constants
 * down), which matters with one-hot columns, most of which are all zero in a 256-row sample. The
 * feature is therefore uniform among the features that vary in the node, as in scikit-learn.
 */
function growTree(X: Matrix, rows: Int32Array, features: Int32Array, maxDepth: number, rng: Rng, nodes: Nodes, work: Workspace): number {
  const cols = X.cols;
  const data = X.data;
  const m = rows.length;
  const { local, idx, cand, scratch, foundConstant } = work;
  for (let i = 0; i < m; i++) {
    const base = rows[i] * cols;
    local.set(data.subarray(base, base + cols), i * cols);
    idx[i] = i;
  }
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
        const v = local[idx[i] * cols + c];
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
    // partition idx[lo, hi): x <= t to the front
    let a = lo;
    let b = hi - 1;
    while (a <= b) {
      if (local[idx[a] * cols + f] <= t) a++;
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
  const d = X.data;
  for (let i = 0; i < d.length; i++) {
    // v - v is NaN exactly when v is NaN or infinite: one test on the common path
    if (d[i] - d[i] !== 0) {
      const r = Math.floor(i / p);
      const c = i % p;
      const name = ctx.featureNames?.[c];
      const what = Number.isNaN(d[i]) ? 'NaN' : 'infinity';
      throw new UserError(`Input X contains ${what} (row ${r}, column ${name ? `"${name}"` : c}); impute or drop such values before fitting ${MODEL}.`);
    }
  }
  const psi = resolveCount(options.maxSamples, n, Math.min(256, n));
  const nFeat = resolveCount(options.maxFeatures, p, p);
  const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
  const T = options.nEstimators;
  const rng = new Rng(ctx.seed);
  const nodes = new Nodes(T * (2 * psi - 1));
  const roots = new Int32Array(T);
  const work = workspace(psi, p, maxDepth);
  const all = new Int32Array(p);
  for (let j = 0; j < p; j++) all[j] = j;

  for (let t = 0; t < T; t++) {
    // one stream per tree, drawn in tree order: the forest depends only on the seed
    const tr = rng.fork();
    let rows: Int32Array;
    if (options.bootstrap) {
      rows = new Int32Array(psi);
      for (let i = 0; i < psi; i++) rows[i] = tr.int(n);
    } else rows = tr.sample(n, psi);
    rows.sort();
    const features = nFeat === p ? all : tr.sample(p, nFeat).sort();
    roots[t] = growTree(X, rows, features, maxDepth, tr, nodes, work);
    ctx.progress?.(t + 1, T, 'trees');
  }

  const m = nodes.count;
  const partial: Omit<IsolationForestState, 'threshold'> = {
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
  const rule = contaminationRule(options.contamination, 0.5);
  // the training scores are needed only for a contamination rate; 'auto' skips scoring them
  const threshold = fitThreshold('fixed' in rule ? [] : scoreForest(partial, X), rule);
  return { ...partial, threshold };
}

function checkColumns(state: Pick<IsolationForestState, 'nFeatures'>, X: Matrix): void {
  if (X.cols !== state.nFeatures) {
    throw new UserError(`X has ${X.cols} features, but ${MODEL} is expecting ${state.nFeatures} features as input.`);
  }
}

/**
 * The scoring layout: every tree padded to a perfect binary tree of the forest's depth D, stored
 * as a heap (children of i at 2i+1 and 2i+2). A leaf above depth D becomes a subtree whose
 * dummy splits (feature 0, threshold +Infinity) all end in copies of that leaf's path length, so
 * which way a dummy split goes does not matter. Every row then takes exactly D steps and the next
 * node is arithmetic on a comparison, which lets scoring advance a whole chunk of rows one level at
 * a time: independent loads the CPU overlaps, and no branch on the data to mispredict. Built from
 * the plain state on first use and cached beside it (the state stays plain data).
 */
interface ScoringLayout {
  readonly depth: number;
  /** (2^D - 1) entries per tree */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** 2^D entries per tree */
  readonly leafPathLength: Float64Array;
}

/** Deeper forests (maxSamples above 4096) would pad to too many nodes: they walk the pointers. */
const MAX_PADDED_DEPTH = 12;
const layouts = new WeakMap<object, ScoringLayout | null>();

function nodeDepths(s: Pick<IsolationForestState, 'roots' | 'feature' | 'left' | 'right'>): number {
  let maxDepth = 0;
  const stack: number[] = [];
  for (const root of s.roots) {
    stack.push(root, 0);
    while (stack.length) {
      const d = stack.pop() as number;
      const node = stack.pop() as number;
      if (s.feature[node] < 0) {
        if (d > maxDepth) maxDepth = d;
      } else stack.push(s.left[node], d + 1, s.right[node], d + 1);
    }
  }
  return maxDepth;
}

function scoringLayout(s: Omit<IsolationForestState, 'threshold'>): ScoringLayout | null {
  const cached = layouts.get(s);
  if (cached !== undefined) return cached;
  const D = nodeDepths(s);
  if (D > MAX_PADDED_DEPTH) {
    layouts.set(s, null);
    return null;
  }
  const T = s.roots.length;
  const inner = (1 << D) - 1;
  const leaves = 1 << D;
  const feature = new Int32Array(T * inner);
  const threshold = new Float64Array(T * inner);
  const leafPathLength = new Float64Array(T * leaves);
  // source node of each heap position, filled top-down: a dummy position repeats its leaf
  const src = new Int32Array(inner + leaves);
  for (let t = 0; t < T; t++) {
    const iOff = t * inner;
    const lOff = t * leaves;
    src[0] = s.roots[t];
    for (let h = 0; h < inner; h++) {
      const node = src[h];
      if (s.feature[node] >= 0) {
        feature[iOff + h] = s.feature[node];
        threshold[iOff + h] = s.splitThreshold[node];
        src[2 * h + 1] = s.left[node];
        src[2 * h + 2] = s.right[node];
      } else {
        feature[iOff + h] = 0;
        threshold[iOff + h] = Infinity;
        src[2 * h + 1] = node;
        src[2 * h + 2] = node;
      }
    }
    for (let h = 0; h < leaves; h++) leafPathLength[lOff + h] = s.pathLength[src[inner + h]];
  }
  const layout = { depth: D, feature, threshold, leafPathLength };
  layouts.set(s, layout);
  return layout;
}

/** Rows per chunk: few enough that the chunk's rows stay in L2 while every tree passes over them. */
const CHUNK_ROWS = 256;

/**
 * Sum of path lengths over all trees, per row, using the padded layout. Each row goes down four
 * trees at once: four independent chains of loads the CPU overlaps, where one tree at a time
 * would wait on each load in turn. The step is arithmetic (2h + 2 - [x <= t]) rather than a
 * branch, so a row's data never causes a mispredicted jump. A NaN compares false and goes right,
 * as in the pointer walk. Trees left over after the groups of four go one at a time.
 *
 * Measured on NSL-KDD (22,544 rows, 118 columns, 100 trees of depth 8) in fresh processes: about
 * 1.5x less CPU than walking the pointers. Eight trees at once ran faster once warm but slower
 * cold (a one-shot score is cold), so four it is.
 */
function pathLengthSumPadded(L: ScoringLayout, T: number, X: Matrix, sum: Float64Array): void {
  const n = X.rows;
  const cols = X.cols;
  const data = X.data;
  const { depth: D, feature: f, threshold: th, leafPathLength: leaf } = L;
  const inner = (1 << D) - 1;
  const leaves = 1 << D;
  const T4 = T - (T % 4);
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const end = Math.min(n, start + CHUNK_ROWS);
    for (let t = 0; t < T4; t += 4) {
      const i0 = t * inner;
      const i1 = i0 + inner;
      const i2 = i1 + inner;
      const i3 = i2 + inner;
      // leaf h of tree t sits at t * leaves + (h - inner)
      const l0 = t * leaves - inner;
      const l1 = l0 + leaves;
      const l2 = l1 + leaves;
      const l3 = l2 + leaves;
      for (let r = start; r < end; r++) {
        const b = r * cols;
        let h0 = 0;
        let h1 = 0;
        let h2 = 0;
        let h3 = 0;
        for (let d = 0; d < D; d++) {
          const k0 = i0 + h0;
          const k1 = i1 + h1;
          const k2 = i2 + h2;
          const k3 = i3 + h3;
          h0 = 2 * h0 + 2 - +(data[b + f[k0]] <= th[k0]);
          h1 = 2 * h1 + 2 - +(data[b + f[k1]] <= th[k1]);
          h2 = 2 * h2 + 2 - +(data[b + f[k2]] <= th[k2]);
          h3 = 2 * h3 + 2 - +(data[b + f[k3]] <= th[k3]);
        }
        sum[r] += leaf[l0 + h0] + leaf[l1 + h1] + leaf[l2 + h2] + leaf[l3 + h3];
      }
    }
    for (let t = T4; t < T; t++) {
      const i0 = t * inner;
      const l0 = t * leaves - inner;
      for (let r = start; r < end; r++) {
        const b = r * cols;
        let h = 0;
        for (let d = 0; d < D; d++) {
          const k = i0 + h;
          h = 2 * h + 2 - +(data[b + f[k]] <= th[k]);
        }
        sum[r] += leaf[l0 + h];
      }
    }
  }
}

/** The same sum by walking the node pointers (forests too deep to pad). */
function pathLengthSumWalk(s: Omit<IsolationForestState, 'threshold'>, X: Matrix, sum: Float64Array): void {
  const n = X.rows;
  const cols = X.cols;
  const data = X.data;
  const { roots, feature, splitThreshold, left, right, pathLength } = s;
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const end = Math.min(n, start + CHUNK_ROWS);
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t];
      for (let r = start; r < end; r++) {
        const base = r * cols;
        let node = root;
        let f = feature[node];
        while (f >= 0) {
          node = data[base + f] <= splitThreshold[node] ? left[node] : right[node];
          f = feature[node];
        }
        sum[r] += pathLength[node];
      }
    }
  }
}

function scoreForest(s: Omit<IsolationForestState, 'threshold'>, X: Matrix): Float64Array {
  checkColumns(s, X);
  const T = s.roots.length;
  const sum = new Float64Array(X.rows);
  const layout = scoringLayout(s);
  if (layout) pathLengthSumPadded(layout, T, X, sum);
  else pathLengthSumWalk(s, X, sum);
  const scale = -1 / (T * averagePathLength(s.maxSamples));
  for (let r = 0; r < X.rows; r++) sum[r] = Math.pow(2, sum[r] * scale);
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
        const child = data[base + f] <= splitThreshold[node] ? left[node] : right[node];
        out[base + f] += c[node] - 1 - c[child];
        node = child;
        f = feature[node];
      }
    }
  }
  const scale = 1 / (T * averagePathLength(s.maxSamples));
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
