/**
 * `netsentinel evaluate`: a model file against labelled data it never saw. The honest figure:
 * the test data is a separate file by default; `--split` exists only at training time.
 */
import type { Command } from '../command.js';
import { DATA_OPTIONS, readWithProgress, skippedFilesJson } from '../data-options.js';
import { loadModelArgument } from '../model-first.js';
import { evaluateModel, formatEvaluation } from '../../evaluate/evaluate-model.js';
import { guardOutputs } from '../output-guard.js';
import { MODEL_PLOT_FILES } from '../../report/plot-files.js';
import { UserError } from '../../util/errors.js';
import { getColumn } from '../../flows/table.js';

export const evaluate: Command = {
  spec: {
    name: 'evaluate',
    summary: 'measure a model on labelled test data (report, confusion matrix, ROC-AUC)',
    usage: 'MODEL DATA... [options]',
    positionals: { min: 2, name: 'MODEL and DATA', each: ['MODEL', 'DATA'] },
    options: [
      { name: 'target', type: 'string', value: 'COLUMN', description: "label column to compare with (default: the one the model learned)" },
      { name: 'plots', type: 'string', value: 'DIR', description: 'write charts as PNG (and Vega-Lite specs) into DIR: confusion matrix, ROC, importances, training loss' },
      { name: 'fail-below', type: 'number', value: 'ACCURACY', range: { min: 0, max: 1 }, description: 'exit 1 when accuracy is below this (for CI jobs)' },
      ...DATA_OPTIONS,
    ],
    examples: [
      'netsentinel evaluate gbdt.nsm data/KDDTest+.txt',
      'netsentinel evaluate baseline-if.nsm data/KDDTest+.txt --json | jq .summary.binaryRocAuc',
    ],
  },
  async run({ args, progress, out, json }) {
    const [modelPath, ...paths] = args.positionals;
    await guardOutputs('evaluate', { data: paths, files: [modelPath] }, { folders: [{ dir: args.values.plots as string | undefined, names: MODEL_PLOT_FILES }] });
    const model = await loadModelArgument('evaluate', modelPath, paths);
    const table = await readWithProgress(paths, args.values, progress, 'reading test data', { labelLikeWarning: false });
    const wanted = (args.values.target as string | undefined) ?? model.target;
    // (a CSV read without --label still has the model's target column by name: evaluate uses it)
    if (!table.columns.some((c) => c.role === 'label') && !(wanted && getColumn(table, wanted))) {
      // a capture or a conn.log has no labels at all: "no label column "Label"; columns here: id,
      // Flow ID, ..." listed 12 columns and left out what to do instead
      throw new UserError(
        `evaluate: ${paths.join(', ')}: no labels to measure ${modelPath} against (a capture, a conn.log, or a CSV read without --label); ` +
          `give labelled test data, or score these flows with 'netsentinel predict ${modelPath} ${paths.join(' ')}'`,
      );
    }
    const e = evaluateModel(model, table, { how: `test data: ${paths.join(', ')}`, target: args.values.target as string | undefined });
    let plots: string[] | undefined;
    if (args.values.plots) {
      const { writeModelPlots } = await import('../../report/model-plots.js');
      plots = await writeModelPlots(args.values.plots as string, model, e);
    }
    if (json) out(JSON.stringify({ model: modelPath, ...e, plots, ...skippedFilesJson() }, null, 2));
    else out(formatEvaluation(e) + (plots ? `\n\nCharts: ${plots.join(', ')}` : ''));
    const floor = args.values.failBelow as number | undefined;
    if (floor === undefined || !(e.summary.accuracy < floor)) return 0;
    // a CI log shows exit 1 and nothing else; say which threshold made it (stderr: stdout stays the results)
    process.stderr.write(`netsentinel: accuracy ${e.summary.accuracy.toFixed(4)} is below --fail-below ${floor}: exit 1\n`);
    return 1;
  },
};
