/**
 * What a fitted decision tree or random forest is: its trees as flat arrays plus the shape of the
 * data it saw. Prediction averages the trees' leaf class distributions (scikit-learn's soft vote).
 */
import type { Matrix } from '../../features/matrix.js';
import { checkPredictInput } from './check-input.js';
import { addTreeOutputs, gainImportances, type TreeArrays } from './tree-arrays.js';

export interface ForestState {
  readonly version: 1;
  readonly nClasses: number;
  /** columns of the training matrix */
  readonly cols: number;
  readonly trees: TreeArrays;
}

export function forestProba(model: string, state: ForestState, X: Matrix): Float64Array {
  checkPredictInput(model, state.cols, X);
  const k = state.nClasses;
  const out = new Float64Array(X.rows * k);
  addTreeOutputs(state.trees, X, out, k, 1 / state.trees.roots.length);
  return out;
}

export function forestImportances(state: ForestState): Float64Array {
  return gainImportances(state.trees, state.cols);
}
