/**
 * A KD-tree for exact Euclidean neighbourhood queries: rows within a radius (with an early exit
 * once enough are found) and the k nearest rows. DBSCAN, LOF, the k-distance curve and the DBSCAN
 * detector's scoring all stand on it.
 *
 * Why a KD-tree at 80+ dimensions, where the textbook says they degrade: flow features, once
 * standard-scaled, lie on a few dense, low-dimensional sheets (a flood is thousands of nearly equal
 * rows), and the radii DBSCAN asks about (0.3 against a unit spread per column) are small next to
 * the spread. Each node keeps its tight bounding box, so a query drops a node as soon as the box
 * is farther than the radius (summing per-dimension gaps, with an early exit), and takes a whole
 * node without measuring when the box lies inside the ball. On the CIC-IDS2017 sample (25,127 x
 * 84, eps 0.3) all of DBSCAN costs about 1.5 s of CPU, where a single brute-force pass over the
 * n^2/2 pairs costs 3.7 s even in the SIMD kernel of distance-kernel.ts (scikit-learn's brute force
 * took 2.2 s on two cores). Measured on a shared 2-core machine: indicative.
 *
 * Boxes live in a rotated space: the rows projected onto their principal axes (by default), which
 * puts most of the spread into the first coordinates, so splits separate better and a box gap
 * passes the radius after a few terms (twice as fast on the CIC sample). Distances between rows,
 * though, are always measured on the original coordinates, summed directly as sum((a-b)^2) and
 * never through |a|^2+|b|^2-2ab, so a radius test on integer-valued or repeated data decides ties
 * exactly as the arithmetic on the data itself does (DBSCAN must agree with scikit-learn). Since
 * a rotation in floating point moves distances by a hair (about d^2 * 1e-16 of the rows' norms),
 * every pruning decision taken in the rotated space keeps that much `slack` on the safe side.
 *
 * Layout: everything in flat typed arrays. The rows are copied in tree order (`points`, and
 * `boxPoints` for their rotated copies), so a leaf is one contiguous slice of memory; `index` maps
 * a tree position back to the caller's row. Nodes are numbered in creation order, children after
 * their parent (-1 at a leaf), with boxes in `lo`/`hi` (node x dims). The tree is a plain object of
 * typed arrays, so it could sit in a model's fitted state.
 *
 * What it deliberately does not do: other metrics, incremental insertion, approximate search.
 */
import type { Matrix } from '../../features/matrix.js';
import { covariance, symmetricEigen } from '../../features/pca.js';

export interface KdTree {
  readonly size: number;
  readonly dims: number;
  /** rows in tree order, original coordinates (distances are measured on these), size x dims */
  readonly points: Float64Array;
  /** the same rows in box space (rotated); the very same array as `points` without a rotation */
  readonly boxPoints: Float64Array;
  /** box space: y = rotation * (x - center), rotation d x d row-major; absent = no rotation */
  readonly rotation?: Float64Array;
  readonly center?: Float64Array;
  /**
   * How far a distance measured in box space may be from the true one, per unit of the two rows'
   * box-space norms (0 without a rotation). A query's slack is slackUnit * (|q| + maxNorm).
   */
  readonly slackUnit: number;
  /** largest box-space norm of a tree row */
  readonly maxNorm: number;
  /** tree position -> caller's row */
  readonly index: Int32Array;
  /** per node: first and one-past-last tree position it covers */
  readonly nodeStart: Int32Array;
  readonly nodeEnd: Int32Array;
  /** per node: children, -1 for a leaf */
  readonly nodeLeft: Int32Array;
  readonly nodeRight: Int32Array;
  /** per internal node: the split dimension and value (left rows <= value <= right rows) */
  readonly nodeDim: Int32Array;
  readonly nodeSplit: Float64Array;
  /** per node: tight bounding box in box space, nodes x dims */
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  /** per node: squared length of the box's diagonal */
  readonly diag2: Float64Array;
  /** deepest root-to-leaf path, for sizing traversal stacks */
  readonly depth: number;
}

