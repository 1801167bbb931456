/**
 * `netsentinel compare`: train several classifiers with the same recipe on the same data and print
 * a leaderboard (accuracy, macro-F1, per-class recall, ROC-AUC, fit and predict time), measured on
 * a separate test file or by stratified cross-validation. The work is evaluate/leaderboard.ts;
 * this file is options, the --fast preset, progress and output.
 *
 * `--fast` exists because some defaults are chosen for the best model, not for a quick ranking
 * (gradient boosting's 200 rounds, the MLP's 200 epochs, the kernel SVM's 500 random features,
 * 100-tree forests). It lowers those, per model, to the values printed in --help; what the user
 * gives with --param still wins. It never changes the models' own defaults.
 */
import { makeFolders } from '../../util/atomic-output.js';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { guardOutputs } from '../output-guard.js';
import { refuseTestInTraining } from '../test-overlap.js';
import { DATA_OPTIONS, readWithProgress, skippedFilesJson } from '../data-options.js';
import { parseScalar, THREADS_RANGE } from '../args.js';
import { normaliseParams, saveTrainedModel, type TrainedModel } from '../../models/trained-model.js';
import { defaultThreads } from '../../util/default-threads.js';
import { allSpecs, getSpec } from '../../models/registry.js';
import '../../models/all.js'; // names any estimator (lists, comparisons), so every one is loaded
import { formatLeaderboard, runLeaderboard, SORT_KEYS, type LeaderboardEntry, type SortKey } from '../../evaluate/leaderboard.js';
import { rejoinKeyValues } from './search.js';
import { UserError } from '../../util/errors.js';
import { formatSeconds } from '../progress.js';

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

/** The preset for one model, voting members included; only keys the model actually has. */
export function fastParams(model: string): Record<string, unknown> {
  const spec = getSpec(model);
  const known = Object.keys(spec.defaults);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(FAST_PRESET[model] ?? {})) if (known.includes(k)) out[k] = v;
  if (model === 'voting') {
    const members = (spec.defaults as { estimators?: { name: string }[] }).estimators ?? [];
    out.estimators = members.map((m) => ({ name: m.name, params: fastParams(m.name) }));
  }
  return out;
}

function describePreset(): string {
  return Object.entries(FAST_PRESET)
    .map(([m, p]) => `${m} ${Object.entries(p).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`)
    .join('; ');
}

export const compare: Command = {
  spec: {
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
  },
  async run({ args, progress, out, json }) {
    const v = args.values;
    const tests = (v.test as string[] | undefined) ?? [];
    const cv = v.cv as number | undefined;
    if (tests.length && cv !== undefined) throw new UserError('compare: give either --test FILE or --cv K, not both');
    if (!tests.length && cv === undefined) {
      throw new UserError("compare: say how to measure: --test FILE (a separate labelled file) or --cv K (see 'netsentinel compare --help')");
    }
    if (cv !== undefined && cv < 2) throw new UserError('compare: --cv takes at least 2 folds');
    if (v.vote && cv !== undefined) throw new UserError('compare: --vote needs --test');

    // every usage mistake before any reading or fitting: model names, parameter names and values
    const names = [...new Set((v.models as string[] | undefined) ?? classifierNames())];
    for (const name of names) {
      const spec = getSpec(name);
      if (spec.kind !== 'classifier') throw new UserError(`compare: "${name}" is a detector; compare ranks classifiers (score detectors with 'netsentinel search --normal-only' or 'train --test')`);
    }
    const given = new Map<string, Record<string, unknown>>(names.map((n) => [n, {}]));
    for (const { key, value } of rejoinKeyValues('compare', 'param', (v.param as string[] | undefined) ?? [])) {
      const dot = key.indexOf('.');
      if (dot <= 0) throw new UserError(`compare: --param takes MODEL.NAME=VALUE, e.g. random-forest.n_estimators=200; got "${key}=${value}"`);
      const model = key.slice(0, dot);
      if (!given.has(model)) {
        getSpec(model); // an unknown name gets the registry's message
        throw new UserError(`compare: --param names "${model}", which is not among the compared models (${names.join(', ')})`);
      }
      given.get(model)![key.slice(dot + 1)] = parseScalar(value);
    }
    const entries: LeaderboardEntry[] = names.map((model) => {
      const spec = getSpec(model);
      const user = normaliseParams(spec, given.get(model));
      const params = { ...(v.fast ? fastParams(model) : {}), ...user };
      spec.options(normaliseParams(spec, params) as never); // a bad value is the user's to fix now
      return { model, params };
    });
    const outDir = v.out as string | undefined;
    await guardOutputs('compare', { data: [...args.positionals, ...tests] }, { folders: [{ dir: outDir, names: names.map((n) => `${n}.nsm`) }] });
    await refuseTestInTraining('compare', args.positionals, tests, 'cross-validate with --cv 5');
    if (outDir) await makeFolders(outDir, 'compare');

    const paths = args.positionals;
    const table = await readWithProgress(paths, v, progress, 'reading training data');
    const testTable = tests.length ? await readWithProgress(tests, v, progress, 'reading test data') : undefined;
    let label = '';
    const lb = await runLeaderboard(table, {
      entries,
      train: {
        target: v.target as string | undefined,
        seed: v.seed as number,
        threads: v.threads as number,
        select: v.select as string[] | undefined,
        inputFiles: paths,
      },
      test: testTable,
      testHow: tests.length ? `tested on ${tests.join(', ')}` : undefined,
      cv,
      cvGroup: v.cvGroup as string | undefined,
      sortBy: v.sort as SortKey,
      vote: Boolean(v.vote),
      keep: outDir
        ? async (entry, model: TrainedModel, validation) => {
            const path = join(outDir, `${entry.model}.nsm`);
            await saveTrainedModel(path, { ...model, training: { ...model.training, validation } }, 'compare');
            return path;
          }
        : undefined,
      events: {
        start(i, total, entry) {
          label = `[${i + 1}/${total}] ${entry.model}`;
          progress.start(cv !== undefined ? `${label}: ${cv}-fold cross-validation` : `${label}: training`, cv, cv !== undefined ? 'folds' : '');
        },
        progress(done, total) {
          progress.update(done, total);
        },
        done(_i, _total, row) {
          if (row.status === 'ok') {
            progress.done(`${label}: macro-F1 ${row.macroF1.toFixed(4)}, accuracy ${row.accuracy.toFixed(4)}, fit ${formatSeconds(row.fitSeconds)}, predict ${formatSeconds(row.predictSeconds)}`);
          } else progress.done(`${label}: FAILED: ${row.error}`);
        },
      },
    });
    if (json) out(JSON.stringify({ ...lb, fast: Boolean(v.fast), seed: v.seed, ...skippedFilesJson() }, null, 2));
    else out(formatLeaderboard(lb) + `\n\nTotal ${formatSeconds(lb.seconds)} for ${lb.rows.length} model${lb.rows.length === 1 ? '' : 's'}${v.fast ? ' (--fast preset)' : ''}.`);
    if (!lb.rows.some((r) => r.status === 'ok')) throw new UserError('compare: every model failed (see the table for why)');
    return 0;
  },
};

function classifierNames(): string[] {
  return allSpecs()
    .filter((s) => s.kind === 'classifier')
    .map((s) => s.name)
    .sort();
}
