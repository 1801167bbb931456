/**
 * Scores batches of flows against a baseline (and optionally a classifier). Every piece of evidence
 * is a p in [0, 1] calibrated on the baseline's held-out normal rows (share of baseline flows
 * scoring lower): each detector's score, and the classifier's P(attack). They are combined
 * one-sided, since only unusualness is evidence (a detector finding a flow perfectly typical does
 * not excuse what another finds extreme):
 *     S = Σ w_i · max(0, Φ⁻¹(p_i)) / sqrt(Σ w_i²)
 * and S itself is calibrated on the same baseline rows, so
 *     risk = share of baseline flows whose combined evidence is below this flow's
 * (with the exponential tail of calibration.ts beyond the largest). Risk 0.999 therefore means what
 * it says on normal traffic, whatever the number and correlation of the detectors. A baseline file
 * without reference rows (older files) falls back to risk = Φ(Stouffer z of the p's).
 */
import type { FlowTable } from '../flows/table.js';
import { RowScoreCache } from './row-score-cache.js';
import type { Baseline } from './baseline.js';
import { calibrate, fitCalibration, type Calibration } from './calibration.js';
import { predictMatrix, predictTable, type TrainedModel } from '../models/trained-model.js';
import { getSpec } from '../models/registry.js';
import type { Matrix } from '../features/matrix.js';
import { releaseSliceLogs, SLICE_ROWS, transformRows } from '../features/pipeline.js';
import { riskOfZ, zOf } from './fusion.js';
import { thousands } from '../util/thousands.js';
import { InputError, UserError } from '../util/errors.js';

/** The input columns of `models` that `table` has no column of that name for, each once. */
function lackedColumns(models: readonly TrainedModel[], table: FlowTable): string[] {
  const have = new Set(table.columns.map((c) => c.name));
  const lacked = new Set<string>();
  for (const m of models) for (const inp of m.pipeline.inputs) if (!have.has(inp.name)) lacked.add(inp.name);
  return [...lacked];
}

/** `"a"`, `"a" and "b"`, or `"a" and 7 more columns`. */
function someColumns(names: readonly string[]): string {
  const first = `"${names[0]}"`;
  if (names.length === 1) return `column ${first}`;
  if (names.length === 2) return `columns ${first} and "${names[1]}"`;
  return `column ${first} and ${thousands(names.length - 1)} more`;
}

/** `it has 41 feature columns, e.g. "duration", ...`: what was read instead, as the pipeline says it. */
function hasColumns(table: FlowTable): string {
  const have = table.columns.filter((c) => c.role === 'feature').map((c) => c.name);
  return `it has ${have.length} feature column${have.length === 1 ? '' : 's'}${have.length ? `, e.g. ${have.slice(0, 5).map((h) => `"${h}"`).join(', ')}` : ''}`;
}

/** ` (nsl-kdd flows)` when the format is a kind of flows ('csv' is any CSV with a header), for messages. */
function ofFormat(format: string | undefined): string {
  return format && format !== 'csv' ? ` (${format} flows)` : '';
}

/**
 * The error for flows without some of the baseline's input columns, undefined when they have them
 * all: flows of another kind (NSL-KDD records against a CIC-IDS2017 baseline) lack most of its
 * columns, which is what the user has to hear. The scorer says it when scoring fails, a stream
 * worker before it lets the rules see a batch (score-stage.ts problems()), in the same words.
 */
export function baselineLacks(baseline: Baseline, batch: FlowTable, where?: string): InputError | undefined {
  const lacked = lackedColumns(baseline.detectors.map((d) => d.model), batch);
  if (!lacked.length) return undefined;
  // 'csv' is any CSV with a header (and a --flow of JSON): a format, not a kind of flows
  const kinds = [baseline.format, batch.format];
  const formats = kinds.every((k) => k && k !== 'csv') && kinds[0] !== kinds[1];
  return new InputError(
    { file: where },
    `the baseline needs ${someColumns(lacked)}, which this input lacks (${hasColumns(batch)})` +
      (formats ? `: the baseline was fitted on ${baseline.format} flows, this input holds ${batch.format} flows` : '') +
      `; fit a baseline on normal flows of this kind ('netsentinel baseline NORMAL-FLOWS -o BASELINE.nsb')`,
  );
}

