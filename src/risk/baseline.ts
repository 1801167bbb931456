/**
 * A baseline: what normal traffic looks like, learned once from traffic known to be normal and
 * kept in one file. It holds several unsupervised detectors (each a TrainedModel with its own
 * pipeline), one calibration per detector measured on held-out baseline rows the detector never
 * saw (so a calibrated 0.99 really means "above 99 % of normal traffic"), and per-column
 * statistics of the baseline used to explain a risky flow in a person's terms ("Flow Bytes/s is
 * 8.1e6, the baseline median is 1.2e3").
 *
 * The seeds fitted every model on the very traffic they judged; that is still possible (no
 * baseline: `analyze` fits on its own input) but it is weaker and the output says so.
 */
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { trainModel, predictTable, NETSENTINEL_VERSION, type TrainedModel } from '../models/trained-model.js';
import { loadSpec, specKind } from '../models/registry.js';
import { fitCalibration, type Calibration } from './calibration.js';
import { fitColumnStats, type ColumnStats } from './column-stats.js';
import { loadModelFile, saveModelFile } from '../models/model-file.js';
import { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';
import { binaryTruthOrUndefined } from './labels.js';
import { createFlowScorer } from './flow-scorer.js';
import { thousands } from '../util/thousands.js';

export interface BaselineDetector {
  readonly model: TrainedModel;
  readonly calibration: Calibration;
  /** fusion weight */
  readonly weight: number;
}

export interface Baseline {
  readonly kind: 'baseline';
  readonly createdAt: string;
  readonly netsentinelVersion: string;
  readonly inputFiles: readonly string[];
  readonly format: string;
  /** rows the detectors were fitted on, and rows held out for calibration */
  readonly fitRows: number;
  readonly calibrationRows: number;
  /** how the normal rows were chosen: 'labelled normal rows (binary = normal)' or 'all rows (assumed normal)' */
  readonly fittedOn: string;
  readonly detectors: readonly BaselineDetector[];
  readonly columns: ColumnStats;
  /**
   * held-out normal rows (the calibration rows, at most REFERENCE_ROWS): analysis calibrates the
   * fused statistic, and any classifier it is given, on them
   */
  readonly reference?: FlowTable;
  readonly seconds: number;
  /**
   * the fused statistic's calibration on the reference rows for the default weights and no
   * classifier, made once here so each analysis need not score the reference rows again (it is
   * used only when `key` matches the analysis's weights; older baselines without it still work)
   */
  readonly fusedCalibration?: { readonly key: string; readonly calibration: Calibration };
}

/** most held-out normal rows kept in a baseline file as its reference sample */
export const REFERENCE_ROWS = 5000;

/** The detectors a baseline uses by default, the ones registered in this build, in this order. */
export const DEFAULT_DETECTORS: readonly string[] = ['isolation-forest', 'autoencoder', 'one-class-svm'];

/**
 * Detectors that keep training rows to score with: a one-class SVM its support vectors (about ν of
 * the rows: 5 %), LOF and DBSCAN the rows themselves. Their time to score each flow grows with the
 * rows they were fitted on, and the SVM's fitting time faster still: fitted on all 32,000 flows of
 * a 1M-packet capture, the SVM kept 1,612 support vectors (168 from 3,225 rows) and analyze of the
 * capture took 2.5 s instead of 1.85; a week of traffic would keep tens of thousands. So they are
 * fitted on a seeded random sample of at most `sampleRows` of the fitting rows (the isolation
 * forest samples 256 rows per tree by itself; the autoencoder's size does not depend on the rows).
 */
export const ROW_KEEPING_DETECTORS: ReadonlySet<string> = new Set(['one-class-svm', 'lof', 'dbscan']);
/** enough rows to draw normal traffic's outline for those detectors; 0 (or less) fits them on all rows */
export const DEFAULT_SAMPLE_ROWS = 10_000;

export interface BaselineOptions {
  readonly detectors?: readonly string[];
  /** per-detector parameters: { 'autoencoder': { epochs: 20 } } */
  readonly params?: Readonly<Record<string, Record<string, unknown>>>;
  readonly weights?: Readonly<Record<string, number>>;
  /** share of baseline rows held out for calibration */
  readonly calibrationShare?: number;
  /** use only rows labelled normal when the data has labels (default true) */
  readonly normalOnly?: boolean;
  /** ROW_KEEPING_DETECTORS fit on at most this many of the fitting rows (default DEFAULT_SAMPLE_ROWS; 0: all) */
  readonly sampleRows?: number;
  readonly seed?: number;
  readonly threads?: number;
  /** signed-log compression of numeric columns before scaling (default true: flow counters are heavy-tailed) */
  readonly log?: boolean;
  readonly progress?: (stage: string, done: number, total: number) => void;
}

export function availableDetectors(names: readonly string[] = DEFAULT_DETECTORS): string[] {
  return names.filter((n) => specKind(n) === 'detector');
}

export async function fitBaseline(table: FlowTable, opts: BaselineOptions = {}): Promise<Baseline> {
  const t0 = performance.now();
  const seed = opts.seed ?? 42;
  const names = opts.detectors ? [...opts.detectors] : availableDetectors();
  for (const n of names) {
    const s = await loadSpec(n);
    if (s.kind !== 'detector') throw new UserError(`baseline: "${n}" is a classifier; a baseline needs anomaly detectors (e.g. ${availableDetectors().join(', ')})`);
  }
  if (names.length === 0) throw new UserError('baseline: no detectors to fit');
  let rows = table;
  let fittedOn = 'all rows (assumed normal: the data has no labels)';
  const truth = binaryTruthOrUndefined(table);
  if (truth && opts.normalOnly !== false) {
    const keep: number[] = [];
    for (let i = 0; i < truth.length; i++) if (truth[i] === 0) keep.push(i);
    if (keep.length < 20) throw new UserError(`baseline: only ${keep.length} rows are labelled normal; a baseline needs known-normal traffic`);
    rows = takeTableRows(table, keep);
    fittedOn = `rows labelled normal (${thousands(keep.length)} of ${thousands(table.rowCount)})`;
  } else if (truth) fittedOn = 'all rows, labels ignored (--all-rows)';
  if (rows.rowCount < 2) {
    // said here, not as a detector's "got 0 rows" after the calibration rows were held out
    throw new UserError(
      `fitting the anomaly detectors needs at least 2 rows (some to fit, one held out to calibrate); got ${rows.rowCount}. ` +
        "analyze without --baseline fits them on its own input: give it more flows, or a baseline from 'netsentinel baseline' on known-normal traffic",
    );
  }
  const share = opts.calibrationShare ?? 0.2;
  if (!(share > 0 && share < 0.9)) throw new UserError(`baseline: calibration share must be in (0, 0.9), got ${share}`);
  const order = new Rng(seed).shuffle(Int32Array.from({ length: rows.rowCount }, (_, i) => i));
  const nCal = Math.max(1, Math.round(rows.rowCount * share));
  const calIdx = order.slice(0, nCal).sort();
  const fitIdx = order.slice(nCal).sort();
  const fitTable = takeTableRows(rows, fitIdx);
  const calTable = takeTableRows(rows, calIdx);
  const sampleRows = opts.sampleRows ?? DEFAULT_SAMPLE_ROWS;
  // one sample for every row-keeping detector, drawn only when one is asked for and the rows are more
  let sample: FlowTable | undefined;
  const fitRowsOf = (name: string): FlowTable => {
    if (!ROW_KEEPING_DETECTORS.has(name) || !(sampleRows > 0) || fitTable.rowCount <= sampleRows) return fitTable;
    sample ??= takeTableRows(fitTable, new Rng(seed + 2).sample(fitTable.rowCount, sampleRows).sort());
    return sample;
  };
  const detectors: BaselineDetector[] = [];
  for (const [i, name] of names.entries()) {
    opts.progress?.(`fitting ${name}`, i, names.length);
    const model = await trainModel(fitRowsOf(name), {
      model: name,
      params: opts.params?.[name],
      seed,
      threads: opts.threads,
      log: opts.log ?? true,
      inputFiles: table.origin?.files,
    });
    const cal = predictTable(model, calTable).score!;
    detectors.push({ model, calibration: fitCalibration(cal), weight: opts.weights?.[name] ?? 1 });
  }
  opts.progress?.('done', names.length, names.length);
  const b: Baseline = {
    kind: 'baseline',
    createdAt: new Date().toISOString(),
    netsentinelVersion: NETSENTINEL_VERSION,
    inputFiles: table.origin?.files ?? [],
    format: table.format,
    fitRows: fitTable.rowCount,
    calibrationRows: calTable.rowCount,
    fittedOn,
    detectors,
    columns: fitColumnStats(fitTable),
    reference: referenceSample(calTable, seed),
    seconds: (performance.now() - t0) / 1000,
  };
  const fused = createFlowScorer(b, undefined, {}).fusedCalibration;
  return fused ? { ...b, fusedCalibration: fused } : b;
}

/** The calibration rows as plain data (no file origin), at most REFERENCE_ROWS of them. */
function referenceSample(t: FlowTable, seed: number): FlowTable {
  let rows = t;
  if (t.rowCount > REFERENCE_ROWS) {
    const pick = new Rng(seed + 1).sample(t.rowCount, REFERENCE_ROWS).sort();
    rows = takeTableRows(t, pick);
  }
  return { rowCount: rows.rowCount, columns: rows.columns, format: rows.format, defaultTarget: rows.defaultTarget, normalClass: rows.normalClass };
}

export async function saveBaseline(path: string, b: Baseline, who = ''): Promise<number> {
  return saveModelFile(path, { netsentinel: 'baseline', ...b }, who);
}

export async function loadBaseline(path: string): Promise<Baseline> {
  const doc = (await loadModelFile(path).catch((e: unknown) => {
    // `-b office.nsb` mistyped or not made yet: "model file ... does not exist" named the wrong thing
    if (e instanceof UserError && (e as UserError & { missing?: boolean }).missing) {
      throw new UserError(`baseline file ${path} does not exist; make one from normal traffic with 'netsentinel baseline NORMAL-FLOWS -o ${path}'`);
    }
    throw e;
  })) as Record<string, unknown>;
  if (doc?.netsentinel === 'model') {
    throw new UserError(`${path} is a single model, not a baseline; make one with 'netsentinel baseline NORMAL-DATA -o ${path.replace(/\.[^.]*$/, '')}.nsb'`);
  }
  if (doc?.netsentinel !== 'baseline' || !Array.isArray(doc.detectors)) throw new UserError(`${path} is not a netsentinel baseline`);
  for (const d of doc.detectors as BaselineDetector[]) await loadSpec(d.model.estimator.name);
  const { netsentinel: _n, ...b } = doc;
  void _n;
  return b as unknown as Baseline;
}
