/**
 * A leaderboard: several classifiers trained with the same recipe on the same rows and measured
 * the same way, one row each (seed 003's "Final Scores", with the figures that matter for traffic
 * where classes are unbalanced: macro-F1 and per-class recall beside accuracy, ROC-AUC, and what
 * each model costs to fit and to apply).
 *
 * Two ways to measure, as `train` offers: a separate labelled test table (the honest default), or
 * stratified k-fold cross-validation on the training rows (mean ± population std over folds; the
 * pipeline is fitted inside each fold, as in cross-validate-model.ts; the folds are drawn once and
 * shared by every model, so the models are compared on the same splits).
 *
 * Every model row is computed with evaluateModel, so a figure here is the figure `train --test`
 * prints for the same model. A model that fails is a row with its error, never the end of the
 * run. An optional extra row is the vote of the trained models (each on its own pipeline, see
 * models/ensemble/vote-trained.ts), scored by `scorePrediction` below, which follows
 * evaluateModel's rules (unseen test classes count as errors; one-vs-rest AUC over known classes).
 *
 * Deliberately not here: detectors (they have no classes to rank by macro-F1; `search` scores them
 * by ROC-AUC), parallel fitting of models (each fit may already use every thread), significance
 * tests between rows.
 */
import { performance } from 'node:perf_hooks';
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { encodeTarget, targetColumn } from '../features/pipeline.js';
import { getSpec } from '../models/registry.js';
import '../models/all.js'; // names any estimator (lists, comparisons), so every one is loaded
import { trainModel, type Prediction, type TrainedModel, type TrainOptions } from '../models/trained-model.js';
import { voteTrainedModels } from '../models/ensemble/vote-trained.js';
import { predictTable } from '../models/trained-model.js';
import { evaluateModel, type EvaluationReport } from './evaluate-model.js';
import { meanStd } from './cross-validation.js';
import { planFolds } from './fold-plan.js';
import { accuracy, averagedScores, classScores } from './metrics.js';
import { rocAucOrNaN, rocAucOvr } from './roc.js';
import { UserError } from '../util/errors.js';

export interface LeaderboardEntry {
  /** registry name */
  readonly model: string;
  /** parameters as given (validated by the spec when the model is trained) */
  readonly params: Readonly<Record<string, unknown>>;
}

import type { SortKey } from './metric-names.js';
export { SORT_KEYS, type SortKey } from './metric-names.js';

export interface Figures {
  readonly accuracy: number;
  readonly macroF1: number;
  readonly weightedF1: number;
  /** one-vs-rest macro ROC-AUC over the classes the model knows */
  readonly rocAucOvr: number;
  /** normal vs attack, from 1 − P(normal), when the normal class is known */
  readonly binaryRocAuc: number;
}

export interface LeaderboardRow extends Figures {
  /** 1 for the best; null for a failed model */
  readonly rank: number | null;
  readonly model: string;
  readonly title: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: 'ok' | 'failed';
  readonly error?: string;
  /** cross-validation only: population standard deviation over folds */
  readonly std?: Figures;
  /** recall per class (test: on the test rows; cv: mean over the folds where the class occurs) */
  readonly recall: Readonly<Record<string, number>>;
  /** pipeline + estimator fit, seconds (cv: mean per fold) */
  readonly fitSeconds: number;
  /**
   * CPU seconds of the whole process (every thread) during the fit: steadier than wall time on a
   * shared machine, and the wall time an idle machine would show for a single-threaded fit
   */
  readonly fitCpuSeconds: number;
  /** transform + predict every test row, and the metrics (milliseconds of it), seconds (cv: mean per fold) */
  readonly predictSeconds: number;
  /** where the model was saved (--out) */
  readonly modelFile?: string;
}

export interface Leaderboard {
  readonly mode: 'test' | 'cv';
  readonly how: string;
  readonly k?: number;
  /** cv mode: the column whose values stay in one fold, when grouped */
  readonly group?: string;
  readonly target: string;
  readonly trainRows: number;
  readonly testRows?: number;
  /** classes in recall order: the training classes, then test-only classes */
  readonly classes: readonly string[];
  readonly sortBy: SortKey;
  readonly seconds: number;
  readonly rows: readonly LeaderboardRow[];
}

