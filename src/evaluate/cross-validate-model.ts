/**
 * Stratified k-fold cross-validation of a whole training recipe (pipeline + estimator) on a
 * FlowTable: each fold fits its own pipeline on its own training rows, so no statistic of the
 * held-out rows leaks into the model, as scikit-learn's cross_val_score over a Pipeline.
 *
 * Grouped (`group`, `train --cv-group`): the folds keep each value of that column together (see
 * fold-plan.ts), and accuracy and macro-F1 are computed once on the pooled out-of-fold predictions
 * (a class can be missing from a test fold, which would bias a per-fold mean); ± stays the spread
 * over folds, and ROC-AUC stays the mean over folds (probabilities of different fold models are
 * not on one scale).
 */
import type { FlowTable } from '../flows/table.js';
import { encodeTarget, targetColumn } from '../features/pipeline.js';
import { predictTable, trainModel, type TrainOptions } from '../models/trained-model.js';
import { evaluateModel } from './evaluate-model.js';
import { meanStd, type MeanStd } from './cross-validation.js';
import { planFolds } from './fold-plan.js';
import { accuracy, macroF1 } from './metrics.js';

export interface ModelCrossValidation {
  readonly k: number;
  /** the column whose values stay in one fold, when grouped */
  readonly group?: string;
  readonly folds: { accuracy: number; macroF1: number; rocAuc?: number; fitSeconds: number }[];
  readonly summary: { k: number; group?: string; accuracy: MeanStd; macroF1: MeanStd; rocAuc: MeanStd };
}

export async function crossValidateModel(
  table: FlowTable,
  opts: TrainOptions,
  k: number,
  onFold?: (done: number) => void,
  group?: string,
): Promise<ModelCrossValidation> {
  const enc = encodeTarget(targetColumn(table, opts.target));
  const plan = planFolds(table, enc.y, k, opts.seed ?? 42, group, 'train');
  const results: ModelCrossValidation['folds'] = [];
  const outOfFold = new Int32Array(plan.y.length);
  for (let f = 0; f < plan.parts.length; f++) {
    const { train, test } = plan.parts[f];
    const model = await trainModel(train, { ...opts, progress: undefined });
    const prediction = predictTable(model, test);
    const e = evaluateModel(model, test, { how: `fold ${f + 1} of ${k}`, target: model.target, prediction });
    results.push({
      accuracy: e.summary.accuracy,
      macroF1: e.summary.macroF1,
      rocAuc: e.summary.rocAucOvr,
      fitSeconds: model.training.seconds,
    });
    if (group) {
      const predicted = prediction.predicted!;
      const rows = plan.folds[f].test;
      for (let i = 0; i < rows.length; i++) outOfFold[rows[i]] = enc.classes.indexOf(model.classes![predicted[i]]);
    }
    onFold?.(f + 1);
  }
  const spread = (values: number[], pooled?: number): MeanStd => {
    const ms = meanStd(values);
    return pooled === undefined ? ms : { mean: pooled, std: ms.std };
  };
  const n = enc.classes.length;
  return {
    k,
    ...(group ? { group } : {}),
    folds: results,
    summary: {
      k,
      ...(group ? { group } : {}),
      accuracy: spread(results.map((r) => r.accuracy), group ? accuracy(plan.y, outOfFold) : undefined),
      macroF1: spread(results.map((r) => r.macroF1), group ? macroF1(plan.y, outOfFold, n) : undefined),
      rocAuc: meanStd(results.map((r) => r.rocAuc ?? NaN)),
    },
  };
}

export function formatCrossValidation(cv: ModelCrossValidation): string {
  const f = (m: MeanStd): string => (Number.isFinite(m.mean) ? `${m.mean.toFixed(4)} ± ${m.std.toFixed(4)}` : 'n/a');
  const head = cv.group
    ? `${cv.k}-fold cross-validation on the training data, grouped by "${cv.group}" (each value in one fold; accuracy and macro-F1 on the pooled out-of-fold predictions, ± over folds):`
    : `Stratified ${cv.k}-fold cross-validation on the training data:`;
  return [head, `  accuracy ${f(cv.summary.accuracy)}   macro-F1 ${f(cv.summary.macroF1)}   ROC-AUC (one-vs-rest) ${f(cv.summary.rocAuc)}`].join('\n');
}
