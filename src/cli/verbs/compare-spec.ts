/**
 * `compare`'s option table and its --fast preset, apart from the verb (compare.ts), which loads
 * every model, the readers and the leaderboard: `compare --help` and a mistake in its options are
 * answered from this table alone (commands.ts).
 */
import type { CommandSpec } from '../args.js';
import { THREADS_RANGE } from '../args.js';
import { DATA_OPTIONS } from '../data-option-table.js';
import { defaultThreads } from '../../util/default-threads.js';
import { modelCatalogue } from '../../models/registry.js';
import { SORT_KEYS } from '../../evaluate/metric-names.js';

/**
 * --fast: fewer rounds, epochs, trees or features, per model. Measured on NSL-KDD (25,192 training
 * rows, every classifier, two busy cores): 41 CPU-seconds for the defaults, 25 with this preset;
 * the MLP loses most (macro-F1 0.590 → 0.573 after 30 epochs), the others move by < 0.01.
 */
export const FAST_PRESET: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'gradient-boosting': { n_estimators: 60 },
  'random-forest': { n_estimators: 50 },
  mlp: { maxIter: 30 },
  svm: { components: 200 },
  'logistic-regression': { maxIter: 200 },
  'linear-svm': { maxIter: 200 },
};

function describePreset(): string {
  return Object.entries(FAST_PRESET)
    .map(([m, p]) => `${m} ${Object.entries(p).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`)
    .join('; ');
}

/** the classifiers compared when --models is not given: every one registered */
export function classifierNames(): string[] {
  return modelCatalogue()
    .filter((s) => s.kind === 'classifier')
    .map((s) => s.name);
}

export const COMPARE_SPEC: CommandSpec = {
  name: 'compare',
  summary: 'train several classifiers on the same data and rank them in a leaderboard',
  usage: 'DATA... (--test FILE | --cv K) [--models A,B,C] [options]',
  positionals: { min: 1, name: 'DATA (a file, folder or glob of labelled flow records)' },
  get description() {
    return (
      'Each model is trained on DATA with its own preferred feature pipeline and measured the same way: on a\n' +
      'separate labelled --test file (the honest default), or by stratified --cv K-fold cross-validation on\n' +
      'DATA (mean ± std over the same folds for every model). Rows: accuracy, macro-F1, one-vs-rest ROC-AUC,\n' +
      'normal-vs-attack ROC-AUC, recall per class, fit and predict seconds. A model that fails is reported\n' +
      'in its row and the others go on.\n\n' +
      `Default models: every registered classifier (${classifierNames().join(', ')}).\n` +
      'Parameters per model: --param MODEL.NAME=VALUE, e.g. --param random-forest.n_estimators=200.\n' +
      `--fast lowers the costliest defaults for a quick ranking: ${describePreset()}; voting uses its members' presets.`
    );
  },
  options: [
    { name: 'models', short: 'm', type: 'list', value: 'A,B', description: 'models to compare (default: every classifier)' },
    { name: 'test', type: 'list', value: 'FILE', description: 'measure on this separate labelled file' },
    { name: 'cv', type: 'integer', value: 'K', range: { min: 2 }, description: 'measure by stratified K-fold cross-validation on DATA instead' },
    { name: 'cv-group', type: 'string', value: 'COLUMN', description: 'with --cv: keep each value of COLUMN in one fold (e.g. attack: folds of attack names no model trained on)' },
    { name: 'param', short: 'p', type: 'list', value: 'MODEL.NAME=VALUE', description: 'a parameter of one model (repeatable)' },
    { name: 'sort', type: 'string', description: 'rank by', choices: SORT_KEYS, default: 'macro-f1' },
    { name: 'fast', type: 'boolean', description: 'lower the costliest defaults for a quick ranking (see above)' },
    { name: 'vote', type: 'boolean', description: 'add a row for the soft vote of the trained models, each on its own pipeline (with --test; not saved as a model file)' },
    { name: 'out', type: 'string', value: 'DIR', description: 'save every trained model as DIR/MODEL.nsm' },
    { name: 'target', type: 'string', value: 'COLUMN', description: 'label column to learn (NSL-KDD: family, attack or binary; CIC: Label or binary)' },
    { name: 'select', type: 'list', value: 'A,B', description: 'use only these feature columns' },
    { name: 'seed', type: 'integer', range: { min: 0 }, description: 'random seed for the folds and the models', default: 42 },
    { name: 'threads', type: 'integer', range: THREADS_RANGE, description: 'worker threads per fit', default: defaultThreads() },
    ...DATA_OPTIONS,
  ],
  examples: [
    'netsentinel compare data/KDDTrain+_20Percent.txt --test data/KDDTest+.txt',
    'netsentinel compare data/KDDTrain+_20Percent.txt --test data/KDDTest+.txt --fast --vote --out models/',
    'netsentinel compare data/KDDTrain+_20Percent.txt --cv 5 --models random-forest,gradient-boosting,bagging --json',
    'netsentinel compare cic/ --cv 3 -m decision-tree,random-forest --param random-forest.n_estimators=200 --sort roc-auc',
  ],
};
