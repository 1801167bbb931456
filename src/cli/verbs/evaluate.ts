/**
 * `netsentinel evaluate`: a model file against labelled data it never saw. The honest figure:
 * the test data is a separate file by default; `--split` exists only at training time.
 */
import type { Command } from '../command.js';
import { DATA_OPTIONS, readWithProgress } from '../data-options.js';
import { loadTrainedModel } from '../../models/trained-model.js';
import { evaluateModel, formatEvaluation } from '../../evaluate/evaluate-model.js';

export const evaluate: Command = {
  spec: {
    name: 'evaluate',
    summary: 'measure a model on labelled test data (report, confusion matrix, ROC-AUC)',
    usage: 'MODEL DATA... [options]',
    positionals: { min: 2, name: 'MODEL and DATA' },
    options: [
      { name: 'target', type: 'string', value: 'COLUMN', description: "label column to compare with (default: the one the model learned)" },
      { name: 'fail-below', type: 'number', value: 'ACCURACY', description: 'exit 1 when accuracy is below this (for CI jobs)' },
      ...DATA_OPTIONS,
    ],
    examples: [
      'netsentinel evaluate gbdt.nsm data/KDDTest+.txt',
      'netsentinel evaluate baseline-if.nsm data/KDDTest+.txt --json | jq .summary.binaryRocAuc',
    ],
  },
  async run({ args, progress, out, json }) {
    const [modelPath, ...paths] = args.positionals;
    const model = await loadTrainedModel(modelPath);
    const table = await readWithProgress(paths, args.values, progress, 'reading test data');
    const e = evaluateModel(model, table, { how: `test data: ${paths.join(', ')}`, target: args.values.target as string | undefined });
    if (json) out(JSON.stringify({ model: modelPath, ...e }, null, 2));
    else out(formatEvaluation(e));
    const floor = args.values.failBelow as number | undefined;
    return floor !== undefined && e.summary.accuracy < floor ? 1 : 0;
  },
};
