/**
 * A trained model as one value: the estimator (name, options, fitted state), the feature pipeline
 * fitted with it, the class names, the detector threshold, the input schema and how it was trained.
 * `trainModel` builds one from a FlowTable; `predictTable` applies one to new rows; save/load go
 * through model-file.ts, so the same value is what lives on disk.
 */
import { performance } from 'node:perf_hooks';
import { defaultThreads } from '../util/default-threads.js';
import { takeTableRows, type FlowTable } from '../flows/table.js';
import type { Matrix } from '../features/matrix.js';
import { takeRows } from '../features/matrix.js';
import {
  encodeTarget,
  fitPipeline,
  targetColumn,
  transformTable,
  type PipelineOptions,
  type PipelineState,
} from '../features/pipeline.js';
import { argmaxRows, type ClassifierSpec, type DetectorSpec, type EstimatorSpec } from './estimator.js';
import { getSpec, loadSpec } from './registry.js';
import { loadModelFile, MODEL_FORMAT_VERSION, saveModelFile } from './model-file.js';
import { fitThreshold, type ThresholdState } from './threshold.js';
import { plural } from '../util/plural.js';
import { InputError, UserError } from '../util/errors.js';
import { normaliseParams } from './param-names.js';

export const NETSENTINEL_VERSION = '0.1.0';

export interface TrainingInfo {
  readonly inputFiles: readonly string[];
  readonly format: string;
  readonly rows: number;
  readonly seconds: number;
  readonly startedAt: string;
  readonly netsentinelVersion: string;
  readonly seed: number;
  readonly threads: number;
  /** detectors: which rows were fitted ('all rows', 'normal rows: Normal') */
  readonly fittedOn?: string;
  /** rows per class in training (classifiers) */
  readonly classCounts?: Readonly<Record<string, number>>;
  /** metrics measured while training (held-out split, cross-validation), labelled by how */
  readonly validation?: Readonly<Record<string, unknown>>;
}

export interface TrainedModel {
  readonly formatVersion: number;
  readonly kind: 'classifier' | 'detector';
  readonly estimator: { readonly name: string; readonly options: object; readonly state: unknown };
  readonly pipeline: PipelineState;
  /** classifiers: class names in output order */
  readonly classes?: readonly string[];
  /** the label column trained on (classifiers) */
  readonly target?: string;
  /** the class that means normal traffic, when known */
  readonly normalClass?: string;
  /** detectors: score above which a row is anomalous */
  readonly threshold?: ThresholdState;
  readonly training: TrainingInfo;
}

export interface TrainOptions {
  readonly model: string;
  /** estimator options as given by the user; validated by the spec */
  readonly params?: Record<string, unknown>;
  readonly target?: string;
  readonly seed?: number;
  readonly threads?: number;
  readonly select?: readonly string[];
  readonly drop?: readonly string[];
  /** override the estimator's preferred scaling / categorical encoding */
  readonly scaling?: PipelineOptions['scaling'];
  readonly categorical?: PipelineOptions['categorical'];
  /** compress heavy-tailed numeric columns with a signed log before scaling */
  readonly log?: boolean;
  /** detectors: fit on rows of the normal class only (needs a label) */
  readonly normalOnly?: boolean;
  /** detectors: threshold rule */
  readonly contamination?: number;
  readonly percentile?: number;
  readonly progress?: (done: number, total: number, what?: string) => void;
  readonly inputFiles?: readonly string[];
  /** what the user should know, e.g. unlabelled rows left out (default: a `netsentinel: warning:` line on stderr) */
  readonly warn?: (message: string) => void;
}

export { normaliseParams };

