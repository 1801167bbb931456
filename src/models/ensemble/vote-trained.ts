/**
 * A vote over classifiers that were trained separately (by `compare`, or saved as model files):
 * each model transforms the rows with its OWN pipeline, so a tree keeps its unscaled ordinal input
 * and an MLP its standard-scaled one-hot input, and their probabilities are then combined as the
 * 'voting' model combines its members (soft: weighted mean; hard: weighted vote shares, ties to the
 * lowest class index).
 *
 * It exists beside voting.ts because a voting model file has one pipeline for all members; this
 * respects each member's preference but is not one model file. Deliberately refused: models with
 * different class lists or targets (their probability columns would not line up).
 */
import type { FlowTable } from '../../flows/table.js';
import { argmaxRows } from '../estimator.js';
import { predictTable, type Prediction, type TrainedModel } from '../trained-model.js';
import { UserError } from '../../util/errors.js';

export interface VoteOptions {
  readonly voting?: 'soft' | 'hard';
  /** one weight per model; default equal */
  readonly weights?: readonly number[];
}

/** Check that the models can vote together; returns their shared class list. */
export function sharedClasses(models: readonly TrainedModel[]): readonly string[] {
  if (models.length === 0) throw new UserError('a vote needs at least one trained classifier');
  const first = models[0];
  for (const m of models) {
    if (m.kind !== 'classifier') throw new UserError(`only classifiers can vote; "${m.estimator.name}" is a detector`);
    if (m.target !== first.target || m.classes!.join('\u0000') !== first.classes!.join('\u0000')) {
      throw new UserError(
        `models that vote together must have learned the same classes: "${first.estimator.name}" learned ${first.target} (${first.classes!.join(', ')}), "${m.estimator.name}" learned ${m.target} (${m.classes!.join(', ')})`,
      );
    }
  }
  return first.classes!;
}

/** Combine the models' predictions on `table` (or their already computed probabilities). */
export function voteTrainedModels(
  models: readonly TrainedModel[],
  table: FlowTable,
  opts: VoteOptions = {},
  computed?: readonly (Float64Array | undefined)[],
): Prediction {
  const classes = sharedClasses(models);
  const k = classes.length;
  const weights = opts.weights ?? models.map(() => 1);
  if (weights.length !== models.length) throw new UserError(`${weights.length} weights for ${models.length} models`);
  const n = table.rowCount;
  const proba = new Float64Array(n * k);
  let total = 0;
  models.forEach((m, i) => {
    const w = weights[i];
    if (!(w >= 0)) throw new UserError(`vote weight ${w} of "${m.estimator.name}" must be a number >= 0`);
    if (w === 0) return;
    total += w;
    const p = computed?.[i] ?? predictTable(m, table).proba!;
    if (opts.voting === 'hard') {
      const winner = argmaxRows(p, k);
      for (let r = 0; r < n; r++) proba[r * k + winner[r]] += w;
    } else {
      for (let j = 0; j < proba.length; j++) proba[j] += w * p[j];
    }
  });
  if (!(total > 0)) throw new UserError('every vote weight is 0');
  for (let j = 0; j < proba.length; j++) proba[j] /= total;
  const predicted = argmaxRows(proba, k);
  const normal = models[0].normalClass;
  const ni = normal ? classes.indexOf(normal) : -1;
  let score: Float64Array | undefined;
  if (ni >= 0) {
    score = new Float64Array(n);
    for (let r = 0; r < n; r++) score[r] = 1 - proba[r * k + ni];
  }
  return { rows: n, proba, predicted, score };
}
