/**
 * Bagging (Breiman 1996, scikit-learn's BaggingClassifier): fit copies of ANY registered classifier
 * on bootstrap samples of the rows (optionally on random subsets of the columns), each with its own
 * seed derived from the main one, and average their class probabilities.
 *
 * Choices worth knowing:
 * - A drawn sample is materialised (rows repeated as drawn) rather than passed as integer sample
 *   weights as scikit-learn does, so every base model works, including those that ignore weights.
 * - A bootstrap sample can miss a rare class. The member is then fitted on the classes it saw
 *   (renumbered) and gives probability 0 to the others; a sample with one class only becomes a
 *   constant member. So members never see a class index with no rows, which some bases refuse.
 * - `max_samples` and `max_features` follow scikit-learn, except that JavaScript cannot tell 1 from
 *   1.0: a value <= 1 is a fraction, a value > 1 a count.
 * - All members see the one pipeline the ensemble declares: standard scaling and one-hot, which
 *   suits distance and gradient bases and does not hurt trees (splits ignore scale).
 * - Members are fitted one after another; each may use ctx.threads itself (a random-forest base
 *   does). No worker pool of members: the base is an arbitrary module.
 *
 * The fitted state is plain data: the base's registry name, its options and each member's own
 * state, so a model file holds a bagging model like any other.
 */
import type { Matrix } from '../../features/matrix.js';
import type { ClassifierSpec, FitContext } from '../estimator.js';
import { Rng } from '../../util/rng.js';
import { checkParam, UserError } from '../../util/errors.js';
import { getSpec } from '../registry.js';
import { isPlainObject, memberOptions, memberSpec } from './member.js';

export interface BaggingOptions {
  /** registry name of the base classifier */
  readonly base: string;
  /** the base's parameters (completed and validated by the base's own spec) */
  readonly base_params: Readonly<Record<string, unknown>>;
  readonly n_estimators: number;
  /** rows drawn per member: a fraction (<= 1) of the training rows, or a count (> 1) */
  readonly max_samples: number;
  /** columns per member: a fraction (<= 1) or a count (> 1) */
  readonly max_features: number;
  /** draw rows with replacement */
  readonly bootstrap: boolean;
  /** draw columns with replacement (scikit-learn's bootstrap_features) */
  readonly bootstrap_features: boolean;
}

export interface BaggingMember {
  /** global class index of each class the member was fitted on (its own class j is classes[j]) */
  readonly classes: Int32Array;
  /** the columns the member sees, in order; null = all columns */
  readonly features: Int32Array | null;
  /** the base's fitted state; null for a constant member (its sample held one class) */
  readonly state: unknown;
}

export interface BaggingState {
  readonly version: 1;
  readonly base: string;
  readonly baseOptions: Readonly<Record<string, unknown>>;
  readonly nClasses: number;
  readonly cols: number;
  readonly members: readonly BaggingMember[];
}

const NAME = 'BaggingClassifier';

const defaults: BaggingOptions = Object.freeze({
  base: 'decision-tree',
  base_params: Object.freeze({}),
  n_estimators: 10,
  max_samples: 1,
  max_features: 1,
  bootstrap: true,
  bootstrap_features: false,
});

/** Rows or columns per member from a fraction (<= 1) or a count (> 1). */
export function drawCount(value: number, available: number): number {
  if (value <= 1) return Math.max(1, Math.floor(value * available));
  return value;
}

function checkDrawParam(param: string, v: unknown): void {
  checkParam(
    NAME,
    param,
    typeof v === 'number' && ((v > 0 && v <= 1) || (Number.isInteger(v) && v > 1)),
    'a float in (0.0, 1.0] or an int in [2, inf)',
    v,
  );
}