export async function trainModel(table: FlowTable, opts: TrainOptions): Promise<TrainedModel> {
  const spec = await loadSpec(opts.model);
  const options = spec.options(normaliseParams(spec, opts.params) as never);
  const seed = opts.seed ?? 42;
  const threads = opts.threads ?? defaultThreads();
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const pipelineOptions: PipelineOptions = {
    scaling: opts.scaling ?? spec.input.scaling,
    categorical: opts.categorical ?? spec.input.categorical,
    select: opts.select,
    drop: opts.drop,
    clip: (opts.scaling ?? spec.input.scaling) === 'minmax',
    log: opts.log,
  };
  const base = {
    inputFiles: opts.inputFiles ?? table.origin?.files ?? [],
    format: table.format,
    netsentinelVersion: NETSENTINEL_VERSION,
    seed,
    threads,
  };
  if (table.rowCount === 0) {
    // said as such, not as "has only one class (none)" or a detector's fit on nothing
    const files = opts.inputFiles ?? table.origin?.files ?? [];
    throw new UserError(`${files.length ? files.join(', ') : 'the training data'}: no rows to train on (a header and no flow records)`);
  }
  if (spec.kind === 'classifier') {
    const col = targetColumn(table, opts.target);
    const enc = encodeTarget(col);
    let rows = table;
    let y = enc.y;
    if (enc.unknownRows > 0) {
      // rows without a label cannot teach a classifier; say how many were left out, never silently
      const keep: number[] = [];
      for (let i = 0; i < y.length; i++) if (y[i] >= 0) keep.push(i);
      rows = takeTableRows(table, keep);
      y = Int32Array.from(keep, (i) => enc.y[i]);
      // (process.emitWarning printed "(node:PID) Warning: ..." and a hint about --trace-warnings)
      const warn = opts.warn ?? ((m: string) => process.stderr.write(`netsentinel: warning: ${m}\n`));
      warn(`${enc.unknownRows.toLocaleString('en-US')} ${plural(enc.unknownRows, 'row')} ${enc.unknownRows === 1 ? 'has' : 'have'} no value in label column "${col.name}" and ${enc.unknownRows === 1 ? 'was' : 'were'} not used for training`);
    }
    if (enc.classes.length < 2) {
      throw new UserError(`label column "${col.name}" has only one class (${enc.classes[0] ?? 'none'}); a classifier needs at least two`);
    }
    const pipeline = fitPipeline(rows, pipelineOptions);
    const X = transformTable(pipeline, rows);
    const state = await (spec as ClassifierSpec).fit(X, y, enc.classes.length, options, {
      seed,
      threads,
      progress: opts.progress,
      featureNames: pipeline.outputNames,
    });
    const classCounts: Record<string, number> = {};
    enc.classes.forEach((c) => (classCounts[c] = 0));
    for (let i = 0; i < y.length; i++) classCounts[enc.classes[y[i]]]++;
    const normal = table.normalClass && enc.classes.includes(table.normalClass) ? table.normalClass : guessNormal(enc.classes);
    return {
      formatVersion: MODEL_FORMAT_VERSION,
      kind: 'classifier',
      estimator: { name: spec.name, options, state },
      pipeline,
      classes: enc.classes,
      target: col.name,
      normalClass: normal,
      training: { ...base, rows: rows.rowCount, seconds: (performance.now() - t0) / 1000, startedAt, classCounts },
    };
  }
  // detector
  let rows = table;
  let fittedOn = 'all rows (no labels used)';
  let normalClass = table.normalClass;
  if (opts.normalOnly) {
    const col = targetColumn(table, opts.target ?? (table.columns.some((c) => c.name === 'binary') ? 'binary' : undefined));
    const normalValue = col.name === 'binary' ? 'normal' : (table.normalClass ?? guessNormal(col.dictionary));
    if (!normalValue || !col.dictionary.includes(normalValue)) {
      throw new UserError(`--normal-only: cannot tell which value of "${col.name}" is normal traffic (values: ${col.dictionary.slice(0, 10).join(', ')})`);
    }
    const code = col.dictionary.indexOf(normalValue);
    const keep: number[] = [];
    for (let i = 0; i < table.rowCount; i++) if (col.codes[i] === code) keep.push(i);
    if (keep.length < 2) throw new UserError(`--normal-only: only ${keep.length} rows are labelled "${normalValue}"`);
    rows = takeTableRows(table, keep);
    fittedOn = `normal rows only (${col.name} = ${normalValue})`;
    normalClass = normalClass ?? normalValue;
  }
  const pipeline = fitPipeline(rows, pipelineOptions);
  const X = transformTable(pipeline, rows);
  const dspec = spec as DetectorSpec;
  const state = await dspec.fit(X, options, { seed, threads, progress: opts.progress, featureNames: pipeline.outputNames });
  const trainScores = dspec.score(state, X);
  const threshold = fitThreshold(
    trainScores,
    opts.percentile !== undefined ? { percentile: opts.percentile } : { contamination: opts.contamination ?? 0.01 },
  );
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    kind: 'detector',
    estimator: { name: spec.name, options, state },
    pipeline,
    normalClass,
    threshold,
    training: { ...base, rows: rows.rowCount, seconds: (performance.now() - t0) / 1000, startedAt, fittedOn },
  };
}

function guessNormal(values: readonly string[]): string | undefined {
  return values.find((v) => /^(normal|benign)$/i.test(v));
}