export interface LeaderboardEvents {
  start?(index: number, total: number, entry: LeaderboardEntry): void;
  /** work inside the current model: its own progress, or folds done */
  progress?(done: number, total: number): void;
  done?(index: number, total: number, row: LeaderboardRow): void;
}

export interface LeaderboardOptions {
  readonly entries: readonly LeaderboardEntry[];
  /** train options every model shares (target, seed, threads, select, ...) */
  readonly train: Omit<TrainOptions, 'model' | 'params' | 'progress'>;
  /** a separate labelled test table... */
  readonly test?: FlowTable;
  readonly testHow?: string;
  /** ...or k-fold cross-validation on the training table */
  readonly cv?: number;
  /**
   * with cv: keep each value of this column in one fold (fold-plan.ts); the figures are then those
   * of the pooled out-of-fold predictions, ± the spread over folds
   */
  readonly cvGroup?: string;
  readonly sortBy?: SortKey;
  /** add a row for the soft vote of every model that trained (test mode only) */
  readonly vote?: boolean;
  /**
   * Called with each model fitted on the whole training table (test mode: the evaluated model;
   * cv mode: one more fit after the folds, made only when this is given). Returns where it was kept.
   */
  readonly keep?: (entry: LeaderboardEntry, model: TrainedModel, validation: Record<string, unknown>) => Promise<string | undefined>;
  readonly events?: LeaderboardEvents;
  /** what the user should know, e.g. unlabelled rows left out (default: a `netsentinel: warning:` line on stderr) */
  readonly warn?: (message: string) => void;
}

const NO_FIGURES: Figures = { accuracy: NaN, macroF1: NaN, weightedF1: NaN, rocAucOvr: NaN, binaryRocAuc: NaN };

export async function runLeaderboard(train: FlowTable, opts: LeaderboardOptions): Promise<Leaderboard> {
  const t0 = performance.now();
  if (opts.entries.length === 0) throw new UserError('compare: no models to compare');
  if ((opts.test === undefined) === (opts.cv === undefined)) {
    throw new UserError('compare: give either a separate test table or a number of cross-validation folds');
  }
  if (opts.cvGroup !== undefined && opts.cv === undefined) throw new UserError('compare: --cv-group goes with --cv K');
  if (opts.vote && opts.cv !== undefined) throw new UserError('compare: --vote needs --test (a vote over cross-validation folds is not implemented)');
  for (const e of opts.entries) {
    const spec = getSpec(e.model);
    if (spec.kind !== 'classifier') {
      throw new UserError(`compare ranks classifiers; "${e.model}" is a detector (score it with 'netsentinel search --model ${e.model} --normal-only' or 'train --test')`);
    }
  }
  const col = targetColumn(train, opts.train.target);
  const target = col.name;
  // rows without a label can be neither trained on nor scored: left out once, said once, and not
  // counted as training rows (each model's fit warned again, and "on 100 training rows" counted them)
  const y = encodeTarget(col).y;
  const labelled: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] >= 0) labelled.push(i);
  if (labelled.length < y.length) {
    const warn = opts.warn ?? ((m: string) => process.stderr.write(`netsentinel: warning: ${m}\n`));
    warn(`compare: ${(y.length - labelled.length).toLocaleString('en-US')} of ${y.length.toLocaleString('en-US')} training rows have no value in label column "${target}" and were left out`);
    train = takeTableRows(train, labelled);
  }
  const sortBy = opts.sortBy ?? 'macro-f1';
  const rows = opts.test
    ? await testRows(train, opts.test, opts)
    : await cvRows(train, opts.cv!, opts);
  const ok = rows.find((r) => r.row.status === 'ok');
  const classes = ok ? ok.classes : encodeTarget(col).classes;
  const ranked = rankRows(rows.map((r) => r.row), sortBy);
  return {
    mode: opts.test ? 'test' : 'cv',
    how: opts.test
      ? (opts.testHow ?? 'separate test data')
      : opts.cvGroup
        ? `${opts.cv}-fold cross-validation on the training data grouped by "${opts.cvGroup}" (each value in one fold; figures of the pooled out-of-fold predictions, ± over folds)`
        : `stratified ${opts.cv}-fold cross-validation on the training data`,
    k: opts.cv,
    ...(opts.cv !== undefined && opts.cvGroup ? { group: opts.cvGroup } : {}),
    target,
    trainRows: train.rowCount,
    testRows: opts.test?.rowCount,
    classes,
    sortBy,
    seconds: (performance.now() - t0) / 1000,
    rows: ranked,
  };
}

