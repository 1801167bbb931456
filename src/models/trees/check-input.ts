/**
 * Checks every tree model makes on what it is given, so a mismatch reads as a sentence about the
 * data rather than as a wrong answer or a stack trace from deep inside a learner.
 */
import type { Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';

export function checkTrainingInput(model: string, X: Matrix, y: Int32Array, nClasses: number, sampleWeight?: Float64Array): void {
  if (X.rows === 0) throw new UserError(`${model}: there are no training rows`);
  if (X.cols === 0) throw new UserError(`${model}: the training data has no feature columns`);
  if (y.length !== X.rows) throw new Error(`${model}: ${y.length} labels for ${X.rows} rows`);
  if (!(nClasses >= 1)) throw new Error(`${model}: nClasses must be at least 1, got ${nClasses}`);
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] < nClasses)) throw new Error(`${model}: label ${y[i]} of row ${i} is outside [0, ${nClasses})`);
  }
  if (sampleWeight) {
    if (sampleWeight.length !== X.rows) throw new Error(`${model}: ${sampleWeight.length} sample weights for ${X.rows} rows`);
    let total = 0;
    for (let i = 0; i < sampleWeight.length; i++) {
      const v = sampleWeight[i];
      if (!(v >= 0 && v < Infinity)) throw new UserError(`${model}: sample weight of row ${i + 1} is ${v}; weights must be finite and >= 0`);
      total += v;
    }
    if (!(total > 0)) throw new UserError(`${model}: every sample weight is 0; there is nothing to learn from`);
  }
}

export function checkPredictInput(model: string, cols: number, X: Matrix): void {
  if (X.cols !== cols) {
    throw new UserError(`${model} was trained on ${cols} feature columns, but this input has ${X.cols}; transform it with the model's own pipeline`);
  }
}
