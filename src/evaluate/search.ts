/**
 * Hyperparameter search (scikit-learn's GridSearchCV / RandomizedSearchCV over lists): every
 * combination of a grid, or N distinct combinations drawn from it with a seeded generator, each
 * scored by stratified k-fold cross-validation of the whole recipe on the TRAINING rows only (the
 * pipeline is fitted inside each fold, so no statistic of a held-out fold leaks), ranked by one
 * metric. The folds are drawn once and shared by every candidate, so candidates are compared on
 * the same splits. The caller refits the best candidate on all training rows.
 *
 * Classifiers are scored by macro-F1 (default), accuracy, weighted-F1, one-vs-rest ROC-AUC or the
 * normal-vs-attack ROC-AUC. Detectors are scored by the normal-vs-attack ROC-AUC of their score
 * (default) or by F1/accuracy at their threshold; they need labels for scoring only, and with
 * `normalOnly` each fold's detector is fitted on that fold's normal rows. Detector folds are
 * stratified on normal vs attack.
 *
 * Deliberately not here: continuous distributions to sample from (random search draws from the
 * same lists as the grid), successive halving, parallel candidates (each fit may use every thread),
 * nested cross-validation (use --test on the verb for an honest figure of the refitted winner).
 */
import { performance } from 'node:perf_hooks';
import { getColumn, type FlowTable } from '../flows/table.js';
import { encodeTarget, targetColumn } from '../features/pipeline.js';
import { getSpec } from '../models/registry.js';
import '../models/all.js'; // names any estimator (lists, comparisons), so every one is loaded
import { normaliseParams, predictTable, trainModel, type TrainOptions } from '../models/trained-model.js';
import { evaluateModel, type EvaluationSummary } from './evaluate-model.js';
import { meanStd } from './cross-validation.js';
import { planFolds } from './fold-plan.js';
import { accuracy, averagedScores } from './metrics.js';
import { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';

/** Parameter name and the values to try, in the order given. */
export type Grid = readonly { readonly name: string; readonly values: readonly unknown[] }[];

import type { SearchMetric } from './metric-names.js';
export { SEARCH_METRICS, type SearchMetric } from './metric-names.js';

export interface SearchOptions {
  /** the recipe: model, fixed params, target, seed, threads, normalOnly, ... */
  readonly train: Omit<TrainOptions, 'progress'>;
  readonly grid: Grid;
  /** draw this many distinct candidates from the grid instead of trying them all */
  readonly random?: number;
  readonly k: number;
  /**
   * a column whose values stay together in one fold (e.g. `attack`: each held-out fold then holds
   * attack names the model never saw). Classifiers are then scored on the pooled out-of-fold
   * predictions (a class may be missing from some test folds); the per-fold figures are kept.
   */
  readonly group?: string;
  /** default: macro-f1 for classifiers, roc-auc for detectors */
  readonly metric?: SearchMetric;
  readonly events?: {
    start?(index: number, total: number, params: Readonly<Record<string, unknown>>): void;
    fold?(done: number, k: number): void;
    done?(index: number, total: number, result: CandidateResult): void;
  };
}

export interface CandidateResult {
  /** 1 for the best; null for a candidate that failed */
  readonly rank: number | null;
  /** the searched parameters of this candidate (the fixed ones are in SearchResult.fixedParams) */
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: 'ok' | 'failed';
  readonly error?: string;
  /** mean and population std of the metric over the folds (folds where it is undefined left out) */
  readonly mean: number;
  readonly std: number;
  readonly folds: readonly number[];
  /** mean fit seconds per fold (pipeline + model) */
  readonly fitSeconds: number;
}

export interface SearchResult {
  readonly model: string;
  readonly kind: 'classifier' | 'detector';
  readonly metric: SearchMetric;
  readonly k: number;
  /** the column kept together in one fold, when grouped */
  readonly group?: string;
  /** true when the ranking metric is computed once on the pooled out-of-fold predictions */
  readonly pooled: boolean;
  readonly mode: 'grid' | 'random';
  readonly gridSize: number;
  readonly seed: number;
  readonly fixedParams: Readonly<Record<string, unknown>>;
  /** best first */
  readonly candidates: readonly CandidateResult[];
  readonly best: CandidateResult;
  readonly seconds: number;
}

export function gridSize(grid: Grid): number {
  return grid.reduce((n, p) => n * p.values.length, 1);
}

/** The i-th combination, first parameter varying slowest. */
function combination(grid: Grid, index: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let j = grid.length - 1; j >= 0; j--) {
    const { name, values } = grid[j];
    out[name] = values[index % values.length];
    index = Math.floor(index / values.length);
  }
  return Object.fromEntries(grid.map((p) => [p.name, out[p.name]]));
}