interface RowWithClasses {
  readonly row: LeaderboardRow;
  readonly classes: readonly string[];
}

function failedRow(entry: LeaderboardEntry, e: unknown, fitSeconds = NaN): LeaderboardRow {
  const msg = e instanceof UserError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
  return {
    rank: null,
    model: entry.model,
    title: titleOf(entry.model),
    params: entry.params,
    status: 'failed',
    error: msg.split('\n')[0],
    ...NO_FIGURES,
    recall: {},
    fitSeconds,
    fitCpuSeconds: NaN,
    predictSeconds: NaN,
  };
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

function titleOf(model: string): string {
  try {
    return getSpec(model).title;
  } catch {
    return model;
  }
}

function figuresOf(e: EvaluationReport): Figures {
  const s = e.summary;
  return {
    accuracy: s.accuracy,
    macroF1: s.macroF1,
    weightedF1: s.weightedF1,
    rocAucOvr: s.rocAucOvr ?? NaN,
    binaryRocAuc: s.binaryRocAuc ?? NaN,
  };
}

function recallOf(e: EvaluationReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of e.perClass) if (c.support > 0) out[c.class] = c.recall;
  return out;
}

async function testRows(train: FlowTable, test: FlowTable, opts: LeaderboardOptions): Promise<RowWithClasses[]> {
  const out: RowWithClasses[] = [];
  const voters: TrainedModel[] = [];
  const n = opts.entries.length;
  for (let i = 0; i < n; i++) {
    const entry = opts.entries[i];
    opts.events?.start?.(i, n, entry);
    let model: TrainedModel;
    const cpu0 = process.cpuUsage();
    try {
      model = await trainModel(train, { ...opts.train, model: entry.model, params: { ...entry.params }, progress: opts.events?.progress });
    } catch (e) {
      const row = failedRow(entry, e);
      out.push({ row, classes: [] });
      opts.events?.done?.(i, n, row);
      continue;
    }
    const fitCpuSeconds = cpuSince(cpu0);
    let row: LeaderboardRow;
    let classes: readonly string[] = [];
    try {
      const t1 = performance.now();
      const ev = evaluateModel(model, test, { how: opts.testHow ?? 'separate test data', target: model.target });
      const predictSeconds = (performance.now() - t1) / 1000;
      classes = ev.classes;
      let modelFile: string | undefined;
      if (opts.keep) modelFile = await opts.keep(entry, model, { heldOut: { how: ev.how, ...ev.summary } });
      row = {
        rank: null,
        model: entry.model,
        title: titleOf(entry.model),
        params: entry.params,
        status: 'ok',
        ...figuresOf(ev),
        recall: recallOf(ev),
        fitSeconds: model.training.seconds,
        fitCpuSeconds,
        predictSeconds,
        modelFile,
      };
      if (opts.vote) voters.push(model);
    } catch (e) {
      row = failedRow(entry, e, model.training.seconds);
    }
    out.push({ row, classes });
    opts.events?.done?.(i, n, row);
  }
  if (opts.vote) {
    const entry: LeaderboardEntry = { model: 'vote', params: { voting: 'soft', members: voters.map((m) => m.estimator.name) } };
    opts.events?.start?.(n, n + 1, entry);
    let row: LeaderboardRow;
    let classes: readonly string[] = [];
    try {
      if (voters.length < 2) throw new UserError(`--vote needs at least two models that trained; ${voters.length} did`);
      const t1 = performance.now();
      const p = voteTrainedModels(voters, test);
      const scored = scorePrediction(p, test, voters[0]);
      classes = scored.classes;
      row = {
        rank: null,
        model: 'vote',
        title: `Soft vote of ${voters.length} trained models`,
        params: entry.params,
        status: 'ok',
        ...scored.figures,
        recall: scored.recall,
        fitSeconds: voters.reduce((s, m) => s + m.training.seconds, 0),
        fitCpuSeconds: NaN,
        predictSeconds: (performance.now() - t1) / 1000,
      };
    } catch (e) {
      row = { ...failedRow(entry, e), title: 'Soft vote of the trained models' };
    }
    out.push({ row, classes });
    opts.events?.done?.(n, n + 1, row);
  }
  return out;
}