export interface ScoredBatch {
  readonly rows: number;
  /** detector name → raw score per row */
  readonly raw: ReadonlyMap<string, Float64Array>;
  /** detector name → calibrated p per row */
  readonly p: ReadonlyMap<string, Float64Array>;
  /** classifier: predicted class, its probability, raw P(attack) and its calibrated p */
  readonly predictedClass?: readonly string[];
  readonly classProbability?: Float64Array;
  readonly pAttack?: Float64Array;
  readonly pAttackCalibrated?: Float64Array;
  /**
   * per row, the first row of the batch whose detector inputs are the same bits (itself when none
   * before), when the row-score cache looked the whole batch up: such rows have the same raw
   * scores, p's and per-column explanations
   */
  readonly sameInputs?: Int32Array;
  /** combined evidence S per row, and the risk in [0, 1] */
  readonly evidence: Float64Array;
  readonly risk: Float64Array;
  /** z = Φ⁻¹(risk), what per-source aggregation adds up */
  readonly z: Float64Array;
}

export interface ScoringWeights {
  /** per detector name; missing = the baseline's weight */
  readonly detectors?: Readonly<Record<string, number>>;
  readonly classifier?: number;
  /** behavioural rules' evidence about a flow's source (0 leaves rules out of flow risk) */
  readonly rules?: number;
}

export interface FlowScorer {
  readonly detectors: readonly string[];
  /** how risk was calibrated, for the report */
  readonly calibration: string;
  /**
   * `ruleP`: per row, the p of the rule evidence about the flow's source at that time (0 = none):
   * it joins the combination with weight `rules`; reference rows carry none.
   */
  score(batch: FlowTable, where?: string, ruleP?: Float64Array): ScoredBatch;
  /** the combination's calibration on the reference rows, with the weights it holds for (none without a classifier-free reference) */
  readonly fusedCalibration?: { readonly key: string; readonly calibration: Calibration };
}

interface Raw {
  raw: Map<string, Float64Array>;
  p: Map<string, Float64Array>;
  predictedClass?: string[];
  classProbability?: Float64Array;
  pAttack?: Float64Array;
  pAttackCalibrated?: Float64Array;
  sameInputs?: Int32Array;
  evidence: Float64Array;
}

/**
 * Rows per slice of a batch: each detector's feature matrix is made and scored a slice at a time in
 * memory reused across slices and batches (1,024 rows × ~90 columns = 0.7 MB per detector). A
 * 65,536-flow capture batch otherwise made three new 45 MB matrices (and a shared copy for the
 * kernel workers) per batch: most of analyze's garbage and page faults. Every detector scores a
 * slice before the next slice, so the slice's logged columns (pipeline.ts, shared by the
 * detectors) stay in cache. Every detector scores each row on its own, so the slices' scores are
 * the scores of the whole batch.
 */
const SCRATCH_ROWS = SLICE_ROWS;

/**
 * A detector's raw scores of a matrix: predictMatrix's `score`, without the anomalous flags it also
 * makes (an array and a pass per slice that scoring never reads). Anything predictMatrix would
 * refuse (a model whose estimator is not a detector) goes through it, for its error.
 */
function detectorScores(model: TrainedModel, X: Matrix): Float64Array {
  const spec = getSpec(model.estimator.name);
  if (spec.kind !== 'detector' || model.kind !== 'detector') return predictMatrix(model, X).score!;
  return spec.score(model.estimator.state, X);
}

/**
 * zOf through a small cache of the last values seen (direct-mapped on the bits of p): traffic of
 * many identical flows (a flood, a scan) gives few distinct calibrated p's and risks (the 1M-packet
 * replay capture: ~130 distinct values among its 236,000 flows' 700,000 zOf calls), and Φ⁻¹ with
 * its Newton step (~40 ns) was the costliest part of fusing a flow. zOf is a pure function of p, so
 * a remembered z is the z. Continuous p's (every flow different) miss and pay a few ns.
 */
const Z_CACHE = 256;
const zKeys = new Float64Array(Z_CACHE).fill(NaN);
const zValues = new Float64Array(Z_CACHE);
const pBits = new Float64Array(1);
const pWords = new Uint32Array(pBits.buffer);