/** Every combination, first parameter varying slowest (as nested loops in the order given). */
export function gridCandidates(grid: Grid): Record<string, unknown>[] {
  const n = gridSize(grid);
  return Array.from({ length: n }, (_, i) => combination(grid, i));
}

/** `n` distinct combinations drawn with the seed (every one, in grid order, when n >= the grid). */
export function randomCandidates(grid: Grid, n: number, seed: number): Record<string, unknown>[] {
  const size = gridSize(grid);
  if (n >= size) return gridCandidates(grid);
  return Array.from(new Rng(seed).sample(size, n), (i) => combination(grid, i));
}

function checkGrid(grid: Grid): void {
  if (grid.length === 0) throw new UserError('search: give at least one --grid NAME=V1,V2,...');
  const seen = new Set<string>();
  for (const p of grid) {
    if (seen.has(p.name)) throw new UserError(`search: parameter "${p.name}" appears in two --grid options; give all its values in one`);
    seen.add(p.name);
    if (p.values.length === 0) throw new UserError(`search: --grid ${p.name}= lists no values`);
  }
}

function metricOf(s: EvaluationSummary, metric: SearchMetric, kind: 'classifier' | 'detector'): number {
  switch (metric) {
    case 'macro-f1':
      return s.macroF1;
    case 'accuracy':
      return s.accuracy;
    case 'weighted-f1':
      return s.weightedF1;
    case 'roc-auc':
      return (kind === 'detector' ? s.binaryRocAuc : s.rocAucOvr) ?? NaN;
    case 'binary-roc-auc':
      return s.binaryRocAuc ?? NaN;
  }
}

/**
 * What the folds are stratified on: the class for classifiers; normal (0) vs attack (1) for
 * detectors, from the `binary` column when there is one, else the label's normal class.
 */
function stratificationLabels(table: FlowTable, kind: 'classifier' | 'detector', target: string | undefined): Int32Array {
  if (kind === 'classifier') return encodeTarget(targetColumn(table, target)).y;
  const bin = target === undefined ? getColumn(table, 'binary') : undefined;
  const col = bin && bin.kind === 'categorical' ? bin : targetColumn(table, target);
  const normal = col.name === 'binary' ? 'normal' : table.normalClass;
  const code = normal === undefined ? -1 : col.dictionary.indexOf(normal);
  if (code < 0) {
    throw new UserError(
      `search: a detector is scored against labels, but label column "${col.name}" has no normal class (values: ${col.dictionary.slice(0, 8).join(', ')}); name the label with --target/--label`,
    );
  }
  return Int32Array.from(col.codes, (c) => (c < 0 ? -1 : c === code ? 0 : 1));
}

/** What a search will try, checked: every usage mistake is found here, before any data is read. */
export interface SearchPlan {
  readonly model: string;
  readonly kind: 'classifier' | 'detector';
  readonly metric: SearchMetric;
  readonly mode: 'grid' | 'random';
  readonly gridSize: number;
  readonly seed: number;
  /** the fixed parameters, spelled as the model spells them */
  readonly fixed: Readonly<Record<string, unknown>>;
  readonly candidates: readonly Readonly<Record<string, unknown>>[];
}