async function cvRows(train: FlowTable, k: number, opts: LeaderboardOptions): Promise<RowWithClasses[]> {
  const col = targetColumn(train, opts.train.target);
  // rows without a label can be neither trained on nor scored (planFolds leaves them out)
  const plan = planFolds(train, encodeTarget(col).y, k, opts.train.seed ?? 42, opts.cvGroup, 'compare');
  const { table, parts } = plan;
  const out: RowWithClasses[] = [];
  const n = opts.entries.length;
  for (let i = 0; i < n; i++) {
    const entry = opts.entries[i];
    opts.events?.start?.(i, n, entry);
    const figures: Figures[] = [];
    const recalls = new Map<string, number[]>();
    const fit: number[] = [];
    const fitCpu: number[] = [];
    const predict: number[] = [];
    let classes: readonly string[] = [];
    const pooled = plan.group ? new OutOfFold(table.rowCount) : undefined;
    let row: LeaderboardRow;
    try {
      for (let f = 0; f < parts.length; f++) {
        const cpu0 = process.cpuUsage();
        const model = await trainModel(parts[f].train, { ...opts.train, model: entry.model, params: { ...entry.params } });
        fitCpu.push(cpuSince(cpu0));
        const t1 = performance.now();
        const prediction = predictTable(model, parts[f].test);
        const ev = evaluateModel(model, parts[f].test, { how: `fold ${f + 1} of ${k}`, target: model.target, prediction });
        predict.push((performance.now() - t1) / 1000);
        pooled?.add(model, plan.folds[f].test, prediction);
        fit.push(model.training.seconds);
        figures.push(figuresOf(ev));
        for (const [c, r] of Object.entries(recallOf(ev))) {
          const list = recalls.get(c) ?? [];
          list.push(r);
          recalls.set(c, list);
        }
        if (ev.classes.length > classes.length) classes = ev.classes;
        opts.events?.progress?.(f + 1, parts.length);
      }
      // grouped: the figures of the pooled out-of-fold predictions (a class missing from a test fold would bias a fold mean)
      const whole = pooled?.score(table);
      const summary = (key: keyof Figures): { mean: number; std: number } => {
        const ms = meanStd(figures.map((x) => x[key]));
        return whole ? { mean: whole.figures[key], std: ms.std } : ms;
      };
      const keys: (keyof Figures)[] = ['accuracy', 'macroF1', 'weightedF1', 'rocAucOvr', 'binaryRocAuc'];
      const mean = Object.fromEntries(keys.map((key) => [key, summary(key).mean])) as unknown as Figures;
      const std = Object.fromEntries(keys.map((key) => [key, summary(key).std])) as unknown as Figures;
      const recall: Record<string, number> = {};
      if (whole) Object.assign(recall, whole.recall);
      else for (const c of classes) if (recalls.has(c)) recall[c] = meanStd(recalls.get(c)!).mean;
      let modelFile: string | undefined;
      if (opts.keep) {
        const model = await trainModel(table, { ...opts.train, model: entry.model, params: { ...entry.params } });
        modelFile = await opts.keep(entry, model, {
          crossValidation: { k, accuracy: summary('accuracy'), macroF1: summary('macroF1'), rocAuc: summary('rocAucOvr') },
        });
      }
      row = {
        rank: null,
        model: entry.model,
        title: titleOf(entry.model),
        params: entry.params,
        status: 'ok',
        ...mean,
        std,
        recall,
        fitSeconds: meanStd(fit).mean,
        fitCpuSeconds: meanStd(fitCpu).mean,
        predictSeconds: meanStd(predict).mean,
        modelFile,
      };
    } catch (e) {
      row = failedRow(entry, e);
    }
    out.push({ row, classes });
    opts.events?.done?.(i, n, row);
  }
  return out;
}

/**
 * Out-of-fold predictions gathered fold by fold into one Prediction over every row (classes by
 * name, so fold models that know the classes in another order still line up), scored at the end
 * by scorePrediction as if one model had made them.
 */
class OutOfFold {
  private classes: readonly string[] | undefined;
  private like: Pick<TrainedModel, 'classes' | 'target' | 'normalClass'> | undefined;
  private proba: Float64Array | undefined;
  private readonly predicted: Int32Array;
  private readonly scores: Float64Array;
  constructor(readonly rows: number) {
    this.predicted = new Int32Array(rows);
    this.scores = new Float64Array(rows);
  }

