/**
 * Fits a set of classification trees, the part the decision tree and the random forest share: bin
 * once, weigh rows, then grow tree after tree on the calling thread or across a worker pool. A
 * single CART tree is a "forest" of one, without bootstrap and with every feature at every node.
 *
 * Each tree gets its seed from the model's seed before any tree is grown, and the trees are joined
 * in their own order, so the forest is bit-identical for any number of threads (tree-team.ts).
 *
 * Deliberately not here: option defaults and validation (the model files), prediction.
 */
import type { Matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { sharedCopy } from '../../util/worker-pool.js';
import type { FitContext } from '../estimator.js';
import { applyBins, fitBins } from './binning.js';
import { rowWeights, type ClassWeight } from './class-weight.js';
import type { ImpurityCriterion } from './split.js';
import { concatTrees, type TreeArrays } from './tree-arrays.js';
import type { ForestData } from './tree-jobs.js';
import { TreeTeam } from './tree-team.js';

export interface ForestSettings {
  readonly nTrees: number;
  readonly bootstrap: boolean;
  readonly criterion: ImpurityCriterion;
  readonly maxDepth: number;
  readonly maxLeaves: number;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  /** features drawn per node (>= cols: all) */
  readonly featuresPerNode: number;
  readonly classWeight: ClassWeight;
  readonly maxBins: number;
}

/** Rows whose quantiles choose the bin edges: all of them up to this many, else a sample. */
export const BIN_SAMPLE_ROWS = 200_000;

export async function growForest(X: Matrix, y: Int32Array, nClasses: number, s: ForestSettings, ctx: FitContext): Promise<TreeArrays> {
  const rng = new Rng(ctx.seed);
  const binRng = rng.fork();
  const seeds = new Uint32Array(s.nTrees);
  for (let i = 0; i < s.nTrees; i++) seeds[i] = rng.nextUint32();

  const threads = Math.max(1, Math.min(Math.floor(ctx.threads) || 1, s.nTrees));
  const parallel = threads > 1;
  const sample = X.rows > BIN_SAMPLE_ROWS ? binRng.sample(X.rows, BIN_SAMPLE_ROWS).sort() : undefined;
  const mapper = fitBins(X, { maxBins: s.maxBins, sampleRows: sample });
  const bins = applyBins(mapper, X, { shared: parallel });
  const weight = rowWeights(y, nClasses, s.classWeight, ctx.sampleWeight);
  const data: ForestData = {
    bins,
    y: parallel ? sharedCopy(y) : y,
    weight: parallel ? sharedCopy(weight) : weight,
    nClasses,
  };
  const team = new TreeTeam({ kind: 'forest', data }, threads);
  try {
    const trees = await team.grow(
      {
        kind: 'forest',
        count: s.nTrees,
        seeds,
        task: {
          bootstrap: s.bootstrap,
          criterion: s.criterion,
          minSamplesLeaf: s.minSamplesLeaf,
          grow: {
            maxDepth: s.maxDepth,
            maxLeaves: s.maxLeaves,
            minSamplesSplit: s.minSamplesSplit,
            featuresPerNode: s.featuresPerNode,
          },
        },
      },
      ctx.progress && ((done) => ctx.progress!(done, s.nTrees, 'trees')),
    );
    return concatTrees(trees);
  } finally {
    await team.close();
  }
}
