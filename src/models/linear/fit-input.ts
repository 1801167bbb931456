/**
 * Checks shared by the linear and kernel estimators before they fit or predict: shapes agree,
 * labels are in range, values are finite. The feature pipeline already fills missing cells, so a
 * NaN here means a caller skipped it; the message says so instead of fitting garbage.
 */
import type { Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';

export function checkMatrix(model: string, X: Matrix, what = 'X'): void {
  if (X.rows === 0) throw new UserError(`${model}: ${what} has 0 rows; at least 1 is required`);
  if (X.cols === 0) throw new UserError(`${model}: ${what} has 0 feature columns; at least 1 is required`);
  const d = X.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) {
      const r = Math.floor(i / X.cols);
      throw new UserError(
        `${model}: ${what} row ${r + 1}, column ${(i % X.cols) + 1} is ${v}; models need finite numbers (run the data through the feature pipeline, which fills missing values)`,
      );
    }
  }
}

export function checkLabels(model: string, X: Matrix, y: Int32Array, nClasses: number): void {
  if (y.length !== X.rows) throw new UserError(`${model}: ${X.rows} rows but ${y.length} labels`);
  if (!(Number.isInteger(nClasses) && nClasses >= 1)) throw new UserError(`${model}: the number of classes must be a positive integer, got ${nClasses}`);
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0 || y[i] >= nClasses) throw new UserError(`${model}: label of row ${i + 1} is ${y[i]}, outside [0, ${nClasses})`);
  }
}

export function checkWidth(model: string, X: Matrix, cols: number): void {
  if (X.cols !== cols) throw new UserError(`${model}: X has ${X.cols} feature columns, but the model was fitted on ${cols}`);
}

/** Number of distinct labels among the rows. */
export function distinctLabels(y: Int32Array, nClasses: number): number {
  const seen = new Uint8Array(nClasses);
  let k = 0;
  for (let i = 0; i < y.length; i++) if (!seen[y[i]]) {
    seen[y[i]] = 1;
    k++;
  }
  return k;
}

/** The checks every classifier's fit starts with: a finite matrix, labels that fit it, two classes or more. */
export function checkClassifierInput(model: string, X: Matrix, y: Int32Array, nClasses: number): void {
  checkMatrix(model, X);
  checkLabels(model, X, y, nClasses);
  if (distinctLabels(y, nClasses) < 2) {
    throw new UserError(`${model} needs samples of at least 2 classes in the data, but the data contains only one class`);
  }
}
