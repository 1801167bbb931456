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
 * node without measuring when the box lies inside the ball. On the CIC-IDS2017 sample this prunes
 * far better than brute force in blocks (measured; see the report in dbscan.ts).
 *
 * Layout: everything in flat typed arrays. The rows are copied in tree order (`points`), so a leaf
 * is one contiguous slice of memory; `index` maps a tree position back to the caller's row. Nodes
 * are numbered in creation order with explicit children (-1 at a leaf) and their boxes in `lo`/`hi`
 * (node x dims). The tree is a plain object of typed arrays, so it can sit in a model's fitted state.
 *
 * What it deliberately does not do: other metrics, incremental insertion, approximate search.
 * Distances are summed directly as sum((a-b)^2), never through |a|^2+|b|^2-2ab, so that a
 * radius test decides near-ties as exactly as float64 allows (DBSCAN must agree with
 * scikit-learn's labels).
 */
import type { Matrix } from '../../features/matrix.js';
import { covariance, symmetricEigen } from '../../features/pca.js';

export interface KdTree {
  readonly size: number;
  readonly dims: number;
  /**
   * When set, the tree works in rotated coordinates: y = rotation * (x - center), rotation d x d
   * row-major and orthogonal. Queries must be mapped with `toTreeSpace` first.
   */
  readonly rotation?: Float64Array;
  readonly center?: Float64Array;
  /** rows in tree order and tree space, size x dims */
  readonly points: Float64Array;
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
  /** per node: tight bounding box, nodes x dims */
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  /** deepest root-to-leaf path, for sizing traversal stacks */
  readonly depth: number;
}

export interface KdTreeOptions {
  /** most rows in a leaf (default 16) */
  readonly leafSize?: number;
  /** build on these rows of X only (tree positions then map to these row numbers) */
  readonly rows?: ArrayLike<number>;
  /**
   * rotate the rows onto their principal axes first (default true). A rotation keeps every
   * distance (to rounding, about 1e-15 relative), but puts most of the spread into the first
   * coordinates, so splits are better and box gaps pass the radius after a few terms: on the
   * CIC-IDS2017 sample DBSCAN ran twice as fast with it.
   */
  readonly rotate?: boolean;
}

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
  // rows in tree space, in the caller's order (src[index[p]] is tree position p)
  let src = X.data;
  if ((options.rotate ?? true) && d > 1 && n > 2) {
    ({ rotation, center } = principalRotation(X, index));
    src = new Float64Array(X.rows * d);
    toTreeSpaceInto(X.data, index, d, rotation, center, src);
  }
  const maxNodes = Math.max(1, 2 * Math.ceil(n / Math.max(1, leafSize)) + 1) * 2;
  let nodeStart = new Int32Array(maxNodes);
  let nodeEnd = new Int32Array(maxNodes);
  let nodeLeft = new Int32Array(maxNodes);
  let nodeRight = new Int32Array(maxNodes);
  let nodeDim = new Int32Array(maxNodes);
  let nodeSplit = new Float64Array(maxNodes);
  let lo = new Float64Array(maxNodes * d);
  let hi = new Float64Array(maxNodes * d);
  let nodes = 0;
  let depth = 0;
  const keys = new Float64Array(n);

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
      lo = grow(lo);
      hi = grow(hi);
    }
    const id = nodes++;
    nodeStart[id] = start;
    nodeEnd[id] = end;
    nodeLeft[id] = -1;
    nodeRight[id] = -1;
    nodeDim[id] = -1;
    const base = id * d;
    for (let k = 0; k < d; k++) {
      lo[base + k] = Infinity;
      hi[base + k] = -Infinity;
    }
    for (let p = start; p < end; p++) {
      const o = index[p] * d;
      for (let k = 0; k < d; k++) {
        const v = src[o + k];
        if (v < lo[base + k]) lo[base + k] = v;
        if (v > hi[base + k]) hi[base + k] = v;
      }
    }
    return id;
  };

  // iterative build: a stack of (node, depth)
  const stack: number[] = [];
  if (n > 0) stack.push(newNode(0, n), 1);
  while (stack.length > 0) {
    const level = stack.pop()!;
    const id = stack.pop()!;
    if (level > depth) depth = level;
    const start = nodeStart[id];
    const end = nodeEnd[id];
    if (end - start <= leafSize) continue;
    // split the dimension of widest spread at its median
    const base = id * d;
    let dim = 0;
    let spread = -1;
    for (let k = 0; k < d; k++) {
      const s = hi[base + k] - lo[base + k];
      if (s > spread) {
        spread = s;
        dim = k;
      }
    }
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
  for (let p = 0; p < n; p++) points.set(src.subarray(index[p] * d, index[p] * d + d), p * d);
  return {
    size: n,
    dims: d,
    rotation,
    center,
    points,
    index,
    nodeStart: nodeStart.slice(0, nodes),
    nodeEnd: nodeEnd.slice(0, nodes),
    nodeLeft: nodeLeft.slice(0, nodes),
    nodeRight: nodeRight.slice(0, nodes),
    nodeDim: nodeDim.slice(0, nodes),
    nodeSplit: nodeSplit.slice(0, nodes),
    lo: lo.slice(0, nodes * d),
    hi: hi.slice(0, nodes * d),
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

/** The rows of X mapped into the tree's coordinates (a copy; X itself when there is no rotation). */
export function toTreeSpace(t: KdTree, X: Matrix): Float64Array {
  if (X.cols !== t.dims) throw new Error(`kd-tree: built on ${t.dims} columns, queried with ${X.cols}`);
  if (!t.rotation || !t.center) return X.data;
  const out = new Float64Array(X.rows * X.cols);
  const all = new Int32Array(X.rows);
  for (let i = 0; i < X.rows; i++) all[i] = i;
  toTreeSpaceInto(X.data, all, X.cols, t.rotation, t.center, out);
  return out;
}

function toTreeSpaceInto(
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
      const sums = [s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33];
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
 * Reusable query state for one tree (stacks, result buffers), so a loop of queries allocates
 * nothing. Not shared between threads.
 */
export class KdSearch {
  readonly tree: KdTree;
  private readonly stack: Int32Array;
  /** tree positions found by the last `within` call */
  found: Int32Array;
  /** squared distances of the last `within` call (only when asked for) */
  foundD2: Float64Array;
  /** rows listed by the last collecting `within` call */
  count = 0;
  // k-nearest heap
  private heapD: Float64Array = new Float64Array(0);
  private heapP: Int32Array = new Int32Array(0);

  constructor(tree: KdTree) {
    this.tree = tree;
    this.stack = new Int32Array(tree.depth * 2 + 8);
    this.found = new Int32Array(64);
    this.foundD2 = new Float64Array(64);
  }

  private push(p: number, d2: number): void {
    if (this.count === this.found.length) {
      const f = new Int32Array(this.found.length * 2);
      f.set(this.found);
      this.found = f;
      const g = new Float64Array(this.found.length);
      g.set(this.foundD2);
      this.foundD2 = g;
    }
    this.found[this.count] = p;
    this.foundD2[this.count] = d2;
    this.count++;
  }

  /**
   * Rows within squared radius r2 (inclusive) of the query q[qOff .. qOff+dims); returns how many.
   * With `collect`, their tree positions are listed in found[0 .. count) (and squared distances in
   * foundD2, -1 where a whole node inside the ball was taken unmeasured). With `limit` > 0 the
   * search stops once `limit` rows are counted and returns `limit` (the list is then partial: use
   * it to ask "at least limit?"). `keep` (per tree position) and `nodeKeep` (per node, 0 = none
   * of its rows wanted) narrow the search, e.g. to core rows only. `home`, when the query is a
   * row of the tree, is its tree position: its own leaf is searched first.
   */
  within(
    q: Float64Array,
    qOff: number,
    r2: number,
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
    this.count = 0;
    let counted = 0;
    if (t.size === 0) return 0;
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp];
      if (nodeKeep !== undefined && nodeKeep[node] === 0) continue;
      const far = nodeReach(t, node, q, qOff, r2);
      if (far < 0) continue; // box farther than the radius
      const start = t.nodeStart[node];
      const end = t.nodeEnd[node];
      if (far <= r2) {
        // the whole node lies inside the ball
        if (keep === undefined) {
          if (collect) for (let p = start; p < end; p++) this.push(p, -1);
          counted += end - start;
        } else {
          for (let p = start; p < end; p++) {
            if (keep[p] === 0) continue;
            if (collect) this.push(p, -1);
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
        const o = p * d;
        let s = 0;
        let j = 0;
        for (; j < d; j++) {
          const diff = pts[o + j] - q[qOff + j];
          s += diff * diff;
          if ((j & 7) === 7 && s > r2) break;
        }
        if (s <= r2) {
          if (collect) this.push(p, s);
          counted++;
          if (limit > 0 && counted >= limit) return limit;
        }
      }
    }
    return collect ? this.count : counted;
  }

  /**
   * The k nearest rows to q: writes tree positions and squared distances, nearest first, into
   * outP/outD2 (length >= k) and returns how many were found (min(k, size)). `exclude` (a tree
   * position, or -1) is skipped: a training row asking for its neighbours other than itself.
   * `bound2` (optional) caps the search radius: rows farther than it are never returned.
   */
  nearest(
    q: Float64Array,
    qOff: number,
    k: number,
    outP: Int32Array,
    outD2: Float64Array,
    exclude = -1,
    bound2 = Infinity,
  ): number {
    const t = this.tree;
    const d = t.dims;
    const pts = t.points;
    const lo = t.lo;
    const hi = t.hi;
    if (this.heapD.length < k) {
      this.heapD = new Float64Array(k);
      this.heapP = new Int32Array(k);
    }
    const hd = this.heapD;
    const hp = this.heapP;
    let hn = 0; // max-heap on distance
    let worst = bound2;
    const stack = this.stack;
    // depth-first with the nearer child first, which finds close rows early and tightens `worst`
    let sp = 0;
    if (t.size > 0) stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp];
      const base = node * d;
      let gap = 0;
      for (let j = 0; j < d; j++) {
        const v = q[qOff + j];
        const l = lo[base + j];
        if (v < l) {
          const g = l - v;
          gap += g * g;
        } else {
          const h = hi[base + j];
          if (v > h) {
            const g = v - h;
            gap += g * g;
          }
        }
        if (gap > worst) break;
      }
      if (gap > worst || (hn === k && gap >= worst)) continue;
      const left = t.nodeLeft[node];
      if (left >= 0) {
        const right = t.nodeRight[node];
        // visit the child on the query's side of the split first: push it last
        if (q[qOff + t.nodeDim[node]] <= t.nodeSplit[node]) {
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
        const o = p * d;
        let s = 0;
        let j = 0;
        for (; j < d; j++) {
          const diff = pts[o + j] - q[qOff + j];
          s += diff * diff;
          if ((j & 7) === 7 && s > worst) break;
        }
        if (s > worst || (hn === k && s >= worst)) continue;
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
          if (hn === k) worst = hd[0];
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
          worst = hd[0];
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

/**
 * How a node's box lies against the ball of squared radius r2 around q: -1 when the box is wholly
 * outside it, else the squared distance to the box's farthest corner (so a value <= r2 means the
 * whole node lies inside the ball). Stops summing as soon as the gap exceeds the radius.
 */
export function nodeReach(t: KdTree, node: number, q: Float64Array, qOff: number, r2: number): number {
  const d = t.dims;
  const lo = t.lo;
  const hi = t.hi;
  const base = node * d;
  let gap = 0;
  let far = 0;
  for (let k = 0; k < d; k++) {
    const v = q[qOff + k];
    const l = lo[base + k];
    const h = hi[base + k];
    if (v < l) {
      const g = l - v;
      const f = h - v;
      gap += g * g;
      far += f * f;
      if (gap > r2) return -1;
    } else if (v > h) {
      const g = v - h;
      const f = v - l;
      gap += g * g;
      far += f * f;
      if (gap > r2) return -1;
    } else {
      const f = v - l > h - v ? v - l : h - v;
      far += f * f;
    }
  }
  return far;
}
