/**
 * A small deterministic k-class problem for classifier unit tests: smooth, overlapping features
 * (sines of the row and column) shifted per class, so linear and kernel models can separate it.
 */
import { matrix, type Matrix } from '../features/matrix.js';

/** n rows, d features, classes 0..k-1 in turn; `imbalanced`: classes 0,0,0,1,2 in turn instead. */
export function toyClasses(n: number, d: number, k: number, imbalanced = false): { X: Matrix; y: Int32Array } {
  const X = matrix(n, d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = imbalanced ? [0, 0, 0, 1, 2][i % 5] : i % k;
    y[i] = c;
    for (let j = 0; j < d; j++) X.data[i * d + j] = Math.sin(1.3 * i + 0.7 * j) * (j + 1) + 1.5 * c * Math.cos(j);
  }
  return { X, y };
}
