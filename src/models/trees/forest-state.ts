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
  addTreeOutputs(state.trees, X, out, k);
  // divide by the row's own total rather than by the tree count: rounding then can never push a
  // probability past 1
  for (let r = 0; r < X.rows; r++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += out[r * k + j];
    for (let j = 0; j < k; j++) out[r * k + j] /= s;
  }
  return out;
}

export function forestImportances(state: ForestState): Float64Array {
  return gainImportances(state.trees, state.cols);
}
