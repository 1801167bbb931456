/**
 * `netsentinel train`: fit a classifier or a detector on labelled flows and save one model file.
 * Optional honest evaluation: on a separate test file (--test, the default way), on a random
 * stratified split of the training data (--split, labelled as such), or by stratified k-fold
 * cross-validation on the training data (--cv).
 */
import { statSync } from 'node:fs';
import type { Command } from '../command.js';
import { readWithProgress, skippedFilesJson } from '../data-options.js';
import { TRAIN_SPEC } from './train-spec.js';
import { parseKeyValues } from '../args.js';
import { saveTrainedModel, trainModel, type TrainedModel } from '../../models/trained-model.js';
import '../../models/all.js'; // names any estimator (lists, comparisons), so every one is loaded
import { evaluateModel, formatEvaluation, type EvaluationReport } from '../../evaluate/evaluate-model.js';
import { crossValidateModel, formatCrossValidation } from '../../evaluate/cross-validate-model.js';
import { stratifiedSplitTable } from '../../evaluate/split-table.js';
import { targetColumn } from '../../features/pipeline.js';
import { checkClassCount, quoteArg } from '../../sources/input-limits.js';
import { UserError } from '../../util/errors.js';
import { formatSeconds } from '../progress.js';
import { guardOutputs } from '../output-guard.js';
import { refuseTestInTraining } from '../test-overlap.js';
import { MODEL_PLOT_FILES } from '../../report/plot-files.js';
import { thousands } from '../../util/thousands.js';

