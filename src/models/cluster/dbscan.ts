/**
 * DBSCAN (Ester, Kriegel, Sander, Xu 1996), Euclidean, giving the same clusters as scikit-learn's
 * `DBSCAN(eps, min_samples)` label for label (the numbering too, not only the partition).
 *
 * scikit-learn's semantics, which we reproduce:
 * - a row's eps-neighbourhood includes the row itself and every row at distance <= eps;
 * - a row is core when its neighbourhood holds at least `minSamples` rows (itself included);
 * - clusters are the connected components of core rows (two core rows within eps are linked);
 * - sklearn starts a cluster at each not-yet-labelled core row in row order and labels, depth
 *   first, everything reachable. So clusters are numbered by their smallest core row index, and a
 *   border row (not core, within eps of a core row) reachable from two clusters joins the one
 *   numbered first, whatever order the expansion visits rows in;
 * - everything else is noise, label -1.
 *
 * How, instead of sklearn's "list every neighbourhood, then search": (1) count neighbours with the
 * KD-tree, stopping as soon as `minSamples` are seen (a row in a dense flood needs a handful of
 * distance computations, not thousands); (2) union-find over core-to-core links, searching only
 * tree nodes that hold core rows and skipping whole nodes already joined to the query's cluster;
 * (3) give each non-core row the first-numbered cluster among its core neighbours (step 1 has
 * already listed them: a search that ends short of minSamples was exhaustive). Memory stays
 * O(n * minSamples) where sklearn's neighbourhood lists are O(n^2) at worst.
 *
 * What it deliberately does not do: sample weights, other metrics, precomputed distances.
 */
import type { Matrix } from '../../features/matrix.js';
import { checkParam, UserError } from '../../util/errors.js';
import { buildKdTree, GAP_DIMS, KdSearch, nodeGap, nodeReach, querySlack, radiusBounds, squaredDistance, type KdTree } from './kd-tree.js';

export interface DbscanOptions {
  /** neighbourhood radius (Euclidean), > 0 */
  readonly eps: number;
  /** rows a neighbourhood must hold, the row itself included, for the row to be core; >= 1 */
  readonly minSamples: number;
}

/** Most neighbour entries kept from step (1) for step (3) (4 bytes each). */
const KEEP_NEIGHBOURS_MAX = 1 << 25;

/** Per-row kind codes in `DbscanResult.kind`. */
export const NOISE = 0;
export const BORDER = 1;
export const CORE = 2;
export type PointKind = typeof NOISE | typeof BORDER | typeof CORE;
export const POINT_KIND_NAMES = ['noise', 'border', 'core'] as const;

export interface DbscanResult {
  /** cluster per row, 0 .. nClusters-1, or -1 for noise; numbered as scikit-learn numbers them */
  readonly labels: Int32Array;
  /** NOISE, BORDER or CORE per row */
  readonly kind: Uint8Array;
  /** indices of the core rows, ascending (sklearn's core_sample_indices_) */
  readonly coreIndices: Int32Array;
  readonly nClusters: number;
}

export function checkDbscanOptions(o: DbscanOptions): void {
  checkParam('DBSCAN', 'eps', typeof o.eps === 'number' && o.eps > 0 && Number.isFinite(o.eps), 'a float in the range (0.0, inf)', o.eps);
  checkParam(
    'DBSCAN',
    'minSamples',
    Number.isInteger(o.minSamples) && o.minSamples >= 1,
    'an int in the range [1, inf)',
    o.minSamples,
  );
}

