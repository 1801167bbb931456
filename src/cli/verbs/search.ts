/**
 * `netsentinel search`: hyperparameter search by stratified cross-validation on the training data
 * (grid, or N seeded random draws from the same grid), the best candidate refitted on all the
 * training rows and saved as a model file that carries every candidate's mean ± std in its
 * training metadata (training.validation.search). The search itself is evaluate/search.ts.
 *
 * Also here: the parsing of KEY=VALUE options whose values contain commas. The shared option
 * parser splits list options on commas (so `--drop a,b` works); `--grid max_depth=4,6,8` and
 * `--param hiddenLayerSizes=[64,32]` need those commas back, so the pieces are joined again and
 * re-split only at commas outside brackets and before a new KEY=.
 */
import type { Command } from '../command.js';
import { guardOutputs } from '../output-guard.js';
import { refuseTestInTraining } from '../test-overlap.js';
import { DATA_OPTIONS, readWithProgress, skippedFilesJson } from '../data-options.js';
import { parseScalar, THREADS_RANGE } from '../args.js';
import { saveTrainedModel, trainModel } from '../../models/trained-model.js';
import { defaultThreads } from '../../util/default-threads.js';
import { getSpec } from '../../models/registry.js';
import '../../models/all.js'; // names any estimator (lists, comparisons), so every one is loaded
import {
  describeParams,
  formatSearch,
  planSearch,
  searchParams,
  searchRecord,
  SEARCH_METRICS,
  type Grid,
  type SearchMetric,
} from '../../evaluate/search.js';
import { evaluateModel, formatEvaluation, type EvaluationReport } from '../../evaluate/evaluate-model.js';
import { UserError } from '../../util/errors.js';

/** Split at commas that are outside brackets, braces and quotes. */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

const KEY_START = /^[A-Za-z_][\w.-]*=/;

/**
 * The KEY=VALUE items of a comma-split list option, with commas inside values restored:
 * ["max_depth=4", "6", "lr=0.1"] → ["max_depth=4,6", "lr=0.1"].
 */
export function rejoinKeyValues(verb: string, flag: string, items: readonly string[]): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const piece of splitTopLevel(items.join(','))) {
    if (KEY_START.test(piece)) {
      const eq = piece.indexOf('=');
      out.push({ key: piece.slice(0, eq).trim(), value: piece.slice(eq + 1).trim() });
    } else if (out.length) {
      const last = out[out.length - 1];
      last.value = last.value === '' ? piece : `${last.value},${piece}`;
    } else {
      throw new UserError(`${verb}: --${flag} takes NAME=VALUE, got "${piece}" (see 'netsentinel ${verb} --help')`);
    }
  }
  return out;
}

/** `--grid max_depth=4,6,8 --grid learning_rate=0.05,0.1` → the grid, values typed. */
export function parseGrid(items: readonly string[]): Grid {
  return rejoinKeyValues('search', 'grid', items).map(({ key, value }) => {
    const values = splitTopLevel(value).map(parseScalar);
    if (values.length === 0) throw new UserError(`search: --grid ${key}= lists no values; e.g. --grid ${key}=1,2,3`);
    return { name: key, values };
  });
}

export const search: Command = {
  spec: {
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
  },
  async run({ args, progress, out, json }) {
    const v = args.values;
    const modelName = v.model as string;
    const spec = getSpec(modelName);
    const gridItems = (v.grid as string[] | undefined) ?? [];
    if (gridItems.length === 0) throw new UserError("search: give at least one --grid NAME=V1,V2,... (see 'netsentinel search --help')");
    const grid = parseGrid(gridItems);
    const fixed = Object.fromEntries(rejoinKeyValues('search', 'param', (v.param as string[] | undefined) ?? []).map(({ key, value }) => [key, parseScalar(value)]));
    const k = v.cv as number;
    if (k < 2) throw new UserError('search: --cv takes at least 2 folds');
    const contamination = v.contamination as number;
    if (!(contamination > 0 && contamination < 0.5)) throw new UserError(`search: --contamination must be in (0, 0.5), got ${contamination}`);
    if (v.normalOnly && spec.kind !== 'detector') throw new UserError('search: --normal-only is for detectors');
    const metric = v.metric as SearchMetric | undefined;
    const paths = args.positionals;
    const tests = (v.test as string[] | undefined) ?? [];

    const trainOpts = {
      model: spec.name,
      params: fixed,
      target: v.target as string | undefined,
      seed: v.seed as number,
      threads: v.threads as number,
      select: v.select as string[] | undefined,
      normalOnly: Boolean(v.normalOnly),
      contamination,
      inputFiles: paths,
    };
    const plan = { train: trainOpts, grid, random: v.random as number | undefined, k, metric, group: v.cvGroup as string | undefined };
    planSearch(plan); // usage mistakes before reading anything
    await guardOutputs('search', { data: [...paths, ...tests] }, { files: [v.out as string] });
    await refuseTestInTraining('search', paths, tests, 'leave --test out: the search itself ranks by cross-validation');
    const table = await readWithProgress(paths, v, progress, 'reading training data');
    const testTable = tests.length ? await readWithProgress(tests, v, progress, 'reading test data') : undefined;
    let label = '';
    const result = await searchParams(table, {
      ...plan,
      events: {
        start(i, total, params) {
          label = `[${i + 1}/${total}] ${describeParams(params)}`;
          progress.start(label, k, 'folds');
        },
        fold(done) {
          progress.update(done, k);
        },
        done(_i, _total, r) {
          if (r.status === 'ok') progress.done(`${label}: ${r.mean.toFixed(4)} ± ${r.std.toFixed(4)}`);
          else progress.done(`${label}: failed: ${r.error}`);
        },
      },
    });

    progress.start(`refitting the best candidate on all ${table.rowCount.toLocaleString('en-US')} rows`, undefined, '');
    let model = await trainModel(table, { ...trainOpts, params: { ...result.fixedParams, ...result.best.params }, progress: (d, t) => progress.update(d, t) });
    progress.done(`refitted ${spec.title} (${describeParams(result.best.params)})`);
    let evaluation: EvaluationReport | undefined;
    if (testTable) evaluation = evaluateModel(model, testTable, { how: `separate test data: ${tests.join(', ')}`, target: model.target });
    model = {
      ...model,
      training: {
        ...model.training,
        validation: {
          ...(model.training.validation ?? {}),
          search: searchRecord(result),
          ...(evaluation ? { heldOut: { how: evaluation.how, ...evaluation.summary } } : {}),
        },
      },
    };
    const outPath = v.out as string;
    const bytes = await saveTrainedModel(outPath, model, 'search');
    if (json) {
      out(JSON.stringify({ model: outPath, bytes, estimator: spec.name, kind: spec.kind, search: result, evaluation, ...skippedFilesJson() }, null, 2));
      return 0;
    }
    const lines = [formatSearch(result), `saved → ${outPath} (${(bytes / 1024).toFixed(0)} KiB), refitted on ${model.training.rows.toLocaleString('en-US')} rows`];
    if (evaluation) lines.push('', formatEvaluation(evaluation));
    out(lines.join('\n'));
    return 0;
  },
};
