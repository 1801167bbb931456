/**
 * `train`'s option table, apart from the verb (train.ts), which loads every model, the readers and
 * the evaluation: `train --help` and a mistake in its options are answered from this table alone
 * (commands.ts), the list of models from the registry's catalogue without loading one.
 */
import type { CommandSpec } from '../args.js';
import { THREADS_RANGE } from '../args.js';
import { DATA_OPTIONS } from '../data-option-table.js';
import { DEFAULT_MAX_CLASSES } from '../../sources/input-limits.js';
import { defaultThreads } from '../../util/default-threads.js';
import { modelCatalogue } from '../../models/registry.js';

export const TRAIN_SPEC: CommandSpec = {
  name: 'train',
  summary: 'train a classifier or anomaly detector and save it as a model file',
  usage: 'DATA... [options]',
  positionals: { min: 1, name: 'DATA (a file, folder or glob of flow records)' },
  get description() {
    const list = modelCatalogue()
      .map((s) => `  ${s.name.padEnd(22)}${s.kind === 'classifier' ? 'classifier' : 'detector  '}  ${s.title}`)
      .join('\n');
    return `DATA is one or more files, folders or globs read as one dataset.\n\nModels:\n${list}\n\nModel parameters go in --param NAME=VALUE (repeatable); 'netsentinel train --model NAME --help-model' lists them with defaults.`;
  },
  options: [
    { name: 'model', short: 'm', type: 'string', value: 'NAME', description: 'model to train (see the list above)', default: 'gradient-boosting' },
    { name: 'out', short: 'o', type: 'string', value: 'FILE', description: 'model file to write', default: 'model.nsm' },
    { name: 'target', type: 'string', value: 'COLUMN', description: 'label column to learn (NSL-KDD: family, attack or binary; CIC: Label or binary)' },
    { name: 'param', short: 'p', type: 'list', value: 'NAME=VALUE', description: 'model parameter, e.g. --param n_estimators=200' },
    { name: 'select', type: 'list', value: 'A,B', description: 'use only these feature columns' },
    { name: 'scaling', type: 'string', description: "numeric scaling (default: the model's preference)", choices: ['standard', 'minmax', 'none'] },
    { name: 'encoding', type: 'string', description: "categorical encoding (default: the model's preference)", choices: ['onehot', 'ordinal'] },
    { name: 'normal-only', type: 'boolean', description: 'detectors: fit on rows labelled normal only (a baseline of known-good traffic)' },
    { name: 'contamination', type: 'number', value: 'RATE', range: { min: 0, max: 0.5, minOpen: true, maxOpen: true }, description: 'detectors: share of training rows above the threshold', default: 0.01 },
    { name: 'test', type: 'list', value: 'FILE', description: 'evaluate on this separate labelled file (the honest default)' },
    { name: 'split', type: 'number', value: 'FRACTION', range: { min: 0, max: 1, minOpen: true, maxOpen: true }, description: 'hold out this stratified random share of DATA for evaluation (labelled as a random split)' },
    { name: 'cv', type: 'integer', value: 'K', range: { min: 2 }, description: 'also report stratified K-fold cross-validation on the training data' },
    { name: 'cv-group', type: 'string', value: 'COLUMN', description: "with --cv: keep each value of COLUMN in one fold (e.g. attack: folds of attack names the model never trained on)" },
    { name: 'plots', type: 'string', value: 'DIR', description: 'write charts as PNG (and Vega-Lite specs) into DIR: confusion matrix, ROC, importances, training loss' },
    { name: 'seed', type: 'integer', range: { min: 0 }, description: 'random seed: the same seed and data give the same model', default: 42 },
    { name: 'max-classes', type: 'integer', value: 'N', range: { min: 2 }, description: 'classifiers: refuse a target with more classes than this (likely an identifier)', default: DEFAULT_MAX_CLASSES },
    { name: 'threads', type: 'integer', range: THREADS_RANGE, description: 'worker threads', default: defaultThreads() },
    { name: 'help-model', type: 'boolean', description: "list the chosen model's parameters and defaults", answersAlone: true },
    ...DATA_OPTIONS,
  ],
  examples: [
    'netsentinel train data/KDDTrain+_20Percent.txt --test data/KDDTest+.txt -o gbdt.nsm',
    'netsentinel train data/KDDTrain+.txt --model random-forest --param n_estimators=200 --target binary',
    'netsentinel train cic/ --model isolation-forest --normal-only -o baseline-if.nsm',
    'netsentinel train flows.csv --label verdict --split 0.25 --json',
  ],
};