export const train: Command = {
  spec: TRAIN_SPEC,
  async run({ args, progress, out, json }) {
    const v = args.values;
    const modelName = v.model as string;
    const { getSpec } = await import('../../models/registry.js');
    const spec = getSpec(modelName);
    if (v.helpModel) {
      out(`${spec.title} (${spec.name}, ${spec.kind})\n\n${spec.description}\n\nParameters (--param NAME=VALUE):\n` +
        Object.entries(spec.defaults).map(([k, d]) => `  ${k.padEnd(24)}${JSON.stringify(d)}`).join('\n'));
      return 0;
    }
    const split = v.split as number | undefined;
    const tests = (v.test as string[] | undefined) ?? [];
    if (split !== undefined && (split <= 0 || split >= 1)) throw new UserError('train: --split takes a fraction between 0 and 1, e.g. 0.2');
    if (split !== undefined && tests.length) throw new UserError('train: give either --test FILE or --split FRACTION, not both');
    const cv = v.cv as number | undefined;
    if (cv !== undefined && cv < 2) throw new UserError('train: --cv takes at least 2 folds');
    if (v.cvGroup !== undefined && cv === undefined) throw new UserError('train: --cv-group goes with --cv K');
    const contamination = v.contamination as number;
    if (!(contamination > 0 && contamination < 0.5)) throw new UserError(`train: --contamination must be in (0, 0.5), got ${contamination}`);
    const params = parseKeyValues('train', 'param', (v.param as string[] | undefined) ?? []);

    const paths = args.positionals;
    await guardOutputs('train', { data: [...paths, ...tests] }, { files: [v.out as string], folders: [{ dir: v.plots as string | undefined, names: MODEL_PLOT_FILES }] });
    await refuseTestInTraining('train', paths, tests, 'hold part of the training data out with --split 0.25, or cross-validate with --cv 5');
    let table = await readWithProgress(paths, v, progress, 'reading training data');
    if (spec.kind === 'classifier') {
      if (v.target === undefined && !table.defaultTarget && !table.columns.some((c) => c.role === 'label')) {
        // a capture, a conn.log or a CSV read without --label: "name one with --label" alone leaves
        // out the other way, a detector, which is what unlabelled traffic is for
        const likely = table.columns.find((c) => /^(label|class|attack_?cat|attack|verdict|target)$/i.test(c.name.trim()));
        throw new UserError(
          `train: ${paths.join(', ')}: no labels to learn a classifier (${spec.name}) from; name a CSV's label column with ${likely ? `--label ${quoteArg(likely.name)}` : '--label COLUMN'}, ` +
            "or train an anomaly detector on it (--model isolation-forest, one-class-svm, autoencoder, lof), or make a baseline ('netsentinel baseline')",
        );
      }
      const target = targetColumn(table, v.target as string | undefined);
      checkClassCount(target.name, target.dictionary.length, v.maxClasses as number);
    }
    let testTable;
    let evalHow = '';
    if (split !== undefined) {
      const col = targetColumn(table, v.target as string | undefined);
      const parts = stratifiedSplitTable(table, col, split, v.seed as number);
      table = parts.train;
      testTable = parts.test;
      evalHow = `random stratified split: ${Math.round(split * 100)} % of the training data held out (seed ${v.seed}), not a separate test set`;
    } else if (tests.length) {
      testTable = await readWithProgress(tests, v, progress, 'reading test data');
      evalHow = `separate test data: ${tests.join(', ')}`;
    }

    const trainOpts = {
      model: modelName,
      params,
      target: v.target as string | undefined,
      seed: v.seed as number,
      threads: v.threads as number,
      select: v.select as string[] | undefined,
      scaling: v.scaling as 'standard' | 'minmax' | 'none' | undefined,
      categorical: v.encoding as 'onehot' | 'ordinal' | undefined,
      normalOnly: Boolean(v.normalOnly),
      contamination,
      inputFiles: paths,
    };
    let cvResult;
    if (cv !== undefined) {
      if (spec.kind !== 'classifier') throw new UserError('train: --cv is for classifiers; evaluate a detector with --test or --split');
      progress.start(`cross-validating (${cv} folds)`, cv, 'folds');
      cvResult = await crossValidateModel(table, trainOpts, cv, (done) => progress.update(done, cv), v.cvGroup as string | undefined);
      progress.done(`cross-validation: ${cv} folds`);
    }
    progress.start(`training ${spec.title}`, undefined, '');
    let model: TrainedModel = await trainModel(table, {
      ...trainOpts,
      progress: (done, total, what) => progress.update(done, total),
    });
    progress.done(`trained ${spec.title} on ${model.training.rows.toLocaleString('en-US')} rows`);

    let evaluation: EvaluationReport | undefined;
    if (testTable) {
      evaluation = evaluateModel(model, testTable, { how: evalHow, target: model.target });
    }
    if (evaluation || cvResult) {
      model = {
        ...model,
        training: {
          ...model.training,
          validation: {
            // the confusion matrix and ROC points travel with the model: the service's model card shows them
            ...(evaluation ? { heldOut: { how: evalHow, ...evaluation.summary, classes: evaluation.classes, confusion: evaluation.confusion, roc: evaluation.roc } } : {}),
            ...(cvResult ? { crossValidation: cvResult.summary } : {}),
          },
        },
      };
    }
    const outPath = v.out as string;
    const bytes = await saveTrainedModel(outPath, model, 'train');
    const result = {
      model: outPath,
      bytes,
      estimator: spec.name,
      kind: spec.kind,
      rows: model.training.rows,
      classes: model.classes,
      target: model.target,
      fittedOn: model.training.fittedOn,
      threshold: model.threshold,
      trainSeconds: round(model.training.seconds),
      features: model.pipeline.outputNames.length,
      evaluation,
      crossValidation: cvResult,
    };
    let plots: string[] | undefined;
    if (v.plots) {
      const { writeModelPlots } = await import('../../report/model-plots.js');
      plots = await writeModelPlots(v.plots as string, model, evaluation);
    }
    if (json) {
      out(JSON.stringify({ ...result, plots, ...skippedFilesJson() }, null, 2));
      return 0;
    }
    const lines = [
      `${spec.title} → ${outPath} (${(statSync(outPath).size / 1024).toFixed(0)} KiB)`,
      `  trained on ${model.training.rows.toLocaleString('en-US')} rows, ${thousands(model.pipeline.inputs.length)} input columns → ${thousands(model.pipeline.outputNames.length)} features, in ${formatSeconds(model.training.seconds)}`,
    ];
    if (model.kind === 'classifier') lines.push(`  target "${model.target}": ${model.classes!.join(', ')}`);
    else lines.push(`  fitted on ${model.training.fittedOn}; threshold ${model.threshold!.threshold.toPrecision(4)} (${model.threshold!.rule} ${model.threshold!.value})`);
    if (cvResult) lines.push('', formatCrossValidation(cvResult));
    if (evaluation) lines.push('', formatEvaluation(evaluation));
    if (plots) lines.push('', `Charts: ${plots.join(', ')}`);
    out(lines.join('\n'));
    return 0;
  },
};

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
