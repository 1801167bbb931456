/**
 * The calling thread and (threads - 1) workers grow a batch of trees together: each claims the next
 * tree number from a shared atomic counter until none is left. The calling thread starts at once,
 * so a worker's start-up (tens of milliseconds to load and compile) costs nothing but the trees it
 * did not get to; faster threads simply take more trees. Which thread grows a tree never changes
 * the tree (it depends on its number and seed only) and results are put back in tree order, so
 * the model is bit-identical for any number of threads.
 *
 * The team is held for a whole fit: boosting sends it two batches per round, the K class trees and
 * then the score update with gradients and losses (in fixed chunks of rows, boost-loss.ts).
 *
 * Deliberately not here: what the trees are for (tree-jobs.ts grows them, the models combine them).
 */
import { WorkerPool } from '../../util/worker-pool.js';
import { GrowWorkspace } from './learner.js';
import type { TreeArrays } from './tree-arrays.js';
import { LOSS_CHUNKS, lossChunk, type LossPart } from './boost-loss.js';
import { growBoostTree, growForestTree, type BoostData, type BoostTreeTask, type ForestData, type ForestTreeTask } from './tree-jobs.js';

/** A batch of trees to grow: tree i uses seeds[i] (and, for boosting, output i). */
export type TreeBatch =
  | { readonly kind: 'forest'; readonly count: number; readonly seeds: Uint32Array; readonly task: Omit<ForestTreeTask, 'seed'> }
  | { readonly kind: 'boost'; readonly count: number; readonly seeds: Uint32Array; readonly task: Omit<BoostTreeTask, 'seed' | 'output'> };

/** Boosting's other parallel step: the round's trees into the scores, gradients and losses, in LOSS_CHUNKS slices of rows. */
export interface LossBatch {
  readonly kind: 'loss';
  readonly count: number;
  /** the round's new trees (tree k for output k); none before the first round */
  readonly trees: readonly TreeArrays[];
}

export type TeamBatch = TreeBatch | LossBatch;

/** What a worker is sent per batch: the batch and the shared claim counters. */
export interface ClaimMessage {
  readonly batch: TeamBatch;
  /** [next tree to claim, trees finished], over a SharedArrayBuffer */
  readonly counters: Int32Array;
}

export interface ClaimResult {
  readonly indices: number[];
  /** a tree per index for tree batches, a LossPart per index for loss batches */
  readonly results: (TreeArrays | LossPart)[];
}

export type TeamData = { readonly kind: 'forest'; readonly data: ForestData } | { readonly kind: 'boost'; readonly data: BoostData };

/** Do items of the batch, claiming numbers until none is left (runs on any thread). */
export function claimItems(msg: ClaimMessage, setup: TeamData, ws: GrowWorkspace, onItem?: () => void): ClaimResult {
  const { batch, counters } = msg;
  const indices: number[] = [];
  const results: (TreeArrays | LossPart)[] = [];
  const p = setup.kind === 'boost' ? new Float64Array(setup.data.outputs) : undefined;
  for (;;) {
    const i = Atomics.add(counters, 0, 1);
    if (i >= batch.count) break;
    let r: TreeArrays | LossPart;
    if (batch.kind === 'forest' && setup.kind === 'forest') r = growForestTree(setup.data, { ...batch.task, seed: batch.seeds[i] }, ws);
    else if (batch.kind === 'boost' && setup.kind === 'boost') r = growBoostTree(setup.data, { ...batch.task, seed: batch.seeds[i], output: i }, ws);
    else if (batch.kind === 'loss' && setup.kind === 'boost') r = lossChunk(setup.data, i, p!, batch.trees);
    else throw new Error(`tree team: a ${batch.kind} batch sent to a ${setup.kind} team`);
    indices.push(i);
    results.push(r);
    Atomics.add(counters, 1, 1);
    onItem?.();
  }
  return { indices, results };
}

/** Statistics per histogram slot for the team's trees. */
export function strideOf(setup: TeamData): number {
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
    this.ws = new GrowWorkspace(setup.data.bins, strideOf(setup));
    this.counters = new Int32Array(new SharedArrayBuffer(8));
    if (threads > 1) this.pool = new WorkerPool(new URL('./tree-worker.js', import.meta.url), threads - 1, setup);
  }

  /**
   * Grow every tree of the batch; trees come back in batch order. `progress` is called on the
   * calling thread with the number of trees finished by all threads so far.
   */
  grow(batch: TreeBatch, progress?: (done: number) => void): Promise<TreeArrays[]> {
    return this.run(batch, progress) as Promise<TreeArrays[]>;
  }

  /** Add the round's trees to the scores; gradients, hessians and loss sums per chunk of rows, in chunk order. */
  losses(trees: readonly TreeArrays[]): Promise<LossPart[]> {
    return this.run({ kind: 'loss', count: LOSS_CHUNKS, trees }) as Promise<LossPart[]>;
  }

  private async run(batch: TeamBatch, progress?: (done: number) => void): Promise<(TreeArrays | LossPart)[]> {
    const counters = this.counters;
    Atomics.store(counters, 0, 0);
    Atomics.store(counters, 1, 0);
    const msg: ClaimMessage = { batch, counters };
    const helpers = this.pool && batch.count > 1 ? Array.from({ length: this.pool.size }, () => this.pool!.run(msg)) : [];
    const out: (TreeArrays | LossPart)[] = new Array(batch.count);
    let failure: unknown;
    try {
      const mine = claimItems(msg, this.setup, this.ws, progress && (() => progress(Atomics.load(counters, 1))));
      mine.indices.forEach((i, j) => (out[i] = mine.results[j]));
    } catch (e) {
      // stop the helpers from claiming more, then report this thread's error
      Atomics.store(counters, 0, batch.count);
      failure = e;
    }
    const theirs = await Promise.allSettled(helpers);
    if (failure !== undefined) throw failure;
    for (const r of theirs) {
      if (r.status === 'rejected') throw r.reason;
      r.value.indices.forEach((i, j) => (out[i] = r.value.results[j]));
    }
    progress?.(batch.count);
    return out;
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
