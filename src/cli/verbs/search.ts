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
import { readWithProgress, skippedFilesJson } from '../data-options.js';
import { SEARCH_SPEC } from './search-spec.js';
import { parseScalar } from '../args.js';
import { saveTrainedModel, trainModel } from '../../models/trained-model.js';
import { getSpec } from '../../models/registry.js';
import '../../models/all.js'; // names any estimator (lists, comparisons), so every one is loaded
import {
  describeParams,
  formatSearch,
  planSearch,
  searchParams,
  searchRecord,
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
  spec: SEARCH_SPEC,
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