export interface KdTreeOptions {
  /** most rows in a leaf (default 16) */
  readonly leafSize?: number;
  /** build on these rows of X only (tree positions then map to these row numbers) */
  readonly rows?: ArrayLike<number>;
  /** put the boxes on the rows' principal axes (default true) */
  readonly rotate?: boolean;
}

const EPS = 2.220446049250313e-16;
/**
 * Box-space dimensions summed for an inner node's gap where a weaker bound will do (see nodeGap).
 * Summing all 84 of the CIC sample's spent more time on boxes than the pruning saved: 32 made
 * LOF's fit 20 % faster than 84 (2.8 s against 3.3 s of CPU) and DBSCAN's core counting twice as
 * fast; 12 was slower again.
 */
export const GAP_DIMS = 32;

/** Build over the rows of X. */
export function buildKdTree(X: Matrix, options: KdTreeOptions = {}): KdTree {
  const leafSize = Math.max(1, options.leafSize ?? 16);
  const rows = options.rows;
  const d = X.cols;
  const n = rows ? rows.length : X.rows;
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = rows ? rows[i] : i;
  let rotation: Float64Array | undefined;
  let center: Float64Array | undefined;
  let slackUnit = 0;
  // rows in box space, in the caller's order (src[index[p]] is tree position p)
  let src = X.data;
  if ((options.rotate ?? true) && d > 1 && n > 2) {
    ({ rotation, center } = principalRotation(X, index));
    src = new Float64Array(X.rows * d);
    toBoxSpaceInto(X.data, index, d, rotation, center, src);
    slackUnit = rotationSlackUnit(rotation, d);
  }
  const maxNodes = Math.max(1, 2 * Math.ceil(n / leafSize) + 1) * 2;
  let nodeStart = new Int32Array(maxNodes);
  let nodeEnd = new Int32Array(maxNodes);
  let nodeLeft = new Int32Array(maxNodes);
  let nodeRight = new Int32Array(maxNodes);
  let nodeDim = new Int32Array(maxNodes);
  let nodeSplit = new Float64Array(maxNodes);
  let nodes = 0;
  let depth = 0;
  const keys = new Float64Array(n);
  const sLo = new Float64Array(d);
  const sHi = new Float64Array(d);

  const newNode = (start: number, end: number): number => {
    if (nodes === nodeStart.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (k: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      nodeStart = grow(nodeStart);
      nodeEnd = grow(nodeEnd);
      nodeLeft = grow(nodeLeft);
      nodeRight = grow(nodeRight);
      nodeDim = grow(nodeDim);
      nodeSplit = grow(nodeSplit);
    }
    const id = nodes++;
    nodeStart[id] = start;
    nodeEnd[id] = end;
    nodeLeft[id] = -1;
    nodeRight[id] = -1;
    nodeDim[id] = -1;
    return id;
  };

  /** The dimension of widest spread over rows [start, end), looking at every `step`-th row. */
  const widest = (start: number, end: number, step: number): { dim: number; spread: number } => {
    sLo.fill(Infinity);
    sHi.fill(-Infinity);
    for (let p = start; p < end; p += step) {
      const o = index[p] * d;
      for (let k = 0; k < d; k++) {
        const v = src[o + k];
        if (v < sLo[k]) sLo[k] = v;
        if (v > sHi[k]) sHi[k] = v;
      }
    }
    let dim = 0;
    let spread = -1;
    for (let k = 0; k < d; k++) {
      if (sHi[k] - sLo[k] > spread) {
        spread = sHi[k] - sLo[k];
        dim = k;
      }
    }
    return { dim, spread };
  };

  // Topology first: each node splits the dimension of widest spread at its median. The spread is
  // judged on at most ~64 rows of the node (scanning every row at every level cost more than the
  // whole search it sped up); exact boxes are computed once, bottom-up, afterwards.
  const stack: number[] = [];
  if (n > 0) stack.push(newNode(0, n), 1);
  while (stack.length > 0) {
    const level = stack.pop()!;
    const id = stack.pop()!;
    if (level > depth) depth = level;
    const start = nodeStart[id];
    const end = nodeEnd[id];
    if (end - start <= leafSize) continue;
    let { dim, spread } = widest(start, end, Math.max(1, Math.floor((end - start) / 64)));
    if (!(spread > 0) && end - start > 64) ({ dim, spread } = widest(start, end, 1));
    if (!(spread > 0)) continue; // all rows equal: keep as one leaf
    for (let p = start; p < end; p++) keys[p] = src[index[p] * d + dim];
    const mid = (start + end) >>> 1;
    selectNth(keys, index, start, end - 1, mid);
    const left = newNode(start, mid);
    const right = newNode(mid, end);
    nodeLeft[id] = left;
    nodeRight[id] = right;
    nodeDim[id] = dim;
    nodeSplit[id] = keys[mid];
    stack.push(left, level + 1, right, level + 1);
  }

  const points = new Float64Array(n * d);
  for (let p = 0; p < n; p++) points.set(X.data.subarray(index[p] * d, index[p] * d + d), p * d);
  let boxPoints = points;
  let maxNorm = 0;
  if (rotation) {
    boxPoints = new Float64Array(n * d);
    for (let p = 0; p < n; p++) {
      const o = index[p] * d;
      let s = 0;
      for (let k = 0; k < d; k++) {
        const v = src[o + k];
        boxPoints[p * d + k] = v;
        s += v * v;
      }
      if (s > maxNorm) maxNorm = s;
    }
    maxNorm = Math.sqrt(maxNorm);
  }

  // boxes: leaves scan their (now contiguous) rows, inner nodes join their children's boxes;
  // children have larger ids than their parent, so a reverse sweep meets them first
  const lo = new Float64Array(nodes * d).fill(Infinity);
  const hi = new Float64Array(nodes * d).fill(-Infinity);
  for (let node = nodes - 1; node >= 0; node--) {
    const base = node * d;
    const left = nodeLeft[node];
    if (left >= 0) {
      const a = left * d;
      const b = nodeRight[node] * d;
      for (let k = 0; k < d; k++) {
        lo[base + k] = lo[a + k] < lo[b + k] ? lo[a + k] : lo[b + k];
        hi[base + k] = hi[a + k] > hi[b + k] ? hi[a + k] : hi[b + k];
      }
      continue;
    }
    for (let p = nodeStart[node]; p < nodeEnd[node]; p++) {
      const o = p * d;
      for (let k = 0; k < d; k++) {
        const v = boxPoints[o + k];
        if (v < lo[base + k]) lo[base + k] = v;
        if (v > hi[base + k]) hi[base + k] = v;
      }
    }
  }
  const diag2 = new Float64Array(nodes);
  for (let node = 0; node < nodes; node++) {
    let s = 0;
    for (let k = 0, b = node * d; k < d; k++) s += (hi[b + k] - lo[b + k]) ** 2;
    diag2[node] = s;
  }
  return {
    size: n,
    dims: d,
    points,
    boxPoints,
    rotation,
    center,
    slackUnit,
    maxNorm,
    index,
    nodeStart: nodeStart.slice(0, nodes),
    nodeEnd: nodeEnd.slice(0, nodes),
    nodeLeft: nodeLeft.slice(0, nodes),
    nodeRight: nodeRight.slice(0, nodes),
    nodeDim: nodeDim.slice(0, nodes),
    nodeSplit: nodeSplit.slice(0, nodes),
    lo: lo.slice(0, nodes * d),
    hi: hi.slice(0, nodes * d),
    diag2,
    depth: Math.max(depth, 1),
  };
}

/**
 * An orthogonal rotation onto the principal axes of (a sample of) the rows. Any orthogonal matrix
 * keeps distances, so the axes need not be exact: the covariance comes from at most 4,096 rows,
 * taken at an even stride (deterministic).
 */
function principalRotation(X: Matrix, index: Int32Array): { rotation: Float64Array; center: Float64Array } {
  const d = X.cols;
  const m = Math.min(index.length, 4096);
  const sample = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    const r = index[Math.floor((i * index.length) / m)];
    sample.set(X.data.subarray(r * d, r * d + d), i * d);
  }
  const { mean, cov } = covariance({ rows: m, cols: d, data: sample });
  const { vectors } = symmetricEigen(cov, d);
  return { rotation: vectors, center: mean };
}