  add(model: TrainedModel, rows: Int32Array, p: Prediction): void {
    const mine = model.classes!;
    this.classes ??= mine;
    this.like ??= model;
    const k = this.classes.length;
    this.proba ??= new Float64Array(this.rows * k);
    const to = mine.map((c) => this.classes!.indexOf(c));
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      for (let j = 0; j < mine.length; j++) if (to[j] >= 0) this.proba[r * k + to[j]] = p.proba![i * mine.length + j];
      this.predicted[r] = to[p.predicted![i]];
      this.scores[r] = p.score ? p.score[i] : NaN;
    }
  }

  score(table: FlowTable): ReturnType<typeof scorePrediction> {
    return scorePrediction({ rows: this.rows, proba: this.proba, predicted: this.predicted, score: this.scores }, table, this.like!);
  }
}

/**
 * Figures for a prediction that did not come from one TrainedModel (a vote), by evaluateModel's
 * rules: test classes the models never saw are kept and count as errors; one-vs-rest AUC is over
 * the rows of known classes; the binary AUC uses the prediction's 1 − P(normal) score.
 */
export function scorePrediction(
  p: Prediction,
  table: FlowTable,
  like: Pick<TrainedModel, 'classes' | 'target' | 'normalClass'>,
): { figures: Figures; recall: Record<string, number>; classes: readonly string[] } {
  const where = table.origin?.files.join(', ');
  const col = targetColumn(table, like.target, where);
  const known = like.classes!;
  const enc = encodeTarget(col, known);
  const unseen = [...enc.unknownValues].sort();
  const classes = [...known, ...unseen];
  const unseenIndex = new Map(unseen.map((c, i) => [c, known.length + i]));
  const yTrue = new Int32Array(table.rowCount);
  for (let r = 0; r < table.rowCount; r++) {
    if (enc.y[r] >= 0) yTrue[r] = enc.y[r];
    else {
      const code = col.codes[r];
      if (code < 0) throw new UserError(`${where ?? 'test data'}: row ${r + 1} has no value in label column "${col.name}"; evaluation needs a label on every row`);
      yTrue[r] = unseenIndex.get(col.dictionary[code])!;
    }
  }
  const yPred = p.predicted!;
  const k = classes.length;
  const kk = known.length;
  const keep: number[] = [];
  for (let r = 0; r < yTrue.length; r++) if (yTrue[r] < kk) keep.push(r);
  const pr = new Float64Array(keep.length * kk);
  const yk = new Int32Array(keep.length);
  keep.forEach((r, i) => {
    yk[i] = yTrue[r];
    pr.set(p.proba!.subarray(r * kk, (r + 1) * kk), i * kk);
  });
  const ovr = rocAucOvr(yk, pr, kk).macro;
  let binary = NaN;
  const ni = like.normalClass ? known.indexOf(like.normalClass) : -1;
  if (ni >= 0 && p.score) binary = rocAucOrNaN(Uint8Array.from(yTrue, (c) => (c === ni ? 0 : 1)), p.score);
  const cs = classScores(yTrue, yPred, k);
  const recall: Record<string, number> = {};
  cs.labels.forEach((c, j) => {
    if (cs.support[j] > 0) recall[classes[c]] = cs.recall[j];
  });
  return {
    figures: {
      accuracy: accuracy(yTrue, yPred),
      macroF1: averagedScores(yTrue, yPred, k, 'macro').f1,
      weightedF1: averagedScores(yTrue, yPred, k, 'weighted').f1,
      rocAucOvr: Number.isFinite(ovr) ? ovr : NaN,
      binaryRocAuc: binary,
    },
    recall,
    classes,
  };
}

function sortValue(r: LeaderboardRow, key: SortKey): number {
  switch (key) {
    case 'macro-f1':
      return r.macroF1;
    case 'accuracy':
      return r.accuracy;
    case 'weighted-f1':
      return r.weightedF1;
    case 'roc-auc':
      return r.rocAucOvr;
    case 'binary-roc-auc':
      return r.binaryRocAuc;
    case 'fit-time':
      return -r.fitSeconds;
    case 'predict-time':
      return -r.predictSeconds;
  }
}

/**
 * Best first by `key` (higher scores, shorter times); rows whose figure is undefined follow, then
 * failed rows, each group in the order the models were given. Ranks count the ok rows.
 */
