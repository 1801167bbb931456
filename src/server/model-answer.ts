/**
 * What a model says about rows already encoded: the class, its probability and seed 004's
 * "Not recognized" rule (top probability below server.classify.minConfidence), the anomaly score,
 * and the score histogram of /metrics. Shared by /classify and the batch endpoints.
 */
import { matrix } from '../features/matrix.js';
import { predictMatrix, type Prediction } from '../models/trained-model.js';
import type { LoadedModel } from './model-registry.js';
import type { ServiceMetrics } from './metrics.js';
import { NOT_RECOGNIZED } from './seed-fields.js';

export function predictRows(m: LoadedModel, data: Float64Array, rows: number): Prediction {
  return predictMatrix(m.model, matrix(rows, m.encoder.width, data));
}

/** seed 004's answer for row r */
export function attackType(m: LoadedModel, p: Prediction, r: number, minConfidence: number): string {
  const k = m.model.classes!.length;
  const c = p.predicted![r];
  return p.proba![r * k + c] < minConfidence ? NOT_RECOGNIZED : m.model.classes![c];
}

/** the score /metrics histograms: anomaly score when there is one, else the top probability */
export function observeScores(metrics: ServiceMetrics, m: LoadedModel, p: Prediction): void {
  const h = metrics.modelScore.labels(m.name, m.model.kind);
  if (p.score) for (let r = 0; r < p.rows; r++) h.observe(p.score[r]);
  else if (p.proba && p.predicted) {
    const k = m.model.classes!.length;
    for (let r = 0; r < p.rows; r++) h.observe(p.proba[r * k + p.predicted[r]]);
  }
  metrics.flowsScored.inc({ model: m.name }, p.rows);
}
