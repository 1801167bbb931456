/**
 * NSL-KDD as the quality tests of the linear and kernel models see it: KDDTrain+_20Percent and
 * KDDTest+ through the feature pipeline (standard scaling, one-hot: 118 columns, as the
 * scikit-learn peer in ../shared/peers/nslkdd.py builds them), 5 families as the target. Built
 * once per test process; undefined when ../shared is absent. Test support only: never imported
 * by the product.
 */
import type { Matrix } from '../../features/matrix.js';
import { encodeTarget, fitPipeline, targetColumn, transformTable } from '../../features/pipeline.js';
import { loadNslKdd } from '../../testing/datasets.js';

export interface NslKddMatrices {
  readonly Xtrain: Matrix;
  readonly ytrain: Int32Array;
  readonly Xtest: Matrix;
  readonly ytest: Int32Array;
  readonly classes: readonly string[];
  /** index of "Normal" in classes */
  readonly normal: number;
}

let cached: Promise<NslKddMatrices | undefined> | undefined;

export function nslKddMatrices(): Promise<NslKddMatrices | undefined> {
  cached ??= (async () => {
    const d = await loadNslKdd();
    if (!d) return undefined;
    const state = fitPipeline(d.train, { scaling: 'standard', categorical: 'onehot' });
    const train = encodeTarget(targetColumn(d.train));
    const test = encodeTarget(targetColumn(d.test), train.classes);
    return {
      Xtrain: transformTable(state, d.train),
      ytrain: train.y,
      Xtest: transformTable(state, d.test),
      ytest: test.y,
      classes: train.classes,
      normal: train.classes.indexOf(d.train.normalClass ?? 'Normal'),
    };
  })();
  return cached;
}

/** Rows of X whose label is `cls`. */
export function rowsOfClass(y: Int32Array, cls: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] === cls) out.push(i);
  return out;
}