export function rankRows(rows: readonly LeaderboardRow[], key: SortKey): LeaderboardRow[] {
  const indexed = rows.map((row, i) => ({ row, i, v: sortValue(row, key) }));
  const group = (x: (typeof indexed)[number]): number => (x.row.status !== 'ok' ? 2 : Number.isFinite(x.v) ? 0 : 1);
  indexed.sort((a, b) => group(a) - group(b) || (group(a) === 0 ? b.v - a.v : 0) || a.i - b.i);
  let rank = 0;
  return indexed.map(({ row }) => ({ ...row, rank: row.status === 'ok' ? ++rank : null }));
}

const SORT_TITLES: Record<SortKey, string> = {
  'macro-f1': 'macro-F1',
  accuracy: 'accuracy',
  'weighted-f1': 'weighted-F1',
  'roc-auc': 'ROC-AUC (one-vs-rest)',
  'binary-roc-auc': 'normal-vs-attack ROC-AUC',
  'fit-time': 'fit time',
  'predict-time': 'predict time',
};

/** At most this many recall columns in the text table; --json has them all. */
const MAX_RECALL_COLUMNS = 8;

/** The table a person reads. */
export function formatLeaderboard(lb: Leaderboard): string {
  const cv = lb.mode === 'cv';
  const f4 = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
  const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  const sec = (x: number): string => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : 'n/a');
  const withStd = (m: number, s: number | undefined): string => (cv && Number.isFinite(m) ? `${m.toFixed(4)}±${(s ?? NaN).toFixed(4)}` : f4(m));
  const recallClasses = lb.classes.filter((c) => lb.rows.some((r) => c in r.recall));
  const shown = recallClasses.slice(0, MAX_RECALL_COLUMNS);
  const header = ['#', 'model', 'accuracy', 'macro-F1', 'ROC-AUC', 'bin-AUC', ...shown.map((c) => `rec ${c}`), 'fit s', 'fit cpu', 'pred s'];
  const table: string[][] = [];
  const notes: string[] = [];
  for (const r of lb.rows) {
    if (r.status !== 'ok') {
      table.push(['-', r.model, 'failed']);
      notes.push(`  ${r.model}: ${r.error}`);
      continue;
    }
    table.push([
      String(r.rank),
      r.model,
      withStd(r.accuracy, r.std?.accuracy),
      withStd(r.macroF1, r.std?.macroF1),
      withStd(r.rocAucOvr, r.std?.rocAucOvr),
      withStd(r.binaryRocAuc, r.std?.binaryRocAuc),
      ...shown.map((c) => (c in r.recall ? f2(r.recall[c]) : '-')),
      sec(r.fitSeconds),
      sec(r.fitCpuSeconds),
      sec(r.predictSeconds),
    ]);
  }
  const widths = header.map((h, j) => Math.max(h.length, ...table.filter((row) => j < 2 || row.length === header.length).map((row) => row[j].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, j) => (j === 1 ? c.padEnd(widths[j]) : j === 2 && cells.length === 3 ? c : c.padStart(widths[j])))
      .join('  ')
      .trimEnd();
  const lines = [
    `Leaderboard: ${lb.rows.length} model${lb.rows.length === 1 ? '' : 's'} on ${lb.trainRows.toLocaleString('en-US')} training rows, target "${lb.target}"; ${lb.how}` +
      (lb.testRows !== undefined ? ` (${lb.testRows.toLocaleString('en-US')} rows)` : '') +
      `; sorted by ${SORT_TITLES[lb.sortBy]}`,
    '',
    line(header),
    ...table.map(line),
  ];
  lines.push(
    '',
    'ROC-AUC: one-vs-rest macro over the trained classes; bin-AUC: normal vs attack from 1 − P(normal); rec: recall per class;' +
      (cv ? (lb.group ? ' figures of the pooled out-of-fold predictions ± std over folds;' : ' mean±std over folds;') + ' times per fold;' : '') +
      ' fit s: pipeline + model (wall); fit cpu: CPU seconds of every thread during the fit; pred s: transform + predict + metrics on the evaluated rows.',
  );
  if (recallClasses.length > shown.length) lines.push(`Recall of ${recallClasses.length - shown.length} more classes is in --json.`);
  if (notes.length) lines.push('', 'Failed:', ...notes);
  return lines.join('\n');
}
