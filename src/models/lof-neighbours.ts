/**
 * The k nearest other training rows of every training row, the bulk of a LOF fit (n exact KD-tree
 * searches), split into chunks of rows that the calling thread and worker threads claim from a
 * shared counter (lof-worker.ts runs the same function). Each row's neighbours depend only on the
 * data, never on which thread found them, so the fit is bit-identical for any number of threads.
 *
 * Scoring new rows stays on the calling thread: a detector's score() is synchronous.
 */
import { buildKdTree, KdSearch, type KdTree } from './cluster/kd-tree.js';

/** Rows per claimed chunk: small enough to balance two threads, large enough to claim rarely. */
export const NEIGHBOUR_CHUNK = 256;

/** What every thread reads and writes (SharedArrayBuffers when threads > 1). */
export interface NeighbourJob {
  readonly train: Float64Array;
  readonly rows: number;
  readonly cols: number;
  readonly k: number;
  /** by caller row: the k neighbours' caller rows and distances */
  readonly nbr: Int32Array;
  readonly nd: Float64Array;
  /** [next chunk to claim] */
  readonly counter: Int32Array;
}

/** Claim chunks of tree positions until none is left; returns the rows done by this thread. */
export function claimNeighbours(job: NeighbourJob, tree: KdTree, progress?: (done: number, total: number) => void): number {
  const { rows: n, cols: d, k, nbr, nd, counter } = job;
  const search = new KdSearch(tree);
  const pos = new Int32Array(k);
  const d2 = new Float64Array(k);
  let done = 0;
  for (;;) {
    const from = Atomics.add(counter, 0, 1) * NEIGHBOUR_CHUNK;
    if (from >= n) break;
    const to = Math.min(n, from + NEIGHBOUR_CHUNK);
    for (let p = from; p < to; p++) {
      search.nearest(tree.boxPoints, tree.points, p * d, k, pos, d2, p);
      const row = tree.index[p];
      for (let j = 0; j < k; j++) {
        nbr[row * k + j] = tree.index[pos[j]];
        nd[row * k + j] = Math.sqrt(d2[j]);
      }
    }
    done += to - from;
    progress?.(from, n);
  }
  return done;
}

/** The tree a worker builds from the shared rows: the same as the calling thread's (deterministic). */
export function treeForJob(job: NeighbourJob): KdTree {
  return buildKdTree({ rows: job.rows, cols: job.cols, data: job.train });
}