function zOfRepeated(p: number): number {
  pBits[0] = p;
  // the top 8 bits of a multiplicative hash of both words: a slot in 0 … 255 (Z_CACHE)
  const slot = Math.imul(pWords[0] ^ pWords[1], 0x9e3779b1) >>> 24;
  // NaN never equals a key (and keys start NaN); ±0 equal each other but share one z (Z_LOWEST)
  if (zKeys[slot] === p) return zValues[slot];
  const z = zOf(p);
  zKeys[slot] = p;
  zValues[slot] = z;
  return z;
}

export function createFlowScorer(baseline: Baseline, classifier: TrainedModel | undefined, weights: ScoringWeights = {}): FlowScorer {
  const names = baseline.detectors.map((d) => d.model.estimator.name);
  const w = baseline.detectors.map((d) => weights.detectors?.[d.model.estimator.name] ?? d.weight);
  const wc = weights.classifier ?? 1;
  const wr = weights.rules ?? 1;
  let classifierCal: Calibration | undefined;
  let fusedCal: Calibration | undefined;
  // any reference rows at all calibrate the combination: the detectors are correlated, and Stouffer's
  // z of three of them at "beyond all 19 baseline rows" said 0.998 where the rows support 0.95
  // (calibration.ts bounds a table of n rows at n / (n + 1))
  const ref = baseline.reference && baseline.reference.rowCount > 0 ? baseline.reference : undefined;
  // per detector, the memory its feature matrix is transformed into, reused slice after slice and
  // batch after batch (a stream worker scores a batch per message; new matrices were most of its garbage)
  const scratch: (Float64Array | undefined)[] = baseline.detectors.map(() => undefined);
  /** every detector's raw scores of the batch, slice by slice */
  const scoreRows = (batch: FlowTable, where?: string): Float64Array[] => {
    const n = batch.rowCount;
    const models = baseline.detectors.map((d) => d.model);
    models.forEach((m, j) => (scratch[j] ??= new Float64Array(SCRATCH_ROWS * m.pipeline.outputNames.length)));
    const slice = (j: number, r0: number, r1: number): Float64Array => detectorScores(models[j], transformRows(models[j].pipeline, batch, r0, r1, where, scratch[j]));
    let out: Float64Array[];
    try {
      if (n <= SCRATCH_ROWS) out = models.map((_, j) => slice(j, 0, n));
      else {
        out = models.map(() => new Float64Array(n));
        for (let r0 = 0; r0 < n; r0 += SCRATCH_ROWS) {
          const r1 = Math.min(n, r0 + SCRATCH_ROWS);
          for (let j = 0; j < models.length; j++) out[j].set(slice(j, r0, r1), r0);
        }
      }
    } catch (e) {
      // the pipeline's own message says "the model needs column X": here the model is the
      // baseline, and flows of another kind (NSL-KDD records against a CIC-IDS2017 baseline) lack
      // most of its columns, which is what the user has to hear (checked only when it failed)
      const lacked = e instanceof InputError ? baselineLacks(baseline, batch, where) : undefined;
      throw lacked ?? e;
    }
    // the batch's columns are done with: the shared logged slab must not keep them alive
    releaseSliceLogs();
    return out;
  };
  // rows seen before keep their scores (row-score-cache.ts: flows from captures repeat themselves)
  const cache = RowScoreCache.for(baseline.detectors.map((d) => d.model.pipeline));
  const scoresOf = (batch: FlowTable, where?: string): Float64Array[] =>
    cache ? cache.scoresOf(batch, (t) => scoreRows(t, where)) : scoreRows(batch, where);

  const evaluate = (batch: FlowTable, where?: string, ruleP?: Float64Array): Raw => {
    const n = batch.rowCount;
    const raw = new Map<string, Float64Array>();
    const pmap = new Map<string, Float64Array>();
    const num = new Float64Array(n);
    let den = 0;
    const scores = scoresOf(batch, where);
    baseline.detectors.forEach((d, j) => {
      const s = scores[j];
      const p = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        p[i] = calibrate(d.calibration, s[i]);
        // one-sided: a p below 0.4 has z < −0.25 (far beyond Φ⁻¹'s error), so max(0, z) = 0 without Φ⁻¹
        if (w[j]) num[i] += w[j] * (ref ? (p[i] < 0.4 ? 0 : Math.max(0, zOfRepeated(p[i]))) : zOfRepeated(p[i]));
      }
      den += w[j] * w[j];
      raw.set(names[j], s);
      pmap.set(names[j], p);
    });
    // a copy: the cache reuses its array for the next batch
    const out: Raw = { raw, p: pmap, evidence: num, sameInputs: cache?.sameRows()?.slice(0, n) };
    if (classifier) {
      const pr = predictTable(classifier, batch, where);
      const k = classifier.classes!.length;
      out.predictedClass = Array.from(pr.predicted!, (c) => classifier.classes![c]);
      out.classProbability = Float64Array.from(pr.predicted!, (c, r) => pr.proba![r * k + c]);
      if (pr.score) {
        out.pAttack = pr.score;
        if (classifierCal) {
          const pc = Float64Array.from(pr.score, (x) => calibrate(classifierCal!, x));
          out.pAttackCalibrated = pc;
          for (let i = 0; i < n; i++) num[i] += wc * Math.max(0, zOf(pc[i]));
        } else if (!ref) {
          for (let i = 0; i < n; i++) num[i] += wc * zOf(pr.score[i]);
        }
        den += wc * wc;
      }
    }
    if (ref && wr > 0) {
      // rules count in every row's denominator (absent evidence = 0), so the reference calibration holds
      if (ruleP) for (let i = 0; i < n; i++) if (ruleP[i] > 0) num[i] += wr * Math.max(0, zOf(ruleP[i]));
      den += wr * wr;
    }
    const sd = den > 0 ? Math.sqrt(den) : 1;
    for (let i = 0; i < n; i++) num[i] /= sd;
    return out;
  };

  // what the fused calibration depends on besides the baseline: the weights (no classifier), and
  // how detector scores are calibrated (`tail`: a file made before the tail began beyond the
  // highest calibration score holds a fused table of other p's, so it is made again)
  const key = classifier ? undefined : JSON.stringify({ detectors: w, rules: wr, tail: 'beyond-max' });
  if (ref) {
    // calibrate the classifier, then the combined evidence, on the baseline's held-out normal rows
    if (classifier) {
      // the rows are the baseline's, not the input's: a classifier trained on other flows than
      // the baseline was told "this input lacks" a column the user's input has
      const lacked = lackedColumns([classifier], ref);
      if (lacked.length) {
        throw new UserError(
          `the classifier (--model) needs ${someColumns(lacked)}, which the baseline's flows lack: ` +
            `the classifier was trained on ${classifier.training.inputFiles.join(', ') || 'other data'}${ofFormat(classifier.training.format)}, ` +
            `the baseline fitted on ${baseline.inputFiles.join(', ') || 'other data'}${ofFormat(baseline.format)}; ` +
            'give a classifier and a baseline made from the same kind of flows',
        );
      }
      const pr = predictTable(classifier, ref);
      if (pr.score) classifierCal = fitCalibration(pr.score);
    }
    const cached = baseline.fusedCalibration;
    fusedCal = key !== undefined && cached?.key === key ? cached.calibration : fitCalibration(evaluate(ref).evidence);
  }

  return {
    fusedCalibration: fusedCal && key !== undefined ? { key, calibration: fusedCal } : undefined,
    detectors: names,
    calibration: fusedCal
      ? `combined evidence calibrated on ${thousands(ref!.rowCount)} held-out baseline rows`
      : 'Stouffer z of the detectors (this baseline file has no reference rows; make it again to calibrate the combination)',
    score(batch, where, ruleP) {
      const r = evaluate(batch, where, ruleP);
      const n = batch.rowCount;
      const risk = new Float64Array(n);
      const z = new Float64Array(n);
      // no detectors and no classifier (an input too small to fit detectors on, analysed without a
      // baseline): a flow's only evidence is the rules', and no evidence is risk 0, not Φ(0) = 0.5
      const rulesOnly = names.length === 0 && !classifier;
      for (let i = 0; i < n; i++) {
        if (rulesOnly) {
          risk[i] = ruleP ? ruleP[i] : 0;
          z[i] = zOfRepeated(risk[i]);
        } else if (fusedCal) {
          risk[i] = calibrate(fusedCal, r.evidence[i]);
          z[i] = zOfRepeated(risk[i]);
        } else {
          z[i] = r.evidence[i];
          risk[i] = riskOfZ(z[i]);
        }
      }
      return { rows: n, ...r, risk, z };
    },
  };
}