/**
 * Bound, per unit of norm, on how far a box-space distance can be from the true one: rounding in
 * y = R (x - c) (at most d^2 eps |x - c| over the vector, generously) for both rows, plus R's
 * departure from orthogonality (|R^T R - I| scales lengths by up to d times its largest entry),
 * times a safety factor of 4.
 */
function rotationSlackUnit(R: Float64Array, d: number): number {
  let orth = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += R[k * d + i] * R[k * d + j];
      const e = Math.abs(s - (i === j ? 1 : 0));
      if (e > orth) orth = e;
    }
  }
  return 4 * (2 * d * d * EPS + d * orth);
}

/** The rows of X mapped into the tree's box space (X's own data when there is no rotation). */
export function toTreeSpace(t: KdTree, X: Matrix): Float64Array {
  if (X.cols !== t.dims) throw new Error(`kd-tree: built on ${t.dims} columns, queried with ${X.cols}`);
  if (!t.rotation || !t.center) return X.data;
  const out = new Float64Array(X.rows * X.cols);
  const all = new Int32Array(X.rows);
  for (let i = 0; i < X.rows; i++) all[i] = i;
  toBoxSpaceInto(X.data, all, X.cols, t.rotation, t.center, out);
  return out;
}

function toBoxSpaceInto(
  data: Float64Array,
  rows: Int32Array,
  d: number,
  rotation: Float64Array,
  center: Float64Array,
  out: Float64Array,
): void {
  // y = R (x - c) for four rows at a time against four axes at a time: a 4 x 4 tile of sums in
  // registers, so each loaded value feeds four multiply-adds (the plain loop was 3x slower)
  const x = new Float64Array(4 * d);
  const n = rows.length;
  const sums = new Float64Array(16);
  for (let i0 = 0; i0 < n; i0 += 4) {
    const m = Math.min(4, n - i0);
    x.fill(0);
    for (let a = 0; a < m; a++) {
      const o = rows[i0 + a] * d;
      for (let j = 0; j < d; j++) x[j * 4 + a] = data[o + j] - center[j];
    }
    let c = 0;
    for (; c + 4 <= d; c += 4) {
      const r0 = c * d, r1 = r0 + d, r2 = r1 + d, r3 = r2 + d;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let j = 0; j < d; j++) {
        const x0 = x[j * 4], x1 = x[j * 4 + 1], x2 = x[j * 4 + 2], x3 = x[j * 4 + 3];
        const w0 = rotation[r0 + j], w1 = rotation[r1 + j], w2 = rotation[r2 + j], w3 = rotation[r3 + j];
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
        s20 += x2 * w0; s21 += x2 * w1; s22 += x2 * w2; s23 += x2 * w3;
        s30 += x3 * w0; s31 += x3 * w1; s32 += x3 * w2; s33 += x3 * w3;
      }
      sums[0] = s00; sums[1] = s01; sums[2] = s02; sums[3] = s03;
      sums[4] = s10; sums[5] = s11; sums[6] = s12; sums[7] = s13;
      sums[8] = s20; sums[9] = s21; sums[10] = s22; sums[11] = s23;
      sums[12] = s30; sums[13] = s31; sums[14] = s32; sums[15] = s33;
      for (let a = 0; a < m; a++) {
        const o = rows[i0 + a] * d + c;
        out[o] = sums[a * 4];
        out[o + 1] = sums[a * 4 + 1];
        out[o + 2] = sums[a * 4 + 2];
        out[o + 3] = sums[a * 4 + 3];
      }
    }
    for (; c < d; c++) {
      const r0 = c * d;
      for (let a = 0; a < m; a++) {
        let s0 = 0;
        for (let j = 0; j < d; j++) s0 += x[j * 4 + a] * rotation[r0 + j];
        out[rows[i0 + a] * d + c] = s0;
      }
    }
  }
}

