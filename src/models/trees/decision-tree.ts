/**
 * A single CART classification tree (scikit-learn's DecisionTreeClassifier): Gini or entropy,
 * grown until leaves are pure unless limited. The same learner, histograms and arrays as the random
 * forest, with every feature tried at every node and no bootstrap; thresholds are the edges of 255
 * quantile bins, so on columns with more distinct values they are close to, not exactly, CART's.
 */
import type { Matrix } from '../../features/matrix.js';
import type { ClassifierSpec, FitContext } from '../estimator.js';
import { checkTrainingInput } from './check-input.js';
import type { ClassWeight } from './class-weight.js';
import { forestImportances, forestProba, type ForestState } from './forest-state.js';
import { growForest } from './grow-forest.js';
import { checkTreeOptions, forestSettings, type MaxFeatures } from './random-forest.js';
import type { ImpurityCriterion } from './split.js';

export interface DecisionTreeOptions {
  readonly criterion: ImpurityCriterion;
  readonly max_depth: number | null;
  readonly min_samples_split: number;
  readonly min_samples_leaf: number;
  /** features tried per node (drawn at random when fewer than all); null for all */
  readonly max_features: MaxFeatures;
  readonly max_leaf_nodes: number | null;
  readonly class_weight: ClassWeight;
  readonly max_bins: number;
}

const NAME = 'DecisionTree';

const defaults: DecisionTreeOptions = Object.freeze({
  criterion: 'gini',
  max_depth: null,
  min_samples_split: 2,
  min_samples_leaf: 1,
  max_features: null,
  max_leaf_nodes: null,
  class_weight: null,
  max_bins: 255,
});

export const decisionTree: ClassifierSpec<DecisionTreeOptions, ForestState> = {
  kind: 'classifier',
  name: 'decision-tree',
  title: 'Decision tree',
  description:
    'One CART tree (Gini or entropy). Fast to fit and to read, but a single tree overfits: prefer ' +
    'random-forest or gradient-boosting for detection. Thresholds are 255-bin quantile edges.',
  defaults,
  input: { scaling: 'none', categorical: 'ordinal' },

  options(given: Partial<DecisionTreeOptions>): Readonly<DecisionTreeOptions> {
    const o = { ...defaults, ...given };
    checkTreeOptions(NAME, o);
    return Object.freeze(o);
  },

  async fit(X: Matrix, y: Int32Array, nClasses: number, o: Readonly<DecisionTreeOptions>, ctx: FitContext): Promise<ForestState> {
    checkTrainingInput(NAME, X, y, nClasses, ctx.sampleWeight);
    const trees = await growForest(X, y, nClasses, forestSettings(o, X.cols, 1, false), { ...ctx, threads: 1 });
    return { version: 1, nClasses, cols: X.cols, trees };
  },

  predictProba: (state, X) => forestProba(NAME, state, X),
  importances: forestImportances,
};
