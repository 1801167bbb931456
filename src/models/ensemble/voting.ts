/**
 * Voting (scikit-learn's VotingClassifier): several different classifiers fitted on the same rows,
 * combined per row.
 *
 * - soft: the weighted mean of the members' class probabilities.
 * - hard: each member votes for its most probable class; the class with the largest weighted vote
 *   wins, ties going to the lowest class index as in scikit-learn (np.argmax of the bincount).
 *   predictProba then returns the weighted VOTE SHARES (fraction of the total weight behind each
 *   class), which is what a hard vote knows; they are not calibrated probabilities, and argmax of
 *   them is exactly the hard-vote winner (the shared argmax keeps the lowest index on ties).
 *
 * Input: members may prefer different scaling (trees none, MLP and SVM standard). The simplest
 * honest approach is taken: one shared pipeline with standard scaling and one-hot categories, which
 * suits the distance and gradient methods and does not change what a tree can split on. A member
 * fitted alone on its preferred input may therefore score a little differently than inside a vote.
 * To vote over models each trained on its own pipeline, use `netsentinel compare --vote`, which
 * averages already trained models' probabilities (it is not saved as one model file).
 *
 * Members are fitted one after another, each with a seed derived from the main one; each may use
 * ctx.threads itself. The state is plain data: each member's registry name, options and state.
 */
import type { Matrix } from '../../features/matrix.js';
import { argmaxRows, type ClassifierSpec, type FitContext } from '../estimator.js';
import { Rng } from '../../util/rng.js';
import { checkParam, UserError } from '../../util/errors.js';
import { getSpec } from '../registry.js';
import { isPlainObject, memberOptions, memberSpec, type MemberRecipe } from './member.js';

export interface VotingOptions {
  /**
   * The members. Given as names ("logistic-regression+random-forest", or an array of names) or as
   * objects {name, params}; stored completed, as {name, params} with every parameter filled in.
   */
  readonly estimators: readonly MemberRecipe[];
  readonly voting: 'soft' | 'hard';
  /** one non-negative weight per member; null = equal weights */
  readonly weights: readonly number[] | null;
}

export interface VotingState {
  readonly version: 1;
  readonly voting: 'soft' | 'hard';
  readonly weights: Float64Array;
  readonly nClasses: number;
  readonly cols: number;
  readonly members: readonly { readonly name: string; readonly options: Readonly<Record<string, unknown>>; readonly state: unknown }[];
}

const NAME = 'VotingClassifier';

const defaults: VotingOptions = Object.freeze({
  estimators: Object.freeze([
    { name: 'logistic-regression', params: {} },
    { name: 'random-forest', params: {} },
    { name: 'gradient-boosting', params: {} },
  ]),
  voting: 'soft',
  weights: null,
});

/** Names split on '+', ';', ',' or spaces: '--param estimators=a+b' survives the CLI's comma lists. */
function splitList(s: string): string[] {
  return s.split(/[+;,\s]+/).map((x) => x.trim()).filter(Boolean);
}

function memberRecipes(given: unknown): MemberRecipe[] {
  const list: unknown[] = typeof given === 'string' ? splitList(given) : Array.isArray(given) ? given : [given];
  const bad = (): never => {
    throw new UserError(
      `The 'estimators' parameter of ${NAME} must be a list of classifier names ("logistic-regression+random-forest") or of {name, params} objects. Got ${JSON.stringify(given)} instead.`,
    );
  };
  if (list.length === 0) bad();
  return list.map((entry, i) => {
    let name: unknown;
    let params: unknown;
    if (typeof entry === 'string') name = entry;
    else if (isPlainObject(entry)) {
      name = entry.name ?? entry.model;
      params = entry.params;
    } else bad();
    const spec = memberSpec(NAME, `estimators[${i}]`, name);
    return { name: spec.name, params: Object.freeze({ ...memberOptions(spec, params, NAME, `estimators[${i}].params`) }) };
  });
}