/** Quickselect on keys[lo..hi] (inclusive), carrying `index` along, so that position nth holds its
 * order statistic, smaller keys before it and larger after. */
function selectNth(keys: Float64Array, index: Int32Array, lo: number, hi: number, nth: number): void {
  while (hi > lo) {
    // median of three as pivot
    const m = (lo + hi) >>> 1;
    const a = keys[lo], b = keys[m], c = keys[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (keys[i] < pivot) i++;
      while (keys[j] > pivot) j--;
      if (i <= j) {
        const tk = keys[i];
        keys[i] = keys[j];
        keys[j] = tk;
        const ti = index[i];
        index[i] = index[j];
        index[j] = ti;
        i++;
        j--;
      }
    }
    if (nth <= j) hi = j;
    else if (nth >= i) lo = i;
    else return;
  }
}

/**
 * The slack (a distance) for a query at qBox[qOff ..]: how far its box-space distance to any tree
 * row may be from the true distance. 0 without a rotation.
 */
export function querySlack(t: KdTree, qBox: Float64Array, qOff: number): number {
  if (t.slackUnit === 0) return 0;
  let s = 0;
  for (let k = 0; k < t.dims; k++) s += qBox[qOff + k] * qBox[qOff + k];
  return t.slackUnit * (Math.sqrt(s) + t.maxNorm);
}

