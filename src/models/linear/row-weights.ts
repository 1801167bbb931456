/**
 * Per-row weights for the linear and kernel classifiers: the caller's sample weights (if any)
 * times the class weight. 'balanced' gives class c the weight n / (k · n_c) as scikit-learn's
 * compute_class_weight does, with k the number of classes that have rows, so every class counts
 * as much in the loss whatever its size (NSL-KDD's U2R has 11 rows of 25,192).
 */
export type ClassWeight = 'none' | 'balanced';

export function rowWeights(y: Int32Array, nClasses: number, classWeight: ClassWeight, sampleWeight?: Float64Array): Float64Array {
  const n = y.length;
  const w = new Float64Array(n);
  if (sampleWeight) w.set(sampleWeight.subarray(0, n));
  else w.fill(1);
  if (classWeight === 'balanced') {
    const cw = balancedClassWeights(y, nClasses);
    for (let i = 0; i < n; i++) w[i] *= cw[y[i]];
  }
  return w;
}

/** n / (k · n_c) for classes with rows, 0 for classes without. */
export function balancedClassWeights(y: Int32Array, nClasses: number): Float64Array {
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  let present = 0;
  for (let c = 0; c < nClasses; c++) if (counts[c] > 0) present++;
  const out = new Float64Array(nClasses);
  for (let c = 0; c < nClasses; c++) out[c] = counts[c] > 0 ? y.length / (present * counts[c]) : 0;
  return out;
}