function memberWeights(given: unknown, n: number): number[] | null {
  if (given === null || given === undefined) return null;
  const list = typeof given === 'string' ? splitList(given).map(Number) : typeof given === 'number' ? [given] : given;
  checkParam(
    NAME,
    'weights',
    Array.isArray(list) && list.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0) && list.some((w) => w > 0),
    'a list of non-negative numbers, not all zero, or null',
    given,
  );
  const w = list as number[];
  if (w.length !== n) throw new UserError(`Number of \`estimators\` and weights must be equal; got ${w.length} weights, ${n} estimators`);
  return w;
}

export const voting: ClassifierSpec<VotingOptions, VotingState> = {
  kind: 'classifier',
  name: 'voting',
  title: 'Voting ensemble',
  description:
    'Several classifiers fitted on the same rows (estimators, default logistic-regression + ' +
    "random-forest + gradient-boosting), combined by 'soft' voting (weighted mean of " +
    "probabilities) or 'hard' voting (weighted majority of predicted classes, ties to the lowest " +
    'class index; its probabilities are the vote shares). Costs the sum of the members. Every ' +
    'member sees standard-scaled, one-hot features.',
  defaults,
  input: { scaling: 'standard', categorical: 'onehot' },

  options(given: Partial<VotingOptions>): Readonly<VotingOptions> {
    const o = { ...defaults, ...given };
    const estimators = memberRecipes(o.estimators);
    checkParam(NAME, 'voting', o.voting === 'soft' || o.voting === 'hard', "a str among {'soft', 'hard'}", o.voting);
    const weights = memberWeights(o.weights, estimators.length);
    return Object.freeze({ estimators: Object.freeze(estimators), voting: o.voting, weights: weights && Object.freeze(weights) });
  },

  async fit(X: Matrix, y: Int32Array, nClasses: number, o: Readonly<VotingOptions>, ctx: FitContext): Promise<VotingState> {
    if (X.rows === 0) throw new UserError(`${NAME}: there are no training rows`);
    const rng = new Rng(ctx.seed);
    const members: VotingState['members'][number][] = [];
    const total = o.estimators.length;
    for (let i = 0; i < total; i++) {
      const recipe = o.estimators[i];
      const spec = memberSpec(NAME, `estimators[${i}]`, recipe.name);
      const seed = rng.nextUint32();
      const progress = ctx.progress;
      const state = await spec.fit(X, y, nClasses, recipe.params, {
        seed,
        threads: ctx.threads,
        sampleWeight: ctx.sampleWeight,
        featureNames: ctx.featureNames,
        // member i's own progress, spread over the i-th share of the whole
        progress: progress ? (done, tot) => progress(i + (tot > 0 ? done / tot : 0), total, recipe.name) : undefined,
      });
      members.push({ name: recipe.name, options: recipe.params, state });
      ctx.progress?.(i + 1, total, recipe.name);
    }
    const weights = Float64Array.from(o.weights ?? o.estimators.map(() => 1));
    return { version: 1, voting: o.voting, weights, nClasses, cols: X.cols, members };
  },

  predictProba(state: VotingState, X: Matrix): Float64Array {
    if (X.cols !== state.cols) {
      throw new UserError(`${NAME} was trained on ${state.cols} feature columns, but this input has ${X.cols}; transform it with the model's own pipeline`);
    }
    const k = state.nClasses;
    const out = new Float64Array(X.rows * k);
    let weightSum = 0;
    state.members.forEach((m, i) => {
      const w = state.weights[i];
      if (w === 0) return;
      weightSum += w;
      const spec = getSpec(m.name) as ClassifierSpec<object, unknown>;
      const p = spec.predictProba(m.state, X);
      if (state.voting === 'soft') {
        for (let j = 0; j < out.length; j++) out[j] += w * p[j];
      } else {
        const winner = argmaxRows(p, k);
        for (let r = 0; r < X.rows; r++) out[r * k + winner[r]] += w;
      }
    });
    const inv = 1 / weightSum;
    for (let j = 0; j < out.length; j++) out[j] *= inv;
    return out;
  },
};