/**
 * Squared radii for the box tests of a radius-r search with the given slack: a box farther than
 * `prune` is out, a box whose farthest corner is within `inside` is wholly in (or -1: never).
 */
export function radiusBounds(r: number, slack: number): { prune: number; inside: number } {
  const grow = (1 + 8 * EPS) * (r + slack);
  const shrink = (1 - 8 * EPS) * (r - slack);
  return { prune: grow * grow, inside: shrink > 0 ? shrink * shrink : -1 };
}

/**
 * How a node's box lies against the ball of squared radius `prune` around qBox: -1 when the box
 * is wholly outside it, else the squared distance to the box's farthest corner (compare with an
 * `inside` bound to take the whole node unmeasured). Stops summing once the gap passes `prune`.
 */
export function nodeReach(t: KdTree, node: number, qBox: Float64Array, qOff: number, prune: number): number {
  const d = t.dims;
  const lo = t.lo;
  const hi = t.hi;
  const base = node * d;
  let gap = 0;
  let far = 0;
  for (let k = 0; k < d; k++) {
    const v = qBox[qOff + k];
    const l = lo[base + k];
    const h = hi[base + k];
    if (v < l) {
      const g = l - v;
      const f = h - v;
      gap += g * g;
      far += f * f;
      if (gap > prune) return -1;
    } else if (v > h) {
      const g = v - h;
      const f = v - l;
      gap += g * g;
      far += f * f;
      if (gap > prune) return -1;
    } else {
      const f = v - l > h - v ? v - l : h - v;
      far += f * f;
    }
  }
  return far;
}

/**
 * Squared gap between qBox and a node's box, summed over the first `dims` box-space dimensions
 * only (a lower bound on the full gap; the leading principal axes carry most of it), or -1 as soon
 * as it passes `prune`.
 */
export function nodeGap(t: KdTree, node: number, qBox: Float64Array, qOff: number, prune: number, dims: number): number {
  const d = t.dims;
  const lo = t.lo;
  const hi = t.hi;
  const base = node * d;
  let gap = 0;
  for (let k = 0; k < dims; k++) {
    const v = qBox[qOff + k];
    const l = lo[base + k];
    if (v < l) {
      gap += (l - v) * (l - v);
      if (gap > prune) return -1;
    } else {
      const h = hi[base + k];
      if (v > h) {
        gap += (v - h) * (v - h);
        if (gap > prune) return -1;
      }
    }
  }
  return gap;
}

