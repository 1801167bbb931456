/**
 * `search`'s option table, apart from the verb (search.ts), which loads every model, the readers
 * and the cross-validation: `search --help` and a mistake in its options are answered from this
 * table alone (commands.ts).
 */
import type { CommandSpec } from '../args.js';
import { THREADS_RANGE } from '../args.js';
import { DATA_OPTIONS } from '../data-option-table.js';
import { defaultThreads } from '../../util/default-threads.js';
import { SEARCH_METRICS } from '../../evaluate/metric-names.js';

export const SEARCH_SPEC: CommandSpec = {
  name: 'search',
  summary: 'tune a model: grid or random search by stratified cross-validation, best refitted and saved',
  usage: 'DATA... --model NAME --grid NAME=V1,V2,... [options]',
  positionals: { min: 1, name: 'DATA (a file, folder or glob of labelled flow records)' },
  description:
    'Every candidate (each combination of the --grid values, or --random N of them drawn with --seed) is\n' +
    'scored by stratified K-fold cross-validation on DATA only; the feature pipeline is fitted inside\n' +
    'each fold. The best candidate is refitted on all of DATA and saved with every candidate\'s mean ± std\n' +
    'in the model file (see it with \'netsentinel inspect\'). Give --test for an honest figure of the winner.\n\n' +
    'Classifiers are ranked by macro-F1 unless --metric says otherwise; detectors (with labels, and\n' +
    'usually --normal-only) by the normal-vs-attack ROC-AUC of their score.',
  options: [
    { name: 'model', short: 'm', type: 'string', value: 'NAME', description: "model to tune (see 'netsentinel train --help')", default: 'gradient-boosting' },
    { name: 'grid', short: 'g', type: 'list', value: 'NAME=V1,V2', description: 'values to try for one parameter (repeatable); JSON values like [64,32] are fine' },
    { name: 'random', type: 'integer', value: 'N', range: { min: 1 }, description: 'try N distinct random combinations of the grid instead of all' },
    { name: 'cv', type: 'integer', value: 'K', range: { min: 2 }, description: 'stratified cross-validation folds', default: 5 },
    { name: 'cv-group', type: 'string', value: 'COLUMN', description: 'keep rows with the same value of COLUMN in one fold (e.g. attack: score on attack names the fold never trained on); classifiers are scored on the pooled out-of-fold predictions' },
    { name: 'metric', type: 'string', description: 'what to rank by (default: macro-f1; detectors roc-auc)', choices: SEARCH_METRICS },
    { name: 'param', short: 'p', type: 'list', value: 'NAME=VALUE', description: 'a fixed (not searched) model parameter' },
    { name: 'out', short: 'o', type: 'string', value: 'FILE', description: 'model file for the refitted best candidate', default: 'best.nsm' },
    { name: 'test', type: 'list', value: 'FILE', description: 'also evaluate the refitted best on this separate labelled file' },
    { name: 'target', type: 'string', value: 'COLUMN', description: 'label column to learn / to score against' },
    { name: 'select', type: 'list', value: 'A,B', description: 'use only these feature columns' },
    { name: 'normal-only', type: 'boolean', description: 'detectors: fit each fold on its normal rows only' },
    { name: 'contamination', type: 'number', value: 'RATE', range: { min: 0, max: 0.5, minOpen: true, maxOpen: true }, description: 'detectors: share of training rows above the threshold', default: 0.01 },
    { name: 'seed', type: 'integer', range: { min: 0 }, description: 'seed for the folds, the random draws and the models', default: 42 },
    { name: 'threads', type: 'integer', range: THREADS_RANGE, description: 'worker threads per fit', default: defaultThreads() },
    ...DATA_OPTIONS,
  ],
  examples: [
    "netsentinel search data/KDDTrain+_20Percent.txt --model gradient-boosting --grid max_depth=4,6,8 --grid learning_rate=0.05,0.1 --cv 5 -o best.nsm",
    'netsentinel search data/KDDTrain+_20Percent.txt -m random-forest -g n_estimators=50,100 -g max_features=sqrt,0.5 --random 3 --json',
    'netsentinel search data/KDDTrain+_20Percent.txt -m mlp -g "hiddenLayerSizes=[64],[64,32]" --test data/KDDTest+.txt',
    'netsentinel search cic/ -m isolation-forest --normal-only -g n_estimators=50,200 --cv 3',
    'netsentinel search data/KDDTrain+_20Percent.txt -g max_depth=4,6 --cv-group attack   # generalise to unseen attack names',
  ],
};