export function planSearch(opts: Omit<SearchOptions, 'events'>): SearchPlan {
  const spec = getSpec(opts.train.model);
  const kind = spec.kind;
  const metric = opts.metric ?? (kind === 'detector' ? 'roc-auc' : 'macro-f1');
  if (kind === 'detector' && metric === 'weighted-f1') {
    throw new UserError('search: score a detector by roc-auc (default), macro-f1 or accuracy');
  }
  const k = opts.k;
  if (!(Number.isInteger(k) && k >= 2)) throw new UserError(`search: --cv takes at least 2 folds, got ${k}`);
  checkGrid(opts.grid);
  const fixed = normaliseParams(spec, opts.train.params ?? {});
  // spell grid names as the spec does, and refuse a name that is also fixed
  const spelled = new Set<string>();
  const grid: Grid = opts.grid.map((p) => {
    const name = Object.keys(normaliseParams(spec, { [p.name]: null }))[0];
    if (spelled.has(name)) throw new UserError(`search: parameter "${name}" appears in two --grid options; give all its values in one`);
    spelled.add(name);
    if (name in fixed) throw new UserError(`search: "${p.name}" is both fixed with --param and searched with --grid; keep one`);
    return { name, values: p.values };
  });
  const size = gridSize(grid);
  const seed = opts.train.seed ?? 42;
  const mode = opts.random !== undefined ? 'random' : 'grid';
  if (mode === 'random' && !(Number.isInteger(opts.random) && opts.random! >= 1)) {
    throw new UserError(`search: --random takes a number of candidates >= 1, got ${opts.random}`);
  }
  const candidates = mode === 'random' ? randomCandidates(grid, opts.random!, seed) : gridCandidates(grid);
  // a value the model refuses is a usage error: say so before any fitting
  for (const c of candidates) {
    try {
      spec.options({ ...fixed, ...c } as never);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`search: candidate ${describeParams(c)}: ${e.message}`);
      throw e;
    }
  }
  return { model: spec.name, kind, metric, mode, gridSize: size, seed, fixed, candidates };
}