/** Squared distance between row p of `a` and row q of `b` (both d wide), exiting once past `stop`. */
export function squaredDistance(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number, stop: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const diff = a[ao + j] - b[bo + j];
    s += diff * diff;
    if ((j & 7) === 7 && s > stop) return s;
  }
  return s;
}

/**
 * Reusable query state for one tree (stacks, result buffers), so a loop of queries allocates
 * nothing. Not shared between threads.
 *
 * Every query names its point twice: `qBox` (box space, for pruning) and `qRaw` (original
 * coordinates, for distances) at the same offset. For a row of the tree that is
 * (tree.boxPoints, tree.points, p * dims); for outside rows (toTreeSpace(tree, X), X.data, i * dims).
 */
export class KdSearch {
  readonly tree: KdTree;
  private readonly stack: Int32Array;
  /** tree positions found by the last collecting `within` call */
  found: Int32Array;
  /** rows listed by the last collecting `within` call */
  count = 0;
  private heapD: Float64Array = new Float64Array(0);
  private heapP: Int32Array = new Int32Array(0);

  constructor(tree: KdTree) {
    this.tree = tree;
    this.stack = new Int32Array(tree.depth * 2 + 8);
    this.found = new Int32Array(64);
  }

  private push(p: number): void {
    if (this.count === this.found.length) {
      const f = new Int32Array(this.found.length * 2);
      f.set(this.found);
      this.found = f;
    }
    this.found[this.count++] = p;
  }

