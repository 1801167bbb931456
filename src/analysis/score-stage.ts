/**
 * Stage 3 of the analysis pipeline: per-flow risk. The baseline's detectors (each calibrated on
 * held-out normal rows), the classifier's P(attack) when there is one, and the rule evidence about
 * each flow's source at that time are fused into one risk per flow (src/risk/flow-scorer.ts), with
 * reasons for the flows at or above the alert threshold. The result is columnar (ScoredFlows): the
 * aggregation and every sink read the same arrays, and nothing per row is built twice.
 */
import type { FlowTable } from '../flows/table.js';
import type { FlowFields } from '../flows/flow-fields.js';
import type { Baseline } from '../risk/baseline.js';
import { createFlowScorer, type ScoringWeights } from '../risk/flow-scorer.js';
import { rowReasonTexts } from '../risk/column-stats.js';
import { binaryTruthOrUndefined } from '../risk/labels.js';
import type { TrainedModel } from '../models/trained-model.js';

/** a detector's calibrated p at or above this counts as "fired" in reasons and per-source counts */
export const FIRED_P = 0.99;

/** One scored batch: the flows, their fields and every score, column by column. */
export interface ScoredFlows {
  readonly table: FlowTable;
  readonly fields: FlowFields;
  readonly rows: number;
  /** rows of the earlier batches (a row's line when the source has no origin) */
  readonly rowOffset: number;
  /** the batch's first file, when known */
  readonly where?: string;
  readonly detectors: readonly string[];
  /** per detector (in `detectors` order): raw score and calibrated p */
  readonly raw: readonly Float64Array[];
  readonly p: readonly Float64Array[];
  /** classifier outputs, when there is a classifier */
  readonly predictedClass?: readonly string[];
  readonly classProbability?: Float64Array;
  readonly pAttack?: Float64Array;
  /** per row: the class when it is an attack class (not the classifier's normal class) */
  readonly attackClass: readonly (string | undefined)[];
  readonly risk: Float64Array;
  /** Φ⁻¹(risk), what per-source aggregation adds up */
  readonly z: Float64Array;
  /** reasons, for rows at or above the flow threshold (undefined elsewhere) */
  readonly reasons: readonly (readonly string[] | undefined)[];
  /** 1 = attack, 0 = normal, when the input carries labels */
  readonly truth?: Uint8Array;
  readonly flowThreshold: number;
  srcIp(r: number): string | null;
  dstIp(r: number): string | null;
  /** epoch ms, NaN when unknown */
  time(r: number): number;
  file(r: number): string;
  line(r: number): number;
}

export interface ScoreStage {
  readonly detectors: readonly string[];
  /** `ruleP`: per row, the rules stage's evidence about the row's source */
  score(batch: FlowTable, fields: FlowFields, ruleP: Float64Array, rowOffset: number): ScoredFlows;
}

export interface ScoreStageOptions {
  readonly baseline: Baseline;
  readonly classifier?: TrainedModel;
  readonly weights?: ScoringWeights;
  readonly flowThreshold: number;
}

export function createScoreStage(o: ScoreStageOptions): ScoreStage {
  const scorer = createFlowScorer(o.baseline, o.classifier, o.weights);
  const detectors = scorer.detectors;
  const normalClass = o.classifier?.normalClass;
  return {
    detectors,
    score(batch, ff, ruleP, rowOffset) {
      const where = batch.origin?.files[0];
      const s = scorer.score(batch, where, ruleP);
      const raw = detectors.map((d) => s.raw.get(d)!);
      const p = detectors.map((d) => s.p.get(d)!);
      const n = batch.rowCount;
      const attackClass: (string | undefined)[] = new Array(n);
      const reasons: (string[] | undefined)[] = new Array(n);
      const explain = rowReasonTexts(o.baseline.columns, batch, 3);
      const unusualText = unusualReasons(detectors, p);
      for (let r = 0; r < n; r++) {
        const cls = s.predictedClass?.[r];
        const ac = cls !== undefined && normalClass !== undefined && cls !== normalClass ? cls : undefined;
        attackClass[r] = ac;
        if (s.risk[r] >= o.flowThreshold) {
          const out: string[] = [];
          const unusual = unusualText(r);
          if (unusual) out.push(unusual);
          if (ac) out.push(`classified as ${ac} (p ${s.classProbability![r].toFixed(3)})`);
          explain(r, out);
          reasons[r] = out;
        }
      }
      const ipAt = (f: FlowFields['srcIp'], r: number): string | null => {
        if (!f) return null;
        const c = f.codes[r];
        return c < 0 ? null : f.dictionary[c];
      };
      const origin = batch.origin;
      return {
        table: batch,
        fields: ff,
        rows: n,
        rowOffset,
        where,
        detectors,
        raw,
        p,
        predictedClass: s.predictedClass,
        classProbability: s.classProbability,
        pAttack: s.pAttack,
        attackClass,
        risk: s.risk,
        z: s.z,
        reasons,
        truth: binaryTruthOrUndefined(batch),
        flowThreshold: o.flowThreshold,
        srcIp: (r) => ipAt(ff.srcIp, r),
        dstIp: (r) => ipAt(ff.dstIp, r),
        time: (r) => (ff.time ? ff.time[r] : NaN),
        file: (r) => {
          const i = origin ? origin.file[r] : -1;
          return i >= 0 ? origin!.files[i] : (where ?? '');
        },
        line: (r) => (origin ? origin.line[r] : rowOffset + r + 1),
      };
    },
  };
}