export interface Prediction {
  readonly rows: number;
  /** classifiers: rows x classes */
  readonly proba?: Float64Array;
  /** classifiers: class index per row */
  readonly predicted?: Int32Array;
  /**
   * anomaly score per row in the model's own units: detectors' raw score, classifiers'
   * 1 − P(normal class) when the model knows which class is normal
   */
  readonly score?: Float64Array;
  /** detectors: 1 where score > threshold */
  readonly anomalous?: Uint8Array;
}

export function modelMatrix(model: TrainedModel, table: FlowTable, where?: string): Matrix {
  try {
    return transformTable(model.pipeline, table, where);
  } catch (e) {
    // "needs column duration, which this input lacks" about a CIC-IDS2017 file and an NSL-KDD
    // model: the kinds of flows differ, which is what the user has to change ('csv' is any CSV
    // with a header, not a kind)
    const kinds = [model.training.format, table.format];
    if (!(e instanceof InputError) || !kinds.every((k) => k && k !== 'csv') || kinds[0] === kinds[1]) throw e;
    throw new UserError(`${e.message}: the model was trained on ${kinds[0]} flows, this input holds ${kinds[1]} flows; use a model trained on flows of this kind`);
  }
}

export function predictMatrix(model: TrainedModel, X: Matrix): Prediction {
  const spec = getSpec(model.estimator.name);
  if (spec.kind !== model.kind) throw new UserError(`model says it is a ${model.kind} but "${spec.name}" is a ${spec.kind}`);
  if (spec.kind === 'classifier') {
    const k = model.classes!.length;
    const proba = spec.predictProba(model.estimator.state, X);
    const predicted = argmaxRows(proba, k);
    let score: Float64Array | undefined;
    const ni = model.normalClass ? model.classes!.indexOf(model.normalClass) : -1;
    if (ni >= 0) {
      score = new Float64Array(X.rows);
      for (let r = 0; r < X.rows; r++) score[r] = 1 - proba[r * k + ni];
    }
    return { rows: X.rows, proba, predicted, score };
  }
  const score = spec.score(model.estimator.state, X);
  const anomalous = new Uint8Array(X.rows);
  const t = model.threshold!.threshold;
  for (let r = 0; r < X.rows; r++) anomalous[r] = score[r] > t ? 1 : 0;
  return { rows: X.rows, score, anomalous };
}

export function predictTable(model: TrainedModel, table: FlowTable, where?: string): Prediction {
  return predictMatrix(model, modelMatrix(model, table, where));
}

/** Rows of a matrix, for callers that split a table already transformed. */
export { takeRows };

/** `who` (the verb) starts the error message when the file cannot be written. */
export async function saveTrainedModel(path: string, model: TrainedModel, who = ''): Promise<number> {
  return saveModelFile(path, { netsentinel: 'model', ...model }, who);
}

export async function loadTrainedModel(path: string): Promise<TrainedModel> {
  const doc = (await loadModelFile(path)) as Record<string, unknown>;
  const bad = (what: string): UserError => new UserError(`${path} is not a usable model (${what}); train it again`);
  if (doc?.netsentinel === 'baseline') {
    // the mirror of loadBaseline's "a single model, not a baseline": -m and -b are easily swapped
    throw new UserError(`${path} is a baseline (detectors of normal traffic), not a model: it judges traffic through analyze, score or stream --baseline (-b); a model comes from 'netsentinel train'`);
  }
  if (!doc || doc.netsentinel !== 'model') throw bad('it holds no model');
  if (doc.kind !== 'classifier' && doc.kind !== 'detector') throw bad(`unknown kind ${String(doc.kind)}`);
  const est = doc.estimator as TrainedModel['estimator'] | undefined;
  if (!est || typeof est.name !== 'string') throw bad('no estimator');
  const spec = await loadSpec(est.name); // unknown estimator names are a clear error
  if (spec.kind !== doc.kind) throw bad(`"${est.name}" is a ${spec.kind}, the file says ${String(doc.kind)}`);
  if (!doc.pipeline || !Array.isArray((doc.pipeline as PipelineState).inputs)) throw bad('no feature pipeline');
  if (doc.kind === 'classifier' && !Array.isArray(doc.classes)) throw bad('no class names');
  if (doc.kind === 'detector' && typeof (doc.threshold as ThresholdState | undefined)?.threshold !== 'number') throw bad('no threshold');
  const { netsentinel: _n, ...model } = doc;
  void _n;
  return model as unknown as TrainedModel;
}