  /**
   * Rows within distance r (inclusive) of the query; returns how many. With `collect`, their tree
   * positions are listed in found[0 .. count). With `limit` > 0 the search stops once `limit` rows
   * are counted and returns `limit` (the list is then partial: use it to ask "at least limit?";
   * a count below limit means the search was exhaustive). `keep` (per tree position) and `nodeKeep`
   * (per node, 0 = none of its rows wanted) narrow the search, e.g. to core rows only. `home`,
   * when the query is a row of the tree, is its tree position: its own leaf is searched first.
   */
  within(
    qBox: Float64Array,
    qRaw: Float64Array,
    qOff: number,
    r: number,
    limit: number,
    collect: boolean,
    keep?: Uint8Array,
    nodeKeep?: Int32Array,
    home = -1,
  ): number {
    const t = this.tree;
    const d = t.dims;
    const pts = t.points;
    const stack = this.stack;
    const r2 = r * r;
    const { prune, inside } = radiusBounds(r, querySlack(t, qBox, qOff));
    const inside4 = 4 * inside;
    const gapDims = Math.min(d, GAP_DIMS);
    this.count = 0;
    let counted = 0;
    if (t.size === 0) return 0;
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp];
      if (nodeKeep !== undefined && nodeKeep[node] === 0) continue;
      // a box wider than the ball can never lie inside it: test its gap only, and for an inner
      // node only over the leading dimensions (a cheaper, weaker bound; the children check again)
      let far: number;
      if (t.diag2[node] > inside4) {
        far = nodeGap(t, node, qBox, qOff, prune, t.nodeLeft[node] >= 0 ? gapDims : d) < 0 ? -1 : Infinity;
      } else far = nodeReach(t, node, qBox, qOff, prune);
      if (far < 0) continue; // box farther than the radius
      const start = t.nodeStart[node];
      const end = t.nodeEnd[node];
      if (far <= inside) {
        // the whole node lies inside the ball
        if (keep === undefined) {
          if (collect) for (let p = start; p < end; p++) this.push(p);
          counted += end - start;
        } else {
          for (let p = start; p < end; p++) {
            if (keep[p] === 0) continue;
            if (collect) this.push(p);
            counted++;
          }
        }
        if (limit > 0 && counted >= limit) return limit;
        continue;
      }
      const left = t.nodeLeft[node];
      if (left >= 0) {
        // the child holding `home` is searched first: a training row's own leaf is where its
        // neighbours most likely are, which makes the early exit come sooner
        const right = t.nodeRight[node];
        if (home >= t.nodeStart[right]) {
          stack[sp++] = left;
          stack[sp++] = right;
        } else {
          stack[sp++] = right;
          stack[sp++] = left;
        }
        continue;
      }
      for (let p = start; p < end; p++) {
        if (keep !== undefined && keep[p] === 0) continue;
        if (squaredDistance(pts, p * d, qRaw, qOff, d, r2) <= r2) {
          if (collect) this.push(p);
          counted++;
          if (limit > 0 && counted >= limit) return limit;
        }
      }
    }
    return collect ? this.count : counted;
  }

  /**
   * The k nearest rows to the query: writes tree positions and squared distances, nearest first,
   * into outP/outD2 (length >= k) and returns how many were found (min(k, size)). `exclude` (a tree
   * position, or -1) is skipped: a training row asking for its neighbours other than itself.
   */
  nearest(
    qBox: Float64Array,
    qRaw: Float64Array,
    qOff: number,
    k: number,
    outP: Int32Array,
    outD2: Float64Array,
    exclude = -1,
  ): number {
    const t = this.tree;
    const d = t.dims;
    const pts = t.points;
    if (this.heapD.length < k) {
      this.heapD = new Float64Array(k);
      this.heapP = new Int32Array(k);
    }
    const hd = this.heapD;
    const hp = this.heapP;
    let hn = 0; // max-heap on squared distance
    let worst = Infinity; // k-th best squared distance so far
    let prune = Infinity; // the box-space bound that goes with it
    const slack = querySlack(t, qBox, qOff);
    const gapDims = Math.min(t.dims, GAP_DIMS);
    const stack = this.stack;
    // depth-first with the nearer child first, which finds close rows early and tightens `worst`
    let sp = 0;
    if (t.size > 0) stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp];
      if (nodeGap(t, node, qBox, qOff, prune, gapDims) < 0) continue;
      const left = t.nodeLeft[node];
      if (left >= 0) {
        const right = t.nodeRight[node];
        if (qBox[qOff + t.nodeDim[node]] <= t.nodeSplit[node]) {
          stack[sp++] = right;
          stack[sp++] = left;
        } else {
          stack[sp++] = left;
          stack[sp++] = right;
        }
        continue;
      }
      const end = t.nodeEnd[node];
      for (let p = t.nodeStart[node]; p < end; p++) {
        if (p === exclude) continue;
        const s = squaredDistance(pts, p * d, qRaw, qOff, d, worst);
        if (hn === k && s >= worst) continue;
        if (hn < k) {
          // sift up
          let c = hn++;
          while (c > 0) {
            const parent = (c - 1) >> 1;
            if (hd[parent] >= s) break;
            hd[c] = hd[parent];
            hp[c] = hp[parent];
            c = parent;
          }
          hd[c] = s;
          hp[c] = p;
        } else {
          // replace the root, sift down
          let c = 0;
          for (;;) {
            const l = 2 * c + 1;
            if (l >= k) break;
            const r = l + 1;
            const m = r < k && hd[r] > hd[l] ? r : l;
            if (hd[m] <= s) break;
            hd[c] = hd[m];
            hp[c] = hp[m];
            c = m;
          }
          hd[c] = s;
          hp[c] = p;
        }
        if (hn === k) {
          worst = hd[0];
          prune = radiusBounds(Math.sqrt(worst), slack).prune;
        }
      }
    }
    // heap -> ascending order
    for (let m = hn - 1; m >= 0; m--) {
      outD2[m] = hd[0];
      outP[m] = hp[0];
      const s = hd[m];
      const sp2 = hp[m];
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= m) break;
        const r = l + 1;
        const x = r < m && hd[r] > hd[l] ? r : l;
        if (hd[x] <= s) break;
        hd[c] = hd[x];
        hp[c] = hp[x];
        c = x;
      }
      hd[c] = s;
      hp[c] = sp2;
    }
    return hn;
  }
}
