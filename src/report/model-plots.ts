/**
 * The pictures of a trained model and its evaluation, as PNG files in a folder (and the same
 * charts as Vega-Lite specs beside them, `*.vl.json`, for the dashboard): confusion matrix, ROC
 * curves (normal vs attack, and one-vs-rest per class), feature importances, training loss.
 * Only the charts that apply are drawn; the list of files written is returned. Each file is written
 * atomically (src/util/atomic-output.ts); the folder is created when missing.
 */
import { join } from 'node:path';
import type { TrainedModel } from '../models/trained-model.js';
import type { EvaluationReport } from '../evaluate/evaluate-model.js';
import { getSpec } from '../models/registry.js';
import { writeFileAtomic } from '../util/atomic-output.js';
import { confusionMatrixSpec, featureImportanceSpec, renderPng, rocCurvesSpec, trainingLossSpec, type ChartSpec } from './charts/index.js';

async function save(dir: string, name: string, spec: ChartSpec, written: string[]): Promise<void> {
  const png = join(dir, `${name}.png`);
  await renderPng(spec, png);
  await writeFileAtomic(join(dir, `${name}.vl.json`), JSON.stringify(spec, null, 2) + '\n', 'plots', { makeDirs: true });
  written.push(png);
}

export async function writeModelPlots(dir: string, model: TrainedModel, evaluation?: EvaluationReport): Promise<string[]> {
  const written: string[] = [];
  const spec = getSpec(model.estimator.name);
  const title = spec.title;
  if (evaluation) {
    await save(dir, 'confusion_matrix', confusionMatrixSpec(evaluation.confusion, evaluation.classes, { title: `${title}: confusion matrix`, subtitle: evaluation.how }), written);
    if (evaluation.roc) {
      await save(
        dir,
        'roc_curve',
        rocCurvesSpec([{ name: model.kind === 'classifier' ? 'attack vs normal (1 − P(normal))' : 'anomaly score', fpr: evaluation.roc.fpr, tpr: evaluation.roc.tpr, auc: evaluation.roc.auc }], { title: `${title}: ROC curve`, subtitle: evaluation.how }),
        written,
      );
    }
  }
  if (spec.kind === 'classifier' && spec.importances) {
    const imp = spec.importances(model.estimator.state);
    if (imp && imp.length === model.pipeline.outputNames.length) {
      await save(dir, 'feature_importance', featureImportanceSpec(model.pipeline.outputNames, imp, 20, { title: `${title}: feature importances` }), written);
    }
  }
  const history = spec.history?.(model.estimator.state);
  if (history && history.length && history.some((h) => h.values.length > 1)) {
    await save(dir, 'training_loss', trainingLossSpec(history, { title: `${title}: training loss` }), written);
  }
  return written;
}