/** most texts kept per detector and batch by unusualReasons */
const SHARES_KEPT = 4096;

/**
 * A calibrated p as the percentage of baseline flows below it: two decimals, but never "100.00"
 * for a p below 1 (0.99999 said "above 100.00 %", which no baseline flow can be): those keep four
 * decimals, cut rather than rounded (99.9990).
 */
export function percentOfBaseline(p: number): string {
  const pct = p * 100;
  if (p < 1 && pct >= 99.995) return (Math.floor(p * 1e6) / 1e4).toFixed(4);
  return pct.toFixed(2);
}

/**
 * Row r's "unusual for A (above x % of baseline), B (...)" ('' when no detector fired), each text
 * made once per batch: a detector's part by its p, the whole by the parts' numbers (risky flows of
 * a batch mostly share them, e.g. p = 1 for every detector), one string kept for all its flows.
 * A detector's share is read from the first column of its name (as indexOf found it).
 */
export function unusualReasons(detectors: readonly string[], p: readonly Float64Array[]): (r: number) => string {
  const m = detectors.length;
  const firstOf = detectors.map((d) => detectors.indexOf(d));
  const ids = detectors.map(() => new Map<number, number>());
  const parts: string[][] = detectors.map(() => []);
  const whole = new Map<number, string>();
  // the whole's key: Σ (part number + 1) · (SHARES_KEPT + 1)^j, exact up to 4 detectors
  const keyed = m <= 4;
  // the last share and part number per detector, and the last whole: risky flows come in runs with
  // the same numbers (p = 1 for every detector), and a Map lookup by a double costs ~50 ns
  const lastShare = new Float64Array(m).fill(NaN);
  const lastId = new Int32Array(m);
  let lastKey = 0;
  let lastText = '';
  return (r) => {
    let key = 0;
    let scale = 1;
    let text: string | undefined;
    for (let j = 0; j < m; j++, scale *= SHARES_KEPT + 1) {
      if (!(p[j][r] >= FIRED_P)) continue;
      const share = p[firstOf[j]][r];
      let id = share === lastShare[j] ? lastId[j] : ids[j].get(share);
      if (id !== undefined && id < SHARES_KEPT) {
        lastShare[j] = share;
        lastId[j] = id;
      }
      if (id === undefined) {
        id = parts[j].length;
        if (id < SHARES_KEPT) {
          parts[j].push(`${detectors[j]} (above ${percentOfBaseline(share)} % of baseline)`);
          ids[j].set(share, id);
        }
      }
      key += (id + 1) * scale;
      if (id >= SHARES_KEPT || !keyed) {
        // too many distinct shares: this row's text made in full
        text = '';
        for (let i = 0; i < m; i++) {
          if (p[i][r] >= FIRED_P) text += `${text ? ', ' : 'unusual for '}${detectors[i]} (above ${percentOfBaseline(p[firstOf[i]][r])} % of baseline)`;
        }
        return text;
      }
    }
    if (key === 0) return '';
    if (key === lastKey) return lastText;
    text = whole.get(key);
    if (text === undefined) {
      text = '';
      for (let j = 0, k = key; j < m; j++, k = Math.floor(k / (SHARES_KEPT + 1))) {
        const id = (k % (SHARES_KEPT + 1)) - 1;
        if (id >= 0) text += `${text ? ', ' : 'unusual for '}${parts[j][id]}`;
      }
      whole.set(key, text);
    }
    lastKey = key;
    lastText = text;
    return text;
  };
}
