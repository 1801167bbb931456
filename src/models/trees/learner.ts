/**
 * The tree learner: grows one tree over binned rows for any Criterion, the way LightGBM's serial
 * tree learner does. Each open leaf keeps its histogram and best split; the learner splits the leaf
 * with the largest gain (best-first, so max_leaves keeps the most useful splits), partitions its
 * rows in place, builds the smaller child's histogram and gets the larger one by subtraction.
 *
 * With no leaf budget, best-first and depth-first grow the same tree (every splittable node is
 * split); the learner then works depth-first, which keeps fewer histograms alive.
 *
 * Random forests draw features per node (max_features). Their parent histogram then lacks the
 * child's features, so each node builds its own over the drawn features only (cheap: a few
 * columns), and when none of the drawn features can split the node the learner draws more, as
 * scikit-learn does for constant features.
 *
 * Deliberately not here: bagging, row or column subsampling per tree (callers pass the rows and
 * features a tree may use), and anything about threads: a call is single-threaded and
 * deterministic given its Rng.
 */
import type { Rng } from '../../util/rng.js';
import type { BinnedMatrix } from './binning.js';
import { binThreshold } from './binning.js';
import type { Criterion } from './criteria.js';
import { HistScratch, histLength, subtractHist } from './histogram.js';
import { partitionRows } from './partition.js';
import type { GossScratch } from './goss.js';
import { SplitInfo } from './split.js';
import { TreeBuilder, type TreeArrays } from './tree-arrays.js';

export interface GrowOptions {
  /** deepest level a split may create (root = 0); Infinity for none */
  readonly maxDepth: number;
  /** most leaves; Infinity for none */
  readonly maxLeaves: number;
  /** a node with fewer rows is not split */
  readonly minSamplesSplit: number;
  /** features drawn at each node; >= the tree's feature count means all (no per-node draw) */
  readonly featuresPerNode: number;
}

/** Buffers one thread reuses across the trees it grows (nothing here is per tree). */
export class GrowWorkspace {
  readonly histScratch: HistScratch;
  readonly partScratch: Int32Array;
  readonly featDraw: Int32Array;
  /** GOSS buffers, made on first use */
  goss: GossScratch | undefined;
  /** bootstrap buffers of forest trees, made on first use */
  bootstrap: { counts: Int32Array; w: Float64Array; idx: Int32Array } | undefined;
  private readonly pool: Float64Array[] = [];
  private readonly histSize: number;

  constructor(
    readonly bins: BinnedMatrix,
    readonly stride: number,
  ) {
    this.histScratch = new HistScratch(bins.rows, bins.cols, stride);
    this.partScratch = new Int32Array(bins.rows);
    this.featDraw = new Int32Array(bins.cols);
    this.histSize = histLength(bins, stride);
  }

  acquire(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.histSize);
  }

  release(h: Float64Array | null): void {
    if (h) this.pool.push(h);
  }
}

interface OpenNode {
  node: number;
  start: number;
  end: number;
  depth: number;
  stats: Float64Array;
  hist: Float64Array | null;
  split: SplitInfo;
}

/**
 * Grow one tree on rows idx[0..nRows) (ascending; the slice is reordered in place) using the
 * features in `features` (ascending). Returns the tree as arrays with a single root.
 */
