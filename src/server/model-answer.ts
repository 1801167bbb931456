/**
 * What a model says about rows already encoded: the class, its probability and seed 004's
 * "Not recognized" rule (top probability below server.classify.minConfidence), the anomaly score,
 * and the score histogram of /metrics. Shared by /classify and the batch endpoints.
 *
 * Gradient-boosted models are scored by boosted-scorer.ts's layout (compiled once per loaded
 * model, the same probabilities as the generic predictor); every other model goes through
 * predictMatrix. /classify's one row is scored into buffers kept per model, so a request
 * allocates nothing here.
 */
import { matrix } from '../features/matrix.js';
import { predictMatrix, type Prediction } from '../models/trained-model.js';
import type { BoostState } from '../models/trees/gbdt.js';
import { compileBoost, type CompiledBoost } from './boosted-scorer.js';
import type { LoadedModel } from './model-registry.js';
import type { ServiceMetrics } from './metrics.js';
import type { CounterSeries, HistogramSeries } from './fast-metrics.js';
import { NOT_RECOGNIZED } from './seed-fields.js';

interface Served {
  readonly boost: CompiledBoost | undefined;
  /** index of the normal class, -1 when unknown */
  readonly normal: number;
  /** one-row scratch */
  readonly proba1: Float64Array;
  readonly scores1: Float64Array;
  /**
   * A batch's raw scores (rows x outputs), scratch predictProba writes and the probabilities are
   * made from, never handed out: kept per model and grown to the largest batch instead of
   * allocated per batch (a batch is scored synchronously, start to end)
   */
  scoresN: Float64Array;
  /** a batch's answers (see predictRows), kept and grown the same way */
  probaN: Float64Array;
  predictedN: Int32Array;
  scoreN: Float64Array;
  /** seed 004's answers, one object per class (and "Not recognized"), built once */
  readonly answers: readonly { readonly 'Attack Type': string }[];
  readonly notRecognized: { readonly 'Attack Type': string };
}

const served = new WeakMap<LoadedModel, Served>();

function servedOf(m: LoadedModel): Served {
  let s = served.get(m);
  if (!s) {
    const boost = m.model.estimator.name === 'gradient-boosting' ? compileBoost(m.model.estimator.state as BoostState) : undefined;
    const classes = m.model.classes ?? [];
    s = {
      boost: boost && boost.width === m.encoder.width && boost.classes === classes.length ? boost : undefined,
      normal: m.model.normalClass ? classes.indexOf(m.model.normalClass) : -1,
      proba1: new Float64Array(Math.max(1, classes.length)),
      scores1: new Float64Array(Math.max(1, classes.length)),
      scoresN: new Float64Array(0),
      probaN: new Float64Array(0),
      predictedN: new Int32Array(0),
      scoreN: new Float64Array(0),
      answers: classes.map((c) => Object.freeze({ 'Attack Type': c })),
      notRecognized: Object.freeze({ 'Attack Type': NOT_RECOGNIZED }),
    };
    served.set(m, s);
  }
  return s;
}

/**
 * The class probabilities, predicted class and anomaly score of `rows` encoded rows. For a
 * gradient-boosted model the arrays are the model's own, reused by its next predictRows call (a
 * batch is scored and its answers written, synchronously, before the next is scored): read them
 * before scoring again, or copy them.
 */
export function predictRows(m: LoadedModel, data: Float64Array, rows: number): Prediction {
  const s = servedOf(m);
  if (!s.boost) return predictMatrix(m.model, matrix(rows, m.encoder.width, data));
  const k = s.boost.classes;
  const need = rows * s.boost.outputs;
  if (s.scoresN.length < need) s.scoresN = new Float64Array(need);
  if (s.probaN.length < rows * k) s.probaN = new Float64Array(rows * k);
  if (s.predictedN.length < rows) {
    s.predictedN = new Int32Array(rows);
    s.scoreN = new Float64Array(rows);
  }
  const proba = s.probaN.length === rows * k ? s.probaN : s.probaN.subarray(0, rows * k);
  s.boost.predictProba(data, rows, proba, s.scoresN);
  const predicted = s.predictedN.length === rows ? s.predictedN : s.predictedN.subarray(0, rows);
  for (let r = 0; r < rows; r++) {
    const b = r * k;
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[b + c] > proba[b + best]) best = c;
    predicted[r] = best;
  }
  let score: Float64Array | undefined;
  if (s.normal >= 0) {
    score = s.scoreN.length === rows ? s.scoreN : s.scoreN.subarray(0, rows);
    for (let r = 0; r < rows; r++) score[r] = 1 - proba[r * k + s.normal];
  }
  return { rows, proba, predicted, score };
}

/** seed 004's answer for row r */
export function attackType(m: LoadedModel, p: Prediction, r: number, minConfidence: number): string {
  const k = m.model.classes!.length;
  const c = p.predicted![r];
  return p.proba![r * k + c] < minConfidence ? NOT_RECOGNIZED : m.model.classes![c];
}

interface ScoreSeries {
  readonly metrics: ServiceMetrics;
  readonly histogram: HistogramSeries;
  readonly flows: CounterSeries;
}
const seriesOf = new WeakMap<LoadedModel, ScoreSeries>();

function scoreSeries(metrics: ServiceMetrics, m: LoadedModel): ScoreSeries {
  let s = seriesOf.get(m);
  if (!s || s.metrics !== metrics) {
    s = { metrics, histogram: metrics.modelScore.labels(m.name, m.model.kind), flows: metrics.flowsScored.labels(m.name) };
    seriesOf.set(m, s);
  }
  return s;
}

/**
 * /classify: seed 004's answer for one encoded row (the same object for the same answer, never
 * built per request), with the model score recorded in /metrics.
 */
export function classifyOne(metrics: ServiceMetrics, m: LoadedModel, row: Float64Array, minConfidence: number): { readonly 'Attack Type': string } {
  const s = servedOf(m);
  let best = 0;
  let p: number;
  let score: number;
  if (s.boost) {
    const proba = s.proba1;
    s.boost.predictProba(row, 1, proba, s.scores1);
    for (let c = 1; c < proba.length; c++) if (proba[c] > proba[best]) best = c;
    p = proba[best];
    score = s.normal >= 0 ? 1 - proba[s.normal] : p;
  } else {
    const pr = predictRows(m, row, 1);
    best = pr.predicted![0];
    p = pr.proba![best];
    score = pr.score ? pr.score[0] : p;
  }
  const series = scoreSeries(metrics, m);
  series.histogram.observe(score);
  series.flows.inc();
  return p < minConfidence ? s.notRecognized : s.answers[best];
}

/** the score /metrics histograms: anomaly score when there is one, else the top probability */
export function observeScores(metrics: ServiceMetrics, m: LoadedModel, p: Prediction): void {
  const series = scoreSeries(metrics, m);
  const h = series.histogram;
  if (p.score) for (let r = 0; r < p.rows; r++) h.observe(p.score[r]);
  else if (p.proba && p.predicted) {
    const k = m.model.classes!.length;
    for (let r = 0; r < p.rows; r++) h.observe(p.proba[r * k + p.predicted[r]]);
  }
  series.flows.inc(p.rows);
}
