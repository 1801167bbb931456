/**
 * Stratified k-fold cross-validation of a whole training recipe (pipeline + estimator) on a
 * FlowTable: each fold fits its own pipeline on its own training rows, so no statistic of the
 * held-out rows leaks into the model, as scikit-learn's cross_val_score over a Pipeline.
 */
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { encodeTarget, targetColumn } from '../features/pipeline.js';
import { trainModel, type TrainOptions } from '../models/trained-model.js';
import { evaluateModel } from './evaluate-model.js';
import { meanStd, stratifiedKFold, type MeanStd } from './cross-validation.js';

export interface ModelCrossValidation {
  readonly k: number;
  readonly folds: { accuracy: number; macroF1: number; rocAuc?: number; fitSeconds: number }[];
  readonly summary: { k: number; accuracy: MeanStd; macroF1: MeanStd; rocAuc: MeanStd };
}

export async function crossValidateModel(
  table: FlowTable,
  opts: TrainOptions,
  k: number,
  onFold?: (done: number) => void,
): Promise<ModelCrossValidation> {
  const col = targetColumn(table, opts.target);
  const { y } = encodeTarget(col);
  const folds = stratifiedKFold(y, k, opts.seed ?? 42);
  const results: ModelCrossValidation['folds'] = [];
  for (let f = 0; f < folds.length; f++) {
    const trainRows = takeTableRows(table, folds[f].train);
    const testRows = takeTableRows(table, folds[f].test);
    const model = await trainModel(trainRows, { ...opts, progress: undefined });
    const e = evaluateModel(model, testRows, { how: `fold ${f + 1} of ${k}`, target: model.target });
    results.push({
      accuracy: e.summary.accuracy,
      macroF1: e.summary.macroF1,
      rocAuc: e.summary.rocAucOvr,
      fitSeconds: model.training.seconds,
    });
    onFold?.(f + 1);
  }
  return {
    k,
    folds: results,
    summary: {
      k,
      accuracy: meanStd(results.map((r) => r.accuracy)),
      macroF1: meanStd(results.map((r) => r.macroF1)),
      rocAuc: meanStd(results.map((r) => r.rocAuc ?? NaN)),
    },
  };
}

export function formatCrossValidation(cv: ModelCrossValidation): string {
  const f = (m: MeanStd): string => (Number.isFinite(m.mean) ? `${m.mean.toFixed(4)} ± ${m.std.toFixed(4)}` : 'n/a');
  return [
    `Stratified ${cv.k}-fold cross-validation on the training data:`,
    `  accuracy ${f(cv.summary.accuracy)}   macro-F1 ${f(cv.summary.macroF1)}   ROC-AUC (one-vs-rest) ${f(cv.summary.rocAuc)}`,
  ].join('\n');
}