export function growTree(
  bins: BinnedMatrix,
  idx: Int32Array,
  nRows: number,
  features: Int32Array,
  crit: Criterion,
  opts: GrowOptions,
  rng: Rng,
  ws: GrowWorkspace,
): TreeArrays {
  const stride = crit.stride;
  const dims = crit.valueDims;
  const tb = new TreeBuilder(dims);
  const nFeatures = features.length;
  const perNode = opts.featuresPerNode < nFeatures;
  const bestFirst = Number.isFinite(opts.maxLeaves);

  const canSplit = (n: OpenNode): boolean =>
    n.depth < opts.maxDepth && n.end - n.start >= opts.minSamplesSplit && !crit.cannotSplit(n.stats, n.end - n.start);

  const newNode = (start: number, end: number, depth: number, stats: Float64Array): OpenNode => {
    const node = tb.addLeaf(crit.cover(stats));
    if (crit.rowsValue) crit.rowsValue(idx, start, end, tb.value, node * dims);
    else crit.nodeValue(stats, tb.value, node * dims);
    return { node, start, end, depth, stats, hist: null, split: new SplitInfo(stride) };
  };

  /** Find n's best split; with per-node features, build its histogram here. */
  const evaluate = (n: OpenNode): void => {
    n.split.reset();
    if (!perNode) {
      crit.findSplit(n.hist!, bins, features, nFeatures, n.stats, ws.histScratch, n.split);
      return;
    }
    const draw = ws.featDraw;
    draw.set(features);
    const hist = ws.acquire();
    let drawn = 0;
    while (drawn < nFeatures && n.split.feature < 0) {
      const batch = Math.min(opts.featuresPerNode, nFeatures - drawn);
      for (let i = drawn; i < drawn + batch; i++) {
        const j = i + rng.int(nFeatures - i);
        const t = draw[i];
        draw[i] = draw[j];
        draw[j] = t;
      }
      const sel = draw.subarray(drawn, drawn + batch);
      sel.sort();
      crit.buildHist(hist, bins, sel, batch, idx, n.start, n.end, ws.histScratch, true);
      crit.findSplit(hist, bins, sel, batch, n.stats, ws.histScratch, n.split);
      drawn += batch;
    }
    ws.release(hist);
  };

  const rootStats = new Float64Array(stride);
  crit.nodeStats(idx, 0, nRows, rootStats);
  const root = newNode(0, nRows, 0, rootStats);
  const open: OpenNode[] = [];
  if (canSplit(root)) {
    if (!perNode) {
      root.hist = ws.acquire();
      crit.buildHist(root.hist, bins, features, nFeatures, idx, 0, nRows, ws.histScratch, false);
    }
    evaluate(root);
    if (root.split.feature >= 0) open.push(root);
    else ws.release(root.hist);
  }

  let leaves = 1;
  while (open.length > 0 && leaves < opts.maxLeaves) {
    let pick = open.length - 1;
    if (bestFirst) {
      for (let i = 0; i < open.length; i++) if (open[i].split.gain > open[pick].split.gain) pick = i;
      // ties go to the earliest opened node, whatever the array order
      for (let i = 0; i < open.length; i++) {
        if (open[i].split.gain === open[pick].split.gain && open[i].node < open[pick].node) pick = i;
      }
    }
    const p = open[pick];
    open[pick] = open[open.length - 1];
    open.pop();

    const s = p.split;
    const mid = partitionRows(idx, p.start, p.end, bins, s.feature, s.bin, s.nanLeft, ws.partScratch);
    const lStats = new Float64Array(stride);
    const rStats = new Float64Array(stride);
    lStats.set(s.left);
    for (let j = 0; j < stride; j++) rStats[j] = p.stats[j] - lStats[j];
    const L = newNode(p.start, mid, p.depth + 1, lStats);
    const R = newNode(mid, p.end, p.depth + 1, rStats);
    // a feature that had no NaN in training sends NaN to the heavier side
    const nanLeft = bins.hasNaN[s.feature] === 1 ? s.nanLeft : crit.cover(lStats) >= crit.cover(rStats);
    tb.split(p.node, s.feature, binThreshold(bins.mapper, s.feature, s.bin), s.bin, nanLeft, s.gain, L.node, R.node);
    leaves++;

    const needL = canSplit(L);
    const needR = canSplit(R);
    if (!perNode) {
      if (needL || needR) {
        const small = L.end - L.start <= R.end - R.start ? L : R;
        const large = small === L ? R : L;
        small.hist = ws.acquire();
        crit.buildHist(small.hist, bins, features, nFeatures, idx, small.start, small.end, ws.histScratch, false);
        if (small === L ? needR : needL) {
          large.hist = p.hist;
          subtractHist(large.hist!, small.hist, bins, features, nFeatures, stride);
        } else ws.release(p.hist);
        if (!(small === L ? needL : needR)) {
          ws.release(small.hist);
          small.hist = null;
        }
      } else ws.release(p.hist);
    }
    p.hist = null;
    for (const c of [L, R]) {
      if (!(c === L ? needL : needR)) continue;
      evaluate(c);
      if (c.split.feature >= 0) open.push(c);
      else {
        ws.release(c.hist);
        c.hist = null;
      }
    }
  }
  for (const n of open) ws.release(n.hist);
  return tb.finish();
}
