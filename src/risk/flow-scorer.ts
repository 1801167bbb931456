/**
 * Scores one batch of flows against a baseline (and optionally a classifier): each detector's raw
 * score, its calibrated p (share of baseline flows scoring lower), and the fused risk by the
 * weighted-Stouffer rule of fusion.ts. Pure: no I/O, no state between batches.
 */
import type { FlowTable } from '../flows/table.js';
import type { Baseline } from './baseline.js';
import { calibrate } from './calibration.js';
import { predictTable, type TrainedModel } from '../models/trained-model.js';
import { riskOfZ, zOf } from './fusion.js';

export interface ScoredBatch {
  readonly rows: number;
  /** detector name → raw score per row */
  readonly raw: ReadonlyMap<string, Float64Array>;
  /** detector name → calibrated p per row */
  readonly p: ReadonlyMap<string, Float64Array>;
  /** classifier: predicted class and P(attack) per row */
  readonly predictedClass?: readonly string[];
  readonly classProbability?: Float64Array;
  readonly pAttack?: Float64Array;
  /** fused z and risk per row */
  readonly z: Float64Array;
  readonly risk: Float64Array;
}

export interface ScoringWeights {
  /** per detector name; missing = the baseline's weight */
  readonly detectors?: Readonly<Record<string, number>>;
  readonly classifier?: number;
}

export function scoreBatch(baseline: Baseline, classifier: TrainedModel | undefined, batch: FlowTable, weights: ScoringWeights = {}, where?: string): ScoredBatch {
  const n = batch.rowCount;
  const raw = new Map<string, Float64Array>();
  const pmap = new Map<string, Float64Array>();
  const num = new Float64Array(n);
  let den = 0;
  for (const d of baseline.detectors) {
    const name = d.model.estimator.name;
    const w = weights.detectors?.[name] ?? d.weight;
    const s = predictTable(d.model, batch, where).score!;
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      p[i] = calibrate(d.calibration, s[i]);
      if (w) num[i] += w * zOf(p[i]);
    }
    den += w * w;
    raw.set(name, s);
    pmap.set(name, p);
  }
  let predictedClass: string[] | undefined;
  let classProbability: Float64Array | undefined;
  let pAttack: Float64Array | undefined;
  if (classifier) {
    const pr = predictTable(classifier, batch, where);
    const k = classifier.classes!.length;
    predictedClass = Array.from(pr.predicted!, (c) => classifier.classes![c]);
    classProbability = Float64Array.from(pr.predicted!, (c, r) => pr.proba![r * k + c]);
    if (pr.score) {
      pAttack = pr.score;
      const w = weights.classifier ?? 1;
      for (let i = 0; i < n; i++) num[i] += w * zOf(pAttack[i]);
      den += w * w;
    }
  }
  const z = new Float64Array(n);
  const risk = new Float64Array(n);
  const sd = den > 0 ? Math.sqrt(den) : 1;
  for (let i = 0; i < n; i++) {
    z[i] = num[i] / sd;
    risk[i] = riskOfZ(z[i]);
  }
  return { rows: n, raw, p: pmap, predictedClass, classProbability, pAttack, z, risk };
}