/** Cluster the rows of X. `tree` may be passed when one over all rows of X already exists. */
export function dbscan(X: Matrix, options: DbscanOptions, tree?: KdTree): DbscanResult {
  checkDbscanOptions(options);
  for (let i = 0; i < X.data.length; i++) {
    if (!Number.isFinite(X.data[i])) {
      throw new UserError(
        `DBSCAN: row ${Math.floor(i / X.cols) + 1}, column ${(i % X.cols) + 1} is ${X.data[i]}; replace missing and infinite values before clustering`,
      );
    }
  }
  const n = X.rows;
  const t = tree ?? buildKdTree(X);
  if (t.size !== n) throw new Error('dbscan: tree does not cover the rows of X');
  const d = t.dims;
  const eps = options.eps;
  const minSamples = options.minSamples;
  const search = new KdSearch(t);
  const nodes = t.nodeStart.length;

  // (1) core rows, by tree position. A node whose box diagonal is within eps (with the rotation's
  // slack for any two of its rows) holds rows that are all each other's neighbours: with
  // minSamples of them, all are core without a search.
  const core = new Uint8Array(n);
  const tight = new Uint8Array(nodes);
  const tightBound = radiusBounds(eps, 2 * t.slackUnit * t.maxNorm).inside;
  for (let node = 0; node < nodes; node++) {
    let diag = 0;
    for (let k = 0, b = node * d; k < d; k++) diag += (t.hi[b + k] - t.lo[b + k]) ** 2;
    if (diag > tightBound) continue;
    tight[node] = 1;
    if (t.nodeEnd[node] - t.nodeStart[node] >= minSamples) core.fill(1, t.nodeStart[node], t.nodeEnd[node]);
  }
  // A row whose search ends short of minSamples was searched exhaustively, so its whole (small)
  // neighbourhood is at hand: keep it, and step (3) needs no second search for that row.
  const keep = minSamples > 1 && n * (minSamples - 1) <= KEEP_NEIGHBOURS_MAX ? minSamples - 1 : 0;
  const near = new Int32Array(n * keep);
  const nearCount = new Int32Array(keep > 0 ? n : 0);
  for (let p = 0; p < n; p++) {
    if (core[p] === 1) continue;
    const c = search.within(t.boxPoints, t.points, p * d, eps, minSamples, keep > 0, undefined, undefined, p);
    if (c >= minSamples) core[p] = 1;
    else if (keep > 0) {
      near.set(search.found.subarray(0, c), p * keep);
      nearCount[p] = c;
    }
  }
  // core rows per node, so searches for core neighbours skip nodes without any
  const nodeCore = new Int32Array(nodes);
  for (let node = 0; node < nodes; node++) {
    let c = 0;
    for (let p = t.nodeStart[node]; p < t.nodeEnd[node]; p++) c += core[p];
    nodeCore[node] = c;
  }

  // (2) components of core rows
  const uf = new UnionFind(n);
  linkCores(t, core, nodeCore, tight, eps, uf);

  // number components by their smallest core row index (original order), as sklearn does
  const index = t.index;
  const parent = uf.parent;
  const rank = new Int32Array(n).fill(0x7fffffff);
  for (let p = 0; p < n; p++) {
    if (core[p] === 0) continue;
    const r = uf.find(p);
    if (index[p] < rank[r]) rank[r] = index[p];
  }
  const roots: number[] = [];
  for (let p = 0; p < n; p++) if (core[p] === 1 && parent[p] === p) roots.push(p);
  roots.sort((a, b) => rank[a] - rank[b]);
  const clusterOf = new Int32Array(n).fill(-1); // by tree position, core rows only
  {
    const clusterOfRoot = new Int32Array(n).fill(-1);
    for (let c = 0; c < roots.length; c++) clusterOfRoot[roots[c]] = c;
    for (let p = 0; p < n; p++) if (core[p] === 1) clusterOf[p] = clusterOfRoot[uf.find(p)];
  }

  const labels = new Int32Array(n).fill(-1);
  const kind = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    if (core[p] === 0) continue;
    labels[index[p]] = clusterOf[p];
    kind[index[p]] = CORE;
  }
  // (3) border rows: the first-numbered cluster among their core neighbours
  const nodeCluster = keep > 0 ? new Int32Array(0) : clusterPerNode(t, clusterOf);
  const stack = new Int32Array(t.depth * 2 + 8);
  for (let p = 0; p < n; p++) {
    if (core[p] === 1) continue;
    let c = -1;
    if (keep > 0) {
      for (let i = 0, o = p * keep; i < nearCount[p]; i++) {
        const k = clusterOf[near[o + i]];
        if (k >= 0 && (c < 0 || k < c)) c = k;
      }
    } else c = firstClusterWithin(t, p, eps, clusterOf, nodeCluster, stack);
    if (c < 0) continue;
    labels[index[p]] = c;
    kind[index[p]] = BORDER;
  }

  let nCore = 0;
  for (let p = 0; p < n; p++) nCore += core[p];
  const coreIndices = new Int32Array(nCore);
  for (let i = 0, j = 0; i < n; i++) if (kind[i] === CORE) coreIndices[j++] = i;
  return { labels, kind, coreIndices, nClusters: roots.length };
}

/** Union-find over tree positions, with path halving; a root is always its set's smallest member. */
class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(p: number): number {
    const parent = this.parent;
    while (parent[p] !== p) {
      parent[p] = parent[parent[p]];
      p = parent[p];
    }
    return p;
  }
  /** joins the two sets; returns the new root */
  union(a: number, b: number): number {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return ra;
    if (ra < rb) {
      this.parent[rb] = ra;
      return ra;
    }
    this.parent[ra] = rb;
    return rb;
  }
}

/**
 * Joins every two core rows within eps. A plain search would list each core row's whole
 * neighbourhood (millions of pairs in a flood); instead each pair is looked for only from its
 * lower tree position (so half the tree is skipped on average), each node remembers a core row
 * `rep` once all its core rows are known to be in one set, and a search skips any node whose set
 * is already the query's, and any row already in the query's set, without measuring a distance.
 */