export const bagging: ClassifierSpec<BaggingOptions, BaggingState> = {
  kind: 'classifier',
  name: 'bagging',
  title: 'Bagging',
  description:
    'Bootstrap aggregating over any classifier (base, default decision-tree; base_params for its ' +
    'parameters): n_estimators copies fitted on bootstrap samples of the rows, probabilities ' +
    'averaged. Costs about n_estimators fits of the base. Members see standard-scaled, one-hot ' +
    'features; max_samples/max_features <= 1 are fractions, > 1 counts.',
  defaults,
  input: { scaling: 'standard', categorical: 'onehot' },

  options(given: Partial<BaggingOptions>): Readonly<BaggingOptions> {
    const o = { ...defaults, ...given };
    const spec = memberSpec(NAME, 'base', o.base);
    checkParam(NAME, 'base_params', o.base_params === null || isPlainObject(o.base_params), 'an object of the base parameters', o.base_params);
    const baseParams = memberOptions(spec, o.base_params, NAME, 'base_params');
    checkParam(NAME, 'n_estimators', Number.isInteger(o.n_estimators) && o.n_estimators >= 1, 'an int in the range [1, inf)', o.n_estimators);
    checkDrawParam('max_samples', o.max_samples);
    checkDrawParam('max_features', o.max_features);
    checkParam(NAME, 'bootstrap', typeof o.bootstrap === 'boolean', 'a boolean', o.bootstrap);
    checkParam(NAME, 'bootstrap_features', typeof o.bootstrap_features === 'boolean', 'a boolean', o.bootstrap_features);
    return Object.freeze({ ...o, base_params: Object.freeze({ ...baseParams }) });
  },

  async fit(X: Matrix, y: Int32Array, nClasses: number, o: Readonly<BaggingOptions>, ctx: FitContext): Promise<BaggingState> {
    if (X.rows === 0) throw new UserError(`${NAME}: there are no training rows`);
    if (X.cols === 0) throw new UserError(`${NAME}: the training data has no feature columns`);
    const spec = memberSpec(NAME, 'base', o.base);
    const n = X.rows;
    const rowsPerMember = drawCount(o.max_samples, n);
    if (rowsPerMember > n) {
      throw new UserError(`The 'max_samples' parameter of ${NAME} asks for ${rowsPerMember} rows per member, but there are only ${n} training rows.`);
    }
    const colsPerMember = drawCount(o.max_features, X.cols);
    if (colsPerMember > X.cols) {
      throw new UserError(`The 'max_features' parameter of ${NAME} asks for ${colsPerMember} columns per member, but the data has ${X.cols}.`);
    }
    const allColumns = colsPerMember === X.cols && !o.bootstrap_features;
    const rng = new Rng(ctx.seed);
    const members: BaggingMember[] = [];
    const seen = new Int32Array(nClasses);
    const local = new Int32Array(nClasses);
    for (let m = 0; m < o.n_estimators; m++) {
      // two independent streams per member: what it sees, and the seed its own fit uses
      const draw = new Rng(rng.nextUint32());
      const memberSeed = rng.nextUint32();
      const rows = o.bootstrap ? withReplacement(draw, n, rowsPerMember) : sortedSample(draw, n, rowsPerMember);
      const features = allColumns
        ? null
        : o.bootstrap_features
          ? withReplacement(draw, X.cols, colsPerMember)
          : sortedSample(draw, X.cols, colsPerMember);

      // renumber the classes this sample holds to 0..c-1
      seen.fill(0);
      for (let i = 0; i < rows.length; i++) seen[y[rows[i]]] = 1;
      let c = 0;
      for (let k = 0; k < nClasses; k++) local[k] = seen[k] ? c++ : -1;
      const classes = new Int32Array(c);
      for (let k = 0; k < nClasses; k++) if (local[k] >= 0) classes[local[k]] = k;
      if (c === 1) {
        members.push({ classes, features, state: null });
        ctx.progress?.(m + 1, o.n_estimators, 'members');
        continue;
      }
      const Xm = gather(X, rows, features);
      const ym = new Int32Array(rows.length);
      for (let i = 0; i < rows.length; i++) ym[i] = local[y[rows[i]]];
      let sampleWeight: Float64Array | undefined;
      if (ctx.sampleWeight) {
        sampleWeight = new Float64Array(rows.length);
        for (let i = 0; i < rows.length; i++) sampleWeight[i] = ctx.sampleWeight[rows[i]];
      }
      const state = await spec.fit(Xm, ym, c, o.base_params, {
        seed: memberSeed,
        threads: ctx.threads,
        sampleWeight,
        featureNames: ctx.featureNames && features ? Array.from(features, (j) => ctx.featureNames![j]) : ctx.featureNames,
      });
      members.push({ classes, features, state });
      ctx.progress?.(m + 1, o.n_estimators, 'members');
    }
    return { version: 1, base: spec.name, baseOptions: o.base_params, nClasses, cols: X.cols, members };
  },

  predictProba(state: BaggingState, X: Matrix): Float64Array {
    if (X.cols !== state.cols) {
      throw new UserError(`${NAME} was trained on ${state.cols} feature columns, but this input has ${X.cols}; transform it with the model's own pipeline`);
    }
    const spec = getSpec(state.base) as ClassifierSpec<object, unknown>;
    const k = state.nClasses;
    const out = new Float64Array(X.rows * k);
    for (const member of state.members) {
      const cls = member.classes;
      if (member.state === null) {
        const only = cls[0];
        for (let r = 0; r < X.rows; r++) out[r * k + only] += 1;
        continue;
      }
      const c = cls.length;
      const p = spec.predictProba(member.state, member.features ? gather(X, null, member.features) : X);
      for (let r = 0; r < X.rows; r++) {
        for (let j = 0; j < c; j++) out[r * k + cls[j]] += p[r * c + j];
      }
    }
    const inv = 1 / state.members.length;
    for (let i = 0; i < out.length; i++) out[i] *= inv;
    return out;
  },

  importances(state: BaggingState): Float64Array | undefined {
    const spec = getSpec(state.base) as ClassifierSpec<object, unknown>;
    if (!spec.importances) return undefined;
    const total = new Float64Array(state.cols);
    let any = false;
    for (const member of state.members) {
      if (member.state === null) continue;
      const imp = spec.importances(member.state);
      if (!imp) continue;
      any = true;
      for (let j = 0; j < imp.length; j++) total[member.features ? member.features[j] : j] += imp[j];
    }
    if (!any) return undefined;
    let s = 0;
    for (let j = 0; j < total.length; j++) s += total[j];
    if (s > 0) for (let j = 0; j < total.length; j++) total[j] /= s;
    return total;
  },
};

function withReplacement(rng: Rng, n: number, k: number): Int32Array {
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) out[i] = rng.int(n);
  return out;
}

/** k distinct indices of [0, n), ascending (memory order for the copy that follows). */
function sortedSample(rng: Rng, n: number, k: number): Int32Array {
  return k === n ? Int32Array.from({ length: n }, (_, i) => i) : rng.sample(n, k).sort();
}

/** The given rows (all when null) and columns (all when null) of X, copied. */
function gather(X: Matrix, rows: Int32Array | null, cols: Int32Array | null): Matrix {
  const nr = rows ? rows.length : X.rows;
  const nc = cols ? cols.length : X.cols;
  const out = new Float64Array(nr * nc);
  const src = X.data;
  const w = X.cols;
  for (let i = 0; i < nr; i++) {
    const base = (rows ? rows[i] : i) * w;
    const o = i * nc;
    if (cols) for (let j = 0; j < nc; j++) out[o + j] = src[base + cols[j]];
    else out.set(src.subarray(base, base + w), o);
  }
  return { rows: nr, cols: nc, data: out };
}