export async function searchParams(table: FlowTable, opts: SearchOptions): Promise<SearchResult> {
  const t0 = performance.now();
  const { model, kind, metric, mode, gridSize: size, seed, fixed, candidates } = planSearch(opts);
  const k = opts.k;
  const plan = planFolds(table, stratificationLabels(table, kind, opts.train.target), k, seed, opts.group, 'search');
  const { table: table_, y, folds, parts } = plan;
  // grouped classifier folds are scored once on the pooled out-of-fold predictions
  const pooled = opts.group && kind === 'classifier' && metric !== 'roc-auc' && metric !== 'binary-roc-auc';
  const classes = pooled ? encodeTarget(targetColumn(table_, opts.train.target)).classes : [];

  const results: CandidateResult[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const params = candidates[i];
    opts.events?.start?.(i, candidates.length, params);
    const scores: number[] = [];
    const fit: number[] = [];
    let result: CandidateResult;
    const outOfFold = new Int32Array(y.length);
    try {
      for (let f = 0; f < parts.length; f++) {
        const model = await trainModel(parts[f].train, { ...opts.train, params: { ...fixed, ...params } });
        if (pooled) {
          // predict once, in the search's class numbering: the fold's score and the pooled one
          const predicted = predictTable(model, parts[f].test).predicted!;
          const test = folds[f].test;
          const truth = new Int32Array(test.length);
          const mine = new Int32Array(test.length);
          for (let i = 0; i < test.length; i++) {
            truth[i] = y[test[i]];
            mine[i] = outOfFold[test[i]] = classes.indexOf(model.classes![predicted[i]]);
          }
          scores.push(classMetric(truth, mine, classes.length, metric));
        } else {
          const ev = evaluateModel(model, parts[f].test, { how: `fold ${f + 1} of ${k}`, target: model.target });
          scores.push(metricOf(ev.summary, metric, kind));
        }
        fit.push(model.training.seconds);
        opts.events?.fold?.(f + 1, k);
      }
      const ms = meanStd(scores);
      const mean = pooled ? classMetric(y, outOfFold, classes.length, metric) : ms.mean;
      result = { rank: null, params, status: 'ok', mean, std: ms.std, folds: scores, fitSeconds: meanStd(fit).mean };
    } catch (e) {
      const msg = e instanceof UserError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
      result = { rank: null, params, status: 'failed', error: msg.split('\n')[0], mean: NaN, std: NaN, folds: scores, fitSeconds: NaN };
    }
    results.push(result);
    opts.events?.done?.(i, candidates.length, result);
  }
  const ranked = rankCandidates(results);
  const best = ranked[0];
  if (best.status !== 'ok' || !Number.isFinite(best.mean)) {
    const why = best.status !== 'ok' ? best.error : `the ${metric} is undefined on every fold`;
    throw new UserError(`search: no candidate could be scored (${why})`);
  }
  return {
    model,
    kind,
    metric,
    k,
    ...(opts.group ? { group: opts.group } : {}),
    pooled: Boolean(pooled),
    mode,
    gridSize: size,
    seed,
    fixedParams: fixed,
    candidates: ranked,
    best,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Accuracy, macro-F1 or weighted-F1 of predicted class numbers. */
function classMetric(y: Int32Array, predicted: Int32Array, nClasses: number, metric: SearchMetric): number {
  if (metric === 'accuracy') return accuracy(y, predicted);
  return averagedScores(y, predicted, nClasses, metric === 'weighted-f1' ? 'weighted' : 'macro').f1;
}

/** Best mean first; undefined means next, failures last; ties keep the order tried. */
export function rankCandidates(results: readonly CandidateResult[]): CandidateResult[] {
  const group = (r: CandidateResult): number => (r.status !== 'ok' ? 2 : Number.isFinite(r.mean) ? 0 : 1);
  const sorted = results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => group(a.r) - group(b.r) || (group(a.r) === 0 ? b.r.mean - a.r.mean : 0) || a.i - b.i);
  let rank = 0;
  return sorted.map(({ r }) => ({ ...r, rank: r.status === 'ok' && Number.isFinite(r.mean) ? ++rank : null }));
}

export function describeParams(p: Readonly<Record<string, unknown>>): string {
  return Object.entries(p)
    // null reads back as "none" on the command line (class_weight=none), so print it that way
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : v === null ? 'none' : JSON.stringify(v)}`)
    .join(' ');
}

/** What is kept in the model file (training.validation.search): small, plain, every candidate. */
export function searchRecord(r: SearchResult): Record<string, unknown> {
  return {
    metric: r.metric,
    k: r.k,
    ...(r.group ? { group: r.group, pooled: r.pooled } : {}),
    mode: r.mode,
    gridSize: r.gridSize,
    seed: r.seed,
    fixedParams: r.fixedParams,
    best: { params: r.best.params, mean: r.best.mean, std: r.best.std },
    candidates: r.candidates.map((c) => ({
      rank: c.rank,
      params: c.params,
      mean: c.mean,
      std: c.std,
      fitSeconds: c.fitSeconds,
      ...(c.error ? { error: c.error } : {}),
    })),
  };
}

/** The ranking a person reads. */
export function formatSearch(r: SearchResult): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
  const lines = [
    `${r.mode === 'grid' ? 'Grid' : 'Random'} search for ${r.model}: ${r.candidates.length} candidates` +
      (r.mode === 'random' ? ` drawn from ${r.gridSize} (seed ${r.seed})` : '') +
      (r.group
        ? `, ${r.k}-fold cross-validation on the training data grouped by "${r.group}" (each group in one fold), ranked by ${r.metric} ` +
          (r.pooled ? '(on the pooled out-of-fold predictions; ± is the std over folds)' : '(mean ± std over folds)')
        : `, stratified ${r.k}-fold cross-validation on the training data, ranked by ${r.metric} (mean ± std over folds)`),
  ];
  if (Object.keys(r.fixedParams).length) lines.push(`fixed: ${describeParams(r.fixedParams)}`);
  lines.push('');
  const rows = r.candidates.map((c) => [
    c.rank === null ? '-' : String(c.rank),
    c.status === 'ok' ? `${f(c.mean)} ± ${f(c.std)}` : 'failed',
    Number.isFinite(c.fitSeconds) ? c.fitSeconds.toFixed(2) : 'n/a',
    describeParams(c.params) + (c.error ? `  (${c.error})` : ''),
  ]);
  const header = ['#', r.metric, 'fit s', 'parameters'];
  const w = header.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j].length)));
  const line = (cells: string[]): string => cells.map((c, j) => (j === 3 ? c : c.padStart(w[j]))).join('  ').trimEnd();
  lines.push(line(header), ...rows.map(line));
  lines.push('', `best: ${describeParams(r.best.params)}  (${r.metric} ${f(r.best.mean)} ± ${f(r.best.std)})`);
  return lines.join('\n');
}
