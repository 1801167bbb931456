/**
 * One interface for every model, in the manner of scikit-learn and PyOD but functional: a spec
 * validates a frozen options object, `fit` returns a plain serialisable state (numbers, strings,
 * arrays, plain objects and typed arrays only: no class instances, no functions), and prediction
 * is a pure function of (state, matrix). A model file is therefore just name + options + state.
 *
 * Classifiers give class probabilities; detectors give anomaly scores where higher ALWAYS means
 * more anomalous (convert at the boundary when a method scores the other way). Thresholds and
 * labels for detectors are written once, in threshold.ts, not per detector.
 */
import type { Matrix } from '../features/matrix.js';

/** How the feature pipeline should present data to this estimator. */
export interface InputPreference {
  /** scale numeric columns: trees need none, distance and gradient methods want standard */
  scaling: 'standard' | 'minmax' | 'none';
  /** categorical columns as one-hot indicators or as one ordinal code column */
  categorical: 'onehot' | 'ordinal';
}

export interface FitContext {
  /** seed for every random choice; the same seed and data give the same model */
  readonly seed: number;
  /** worker threads the estimator may use (1 = stay on the calling thread) */
  readonly threads: number;
  /** per-row weights (class weighting is applied by the caller through these) */
  readonly sampleWeight?: Float64Array;
  /** called with work done / total, for the CLI's progress bar; may be called often */
  readonly progress?: (done: number, total: number, what?: string) => void;
  /** names of the input columns, for importances and explanations */
  readonly featureNames?: readonly string[];
}

interface SpecBase<O extends object> {
  /** registry name, used on the command line and in model files: 'random-forest' */
  readonly name: string;
  /** human title: 'Random forest' */
  readonly title: string;
  /** one paragraph for --help: what it is, what it costs, when it is approximate */
  readonly description: string;
  readonly defaults: Readonly<O>;
  readonly input: InputPreference;
  /**
   * Complete and validate options. Throws UserError worded like scikit-learn:
   * "The 'contamination' parameter of IsolationForest must be in (0, 0.5]. Got 0.7 instead."
   */
  options(given: Partial<O>): Readonly<O>;
}

export interface ClassifierSpec<O extends object = object, S = unknown> extends SpecBase<O> {
  readonly kind: 'classifier';
  /** y holds class indices in [0, nClasses) */
  fit(X: Matrix, y: Int32Array, nClasses: number, options: Readonly<O>, ctx: FitContext): Promise<S>;
  /** rows x nClasses probabilities, row-major, each row summing to 1 */
  predictProba(state: S, X: Matrix): Float64Array;
  /** importance per input column, summing to 1, when the method has one */
  importances?(state: S): Float64Array | undefined;
  /** training curve (loss per iteration/epoch) when the method has one */
  history?(state: S): { name: string; values: number[] }[] | undefined;
}

export interface DetectorSpec<O extends object = object, S = unknown> extends SpecBase<O> {
  readonly kind: 'detector';
  fit(X: Matrix, options: Readonly<O>, ctx: FitContext): Promise<S>;
  /** anomaly score per row, higher = more anomalous */
  score(state: S, X: Matrix): Float64Array;
  /** per-row, per-feature contribution to the score, when the method can explain itself */
  explain?(state: S, X: Matrix): Float64Array | undefined;
  history?(state: S): { name: string; values: number[] }[] | undefined;
}

export type EstimatorSpec = ClassifierSpec<any, any> | DetectorSpec<any, any>;

/** argmax per row of a rows x k probability matrix */
export function argmaxRows(proba: Float64Array, k: number): Int32Array {
  const n = proba.length / k;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    let bv = proba[r * k];
    for (let j = 1; j < k; j++) {
      const v = proba[r * k + j];
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[r] = best;
  }
  return out;
}
