/**
 * Per-row training weights: the caller's sample weights times a weight per class. 'balanced' gives
 * class c the weight n / (k · n_c), k the classes present
 * (scikit-learn's formula, counting rows, not their weights), so
 * every class carries the same total weight: rare attack families stop being ignored.
 */
import { checkParam } from '../../util/errors.js';

export type ClassWeight = 'balanced' | null;

export function checkClassWeight(model: string, v: unknown): void {
  checkParam(model, 'class_weight', v === null || v === 'balanced', "'balanced' or null", v);
}

/** Weight of each row (a new array; all ones when there is nothing to weigh). */
export function rowWeights(y: Int32Array, k: number, classWeight: ClassWeight, sampleWeight?: Float64Array): Float64Array {
  const n = y.length;
  const w = new Float64Array(n);
  if (sampleWeight) {
    if (sampleWeight.length !== n) throw new Error(`sample weights: ${sampleWeight.length} values for ${n} rows`);
    w.set(sampleWeight);
  } else w.fill(1);
  if (classWeight === 'balanced') {
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) counts[y[i]]++;
    let present = 0;
    for (let c = 0; c < k; c++) if (counts[c] > 0) present++;
    const cw = new Float64Array(k);
    for (let c = 0; c < k; c++) cw[c] = counts[c] > 0 ? n / (present * counts[c]) : 0;
    for (let i = 0; i < n; i++) w[i] *= cw[y[i]];
  }
  return w;
}