function linkCores(t: KdTree, core: Uint8Array, nodeCore: Int32Array, tight: Uint8Array, eps: number, uf: UnionFind): void {
  const n = t.size;
  const d = t.dims;
  const pts = t.points;
  const box = t.boxPoints;
  const r2 = eps * eps;
  const nodes = t.nodeStart.length;
  const rep = new Int32Array(nodes).fill(-1);
  // a tight node's core rows are linked to each other outright
  for (let node = 0; node < nodes; node++) {
    if (tight[node] === 0 || nodeCore[node] === 0) continue;
    let first = -1;
    for (let p = t.nodeStart[node]; p < t.nodeEnd[node]; p++) {
      if (core[p] === 0) continue;
      if (first < 0) first = p;
      else uf.union(first, p);
    }
    rep[node] = first;
  }
  const stack = new Int32Array(t.depth * 2 + 8);
  const gapDims = Math.min(d, GAP_DIMS);
  for (let p = 0; p < n; p++) {
    if (core[p] === 0) continue;
    const q = p * d;
    const { prune, inside } = radiusBounds(eps, querySlack(t, box, q));
    let root = uf.find(p);
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp];
      // a link is found from its lower tree position: nodes wholly before p were searched from
      if (nodeCore[node] === 0 || t.nodeEnd[node] <= p + 1) continue;
      if (rep[node] >= 0 && uf.find(rep[node]) === root) continue;
      // as in KdSearch.within: a box wider than the ball only needs its gap tested
      const far =
        t.diag2[node] > 4 * inside
          ? nodeGap(t, node, box, q, prune, t.nodeLeft[node] >= 0 ? gapDims : d) < 0
            ? -1
            : Infinity
          : nodeReach(t, node, box, q, prune);
      if (far < 0) continue;
      const start = t.nodeStart[node];
      const end = t.nodeEnd[node];
      if (far <= inside) {
        // every core row here is within eps of p
        if (rep[node] >= 0) root = uf.union(root, rep[node]);
        else {
          for (let x = start; x < end; x++) if (core[x] === 1) root = uf.union(root, x);
          rep[node] = p;
        }
        continue;
      }
      const left = t.nodeLeft[node];
      if (left >= 0) {
        const right = t.nodeRight[node];
        if (rep[node] < 0) {
          // a node is one set when its children with core rows are one set
          const rl = nodeCore[left] === 0 ? -2 : rep[left];
          const rr = nodeCore[right] === 0 ? -2 : rep[right];
          if (rl !== -1 && rr !== -1 && (rl === -2 || rr === -2 || uf.find(rl) === uf.find(rr))) rep[node] = rl >= 0 ? rl : rr;
        }
        if (p >= t.nodeStart[right]) {
          stack[sp++] = left;
          stack[sp++] = right;
        } else {
          stack[sp++] = right;
          stack[sp++] = left;
        }
        continue;
      }
      // rows at or before p are skipped, so the leaf is known to be one set only if none are
      let one = start > p;
      for (let x = start > p ? start : p + 1; x < end; x++) {
        if (core[x] === 0) continue;
        if (uf.find(x) === root) continue;
        if (squaredDistance(pts, x * d, pts, q, d, r2) <= r2) root = uf.union(root, x);
        else one = false;
      }
      if (one && rep[node] < 0) rep[node] = p;
    }
  }
}

/** Per node: the cluster all its core rows share, -1 when they differ, -2 when it has none. */
function clusterPerNode(t: KdTree, clusterOf: Int32Array): Int32Array {
  const nodes = t.nodeStart.length;
  const out = new Int32Array(nodes);
  // children are created after their parent, so a reverse sweep sees children first
  for (let node = nodes - 1; node >= 0; node--) {
    const left = t.nodeLeft[node];
    if (left >= 0) {
      const a = out[left];
      const b = out[t.nodeRight[node]];
      out[node] = a === -2 ? b : b === -2 ? a : a === b ? a : -1;
      continue;
    }
    let c = -2;
    for (let p = t.nodeStart[node]; p < t.nodeEnd[node]; p++) {
      const k = clusterOf[p];
      if (k < 0) continue;
      if (c === -2) c = k;
      else if (c !== k) {
        c = -1;
        break;
      }
    }
    out[node] = c;
  }
  return out;
}

/** The smallest cluster number among core rows within eps of tree row p, or -1 when none is. */
function firstClusterWithin(t: KdTree, p: number, eps: number, clusterOf: Int32Array, nodeCluster: Int32Array, stack: Int32Array): number {
  const d = t.dims;
  const pts = t.points;
  const q = p * d;
  const r2 = eps * eps;
  const { prune, inside } = radiusBounds(eps, querySlack(t, t.boxPoints, q));
  let best = 0x7fffffff;
  let sp = 0;
  stack[sp++] = 0;
  while (sp > 0) {
    const node = stack[--sp];
    const nc = nodeCluster[node];
    if (nc === -2 || nc >= best) continue; // no core rows, or none that could improve on best
    const far = nodeReach(t, node, t.boxPoints, q, prune);
    if (far < 0) continue;
    if (far <= inside && nc >= 0) {
      best = nc;
      continue;
    }
    const left = t.nodeLeft[node];
    if (left >= 0) {
      stack[sp++] = t.nodeRight[node];
      stack[sp++] = left;
      continue;
    }
    for (let x = t.nodeStart[node]; x < t.nodeEnd[node]; x++) {
      const c = clusterOf[x];
      if (c < 0 || c >= best) continue;
      if (squaredDistance(pts, x * d, pts, q, d, r2) <= r2) best = c;
    }
  }
  return best === 0x7fffffff ? -1 : best;
}
