/**
 * The calling thread and (threads - 1) workers grow a batch of trees together: each claims the next
 * tree number from a shared atomic counter until none is left. The calling thread starts at once,
 * so a worker's start-up (tens of milliseconds to load and compile) costs nothing but the trees it
 * did not get to; faster threads simply take more trees. Which thread grows a tree never changes
 * the tree (it depends on its number and seed only) and results are put back in tree order, so
 * the model is bit-identical for any number of threads.
 *
 * The team is held for a whole fit: boosting sends it one batch (the K class trees) per round.
 *
 * Deliberately not here: what the trees are for (tree-jobs.ts grows them, the models combine them).
 */
import { WorkerPool } from '../../util/worker-pool.js';
import type { BinnedMatrix } from './binning.js';
import { GrowWorkspace } from './learner.js';
import type { TreeArrays } from './tree-arrays.js';
import { growBoostTree, growForestTree, type BoostData, type BoostTreeTask, type ForestData, type ForestTreeTask } from './tree-jobs.js';

/** A batch of trees to grow: tree i uses seeds[i] (and, for boosting, output i). */
export type TreeBatch =
  | { readonly kind: 'forest'; readonly count: number; readonly seeds: Uint32Array; readonly task: Omit<ForestTreeTask, 'seed'> }
  | { readonly kind: 'boost'; readonly count: number; readonly seeds: Uint32Array; readonly task: Omit<BoostTreeTask, 'seed' | 'output'> };

/** What a worker is sent per batch: the batch and the shared claim counters. */
export interface ClaimMessage {
  readonly batch: TreeBatch;
  /** [next tree to claim, trees finished], over a SharedArrayBuffer */
  readonly counters: Int32Array;
}

export interface ClaimResult {
  readonly indices: number[];
  readonly trees: TreeArrays[];
}

export type TeamData = { readonly kind: 'forest'; readonly data: ForestData } | { readonly kind: 'boost'; readonly data: BoostData };

function dataBins(d: TeamData): BinnedMatrix {
  return d.data.bins;
}

/** Grow trees of the batch, claiming numbers until none is left (runs on any thread). */
export function claimTrees(msg: ClaimMessage, setup: TeamData, ws: GrowWorkspace, onTree?: () => void): ClaimResult {
  const { batch, counters } = msg;
  const indices: number[] = [];
  const trees: TreeArrays[] = [];
  for (;;) {
    const i = Atomics.add(counters, 0, 1);
    if (i >= batch.count) break;
    let t: TreeArrays;
    if (batch.kind === 'forest' && setup.kind === 'forest') t = growForestTree(setup.data, { ...batch.task, seed: batch.seeds[i] }, ws);
    else if (batch.kind === 'boost' && setup.kind === 'boost') t = growBoostTree(setup.data, { ...batch.task, seed: batch.seeds[i], output: i }, ws);
    else throw new Error(`tree team: a ${batch.kind} batch sent to a ${setup.kind} team`);
    indices.push(i);
    trees.push(t);
    Atomics.add(counters, 1, 1);
    onTree?.();
  }
  return { indices, trees };
}

/** Statistics per histogram slot for the team's trees. */
function strideOf(setup: TeamData): number {
  return setup.kind === 'forest' ? setup.data.nClasses + 1 : 2;
}

export class TreeTeam {
  private readonly pool: WorkerPool<ClaimMessage, ClaimResult> | undefined;
  private readonly ws: GrowWorkspace;
  private readonly counters: Int32Array;

  /** `setup` must hold its large arrays in SharedArrayBuffers when threads > 1. */
  constructor(
    readonly setup: TeamData,
    readonly threads: number,
  ) {
    this.ws = new GrowWorkspace(dataBins(setup), strideOf(setup));
    this.counters = new Int32Array(new SharedArrayBuffer(8));
    if (threads > 1) this.pool = new WorkerPool(new URL('./tree-worker.js', import.meta.url), threads - 1, setup);
  }

  /**
   * Grow every tree of the batch; trees come back in batch order. `progress` is called on the
   * calling thread with the number of trees finished by all threads so far.
   */
  async grow(batch: TreeBatch, progress?: (done: number) => void): Promise<TreeArrays[]> {
    const counters = this.counters;
    Atomics.store(counters, 0, 0);
    Atomics.store(counters, 1, 0);
    const msg: ClaimMessage = { batch, counters };
    const helpers = this.pool && batch.count > 1 ? Array.from({ length: this.pool.size }, () => this.pool!.run(msg)) : [];
    const out: TreeArrays[] = new Array(batch.count);
    let failure: unknown;
    try {
      const mine = claimTrees(msg, this.setup, this.ws, progress && (() => progress(Atomics.load(counters, 1))));
      mine.indices.forEach((i, j) => (out[i] = mine.trees[j]));
    } catch (e) {
      // stop the helpers from claiming more, then report this thread's error
      Atomics.store(counters, 0, batch.count);
      failure = e;
    }
    const theirs = await Promise.allSettled(helpers);
    if (failure !== undefined) throw failure;
    for (const r of theirs) {
      if (r.status === 'rejected') throw r.reason;
      r.value.indices.forEach((i, j) => (out[i] = r.value.trees[j]));
    }
    progress?.(batch.count);
    return out;
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
