/**
 * Stage 3 of the analysis pipeline: per-flow risk. The baseline's detectors (each calibrated on
 * held-out normal rows), the classifier's P(attack) when there is one, and the rule evidence about
 * each flow's source at that time are fused into one risk per flow (src/risk/flow-scorer.ts), with
 * reasons for the flows at or above the alert threshold. The result is columnar (ScoredFlows): the
 * aggregation and every sink read the same arrays, and nothing per row is built twice.
 */
import type { Column, FlowTable } from '../flows/table.js';
import type { FlowFields } from '../flows/flow-fields.js';
import type { Baseline } from '../risk/baseline.js';
import { baselineLacks, createFlowScorer, type ScoringWeights } from '../risk/flow-scorer.js';
import { RowExplainer } from '../risk/column-stats.js';
import { binaryTruthOrUndefined } from '../risk/labels.js';
import type { TrainedModel } from '../models/trained-model.js';
import { inputProblems, type InputProblems } from '../features/pipeline.js';

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
  /**
   * what `score` would refuse in the batch (the models' input columns it lacks, its rows with text
   * in a numeric input), found before anything is scored or shown to the rules
   */
  problems(batch: FlowTable): InputProblems;
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
  // rows with the same detector inputs have the same reasons when the explanations read inputs only
  // (and there is no classifier, whose inputs may be others): see sameReasons
  const inputNames = new Set(o.baseline.detectors[0]?.model.pipeline.inputs.map((inp) => inp.name) ?? []);
  const reusable = !o.classifier && o.baseline.columns.every((c) => inputNames.has(c.name));
  const pipelines = [...o.baseline.detectors.map((d) => d.model.pipeline), ...(o.classifier ? [o.classifier.pipeline] : [])];
  return {
    detectors,
    problems(batch) {
      const where = batch.origin?.files[0];
      const into: InputProblems = { needed: [], missing: [], rows: new Map() };
      for (const p of pipelines) inputProblems(p, batch, where, into);
      // the baseline's columns missing: said as the scorer says it (flows of another kind)
      if (into.missing.length) into.missingError = baselineLacks(o.baseline, batch, where) ?? into.missingError;
      if (into.missing.length) for (const p of pipelines) for (const inp of p.inputs) if (!into.needed.includes(inp.name)) into.needed.push(inp.name);
      return into;
    },
    score(batch, ff, ruleP, rowOffset) {
      const where = batch.origin?.files[0];
      const s = scorer.score(batch, where, ruleP);
      const raw = detectors.map((d) => s.raw.get(d)!);
      const p = detectors.map((d) => s.p.get(d)!);
      const n = batch.rowCount;
      const attackClass: (string | undefined)[] = new Array(n);
      const reasons: (string[] | undefined)[] = new Array(n);
      const explain = new RowExplainer(o.baseline.columns, batch, 3);
      const unusualText = new UnusualReasons(detectors, p);
      const same = reusable ? sameReasons(o.baseline.columns, batch, s.sameInputs) : undefined;
      for (let r = 0; r < n; r++) {
        const cls = s.predictedClass?.[r];
        const ac = cls !== undefined && normalClass !== undefined && cls !== normalClass ? cls : undefined;
        attackClass[r] = ac;
        if (s.risk[r] >= o.flowThreshold) {
          if (same) {
            const q = same.donor(r);
            if (q >= 0) {
              reasons[r] = reasons[q]!.slice();
              continue;
            }
          }
          const out: string[] = [];
          const unusual = unusualText.of(r);
          if (unusual) out.push(unusual);
          if (ac) out.push(`classified as ${ac} (p ${s.classProbability![r].toFixed(3)})`);
          explain.texts(r, out);
          reasons[r] = out;
          same?.made(r);
        }
      }
      // after the loop: a row copying another's reasons never takes this note from it
      if (ff.answering) answeringNotes(ff, n, reasons);
      return new ScoredBatch(batch, ff, n, rowOffset, where, detectors, raw, p, s, attackClass, reasons, binaryTruthOrUndefined(batch), o.flowThreshold);
    },
  };
}

/**
 * ScoredFlows as a class: its accessors are methods, not closures made per batch (closures made
 * anew get fresh feedback, so V8 optimised srcIp/time/ipAt again for every batch of a long-running
 * stream worker; methods share one optimised code for all batches).
 */
class ScoredBatch implements ScoredFlows {
  readonly predictedClass?: readonly string[];
  readonly classProbability?: Float64Array;
  readonly pAttack?: Float64Array;
  readonly risk: Float64Array;
  readonly z: Float64Array;
  constructor(
    readonly table: FlowTable,
    readonly fields: FlowFields,
    readonly rows: number,
    readonly rowOffset: number,
    readonly where: string | undefined,
    readonly detectors: readonly string[],
    readonly raw: readonly Float64Array[],
    readonly p: readonly Float64Array[],
    s: { readonly predictedClass?: readonly string[]; readonly classProbability?: Float64Array; readonly pAttack?: Float64Array; readonly risk: Float64Array; readonly z: Float64Array },
    readonly attackClass: readonly (string | undefined)[],
    readonly reasons: readonly (readonly string[] | undefined)[],
    readonly truth: Uint8Array | undefined,
    readonly flowThreshold: number,
  ) {
    this.predictedClass = s.predictedClass;
    this.classProbability = s.classProbability;
    this.pAttack = s.pAttack;
    this.risk = s.risk;
    this.z = s.z;
  }
  srcIp(r: number): string | null {
    return ipAt(this.fields.srcIp, r);
  }
  dstIp(r: number): string | null {
    return ipAt(this.fields.dstIp, r);
  }
  time(r: number): number {
    const t = this.fields.time;
    return t ? t[r] : NaN;
  }
  file(r: number): string {
    const origin = this.table.origin;
    const i = origin ? origin.file[r] : -1;
    return i >= 0 ? origin!.files[i] : (this.where ?? '');
  }
  line(r: number): number {
    const origin = this.table.origin;
    return origin ? origin.line[r] : this.rowOffset + r + 1;
  }
}

/** Why a risky flow of ICMP errors is not its sender's risk (flow-fields.ts deriveAnswering). */
function answeringNotes(ff: FlowFields, n: number, reasons: (string[] | undefined)[]): void {
  const answering = ff.answering!;
  for (let r = 0; r < n; r++) {
    const list = reasons[r];
    if (!list || answering[r] === 0) continue;
    const src = ipAt(ff.srcIp, r) ?? 'its sender';
    const dst = ipAt(ff.dstIp, r);
    list.push(`ICMP errors answering packets${dst ? ` from ${dst}` : ''}: not counted as ${src}'s own activity (source risk, rules)`);
  }
}

/**
 * Which earlier risky row of a batch already has row r's reasons: one with the same detector
 * inputs, bit for bit (the row-score cache's sameInputs), so the same p's and unusual values (the
 * 1M-packet replay capture: 190,418 risky flows, most of them repeats). A categorical input is keyed
 * by its category in the pipelines' list, where every unseen category is one (−1), but its reason
 * names the value: rows whose categorical cells differ are not the same here. Undefined when the
 * batch's rows cannot be matched so (no sameInputs, an explained column name twice in the batch).
 */
function sameReasons(columns: Baseline['columns'], batch: FlowTable, sameInputs: Int32Array | undefined): SameReasons | undefined {
  if (!sameInputs) return undefined;
  // each name's column, or null when the batch has the name twice
  const named = new Map<string, Column | null>();
  for (const c of batch.columns) named.set(c.name, named.has(c.name) ? null : c);
  const codes: Int32Array[] = [];
  for (const st of columns) {
    const c = named.get(st.name);
    if (c === null) return undefined;
    if (c?.kind === 'categorical') codes.push(c.codes);
  }
  return new SameReasons(sameInputs, codes);
}

class SameReasons {
  /** per first row of a key, the first risky row of that key whose reasons were made (−1 none) */
  private readonly maker: Int32Array;
  constructor(
    private readonly first: Int32Array,
    private readonly codes: readonly Int32Array[],
  ) {
    this.maker = new Int32Array(first.length).fill(-1);
  }
  /** an earlier row whose reasons are row r's, or −1 */
  donor(r: number): number {
    const q = this.maker[this.first[r]];
    if (q < 0) return -1;
    for (const c of this.codes) if (c[q] !== c[r]) return -1;
    return q;
  }
  /** row r's reasons were made */
  made(r: number): void {
    const k = this.first[r];
    if (this.maker[k] < 0) this.maker[k] = r;
  }
}

function ipAt(f: FlowFields['srcIp'], r: number): string | null {
  if (!f) return null;
  const c = f.codes[r];
  return c < 0 ? null : f.dictionary[c];
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
  const u = new UnusualReasons(detectors, p);
  return (r) => u.of(r);
}

/** unusualReasons' state for one batch; a class so that its method is optimised once for all batches (see ScoredBatch). */
export class UnusualReasons {
  private readonly m: number;
  private readonly firstOf: number[];
  private readonly ids: Map<number, number>[];
  private readonly parts: string[][];
  private readonly whole = new Map<number, string>();
  /** the whole's key: Σ (part number + 1) · (SHARES_KEPT + 1)^j, exact up to 4 detectors */
  private readonly keyed: boolean;
  // the last share and part number per detector, and the last whole: risky flows come in runs with
  // the same numbers (p = 1 for every detector), and a Map lookup by a double costs ~50 ns
  private readonly lastShare: Float64Array;
  private readonly lastId: Int32Array;
  private lastKey = 0;
  private lastText = '';

  constructor(
    private readonly detectors: readonly string[],
    private readonly p: readonly Float64Array[],
  ) {
    const m = (this.m = detectors.length);
    this.firstOf = detectors.map((d) => detectors.indexOf(d));
    this.ids = detectors.map(() => new Map<number, number>());
    this.parts = detectors.map(() => []);
    this.keyed = m <= 4;
    this.lastShare = new Float64Array(m).fill(NaN);
    this.lastId = new Int32Array(m);
  }

  /** Row r's text ('' when no detector fired). */
  of(r: number): string {
    const { m, p, firstOf, ids, parts, detectors, lastShare, lastId } = this;
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
      if (id >= SHARES_KEPT || !this.keyed) {
        // too many distinct shares: this row's text made in full
        text = '';
        for (let i = 0; i < m; i++) {
          if (p[i][r] >= FIRED_P) text += `${text ? ', ' : 'unusual for '}${detectors[i]} (above ${percentOfBaseline(p[firstOf[i]][r])} % of baseline)`;
        }
        return text;
      }
    }
    if (key === 0) return '';
    if (key === this.lastKey) return this.lastText;
    text = this.whole.get(key);
    if (text === undefined) {
      text = '';
      for (let j = 0, k = key; j < m; j++, k = Math.floor(k / (SHARES_KEPT + 1))) {
        const id = (k % (SHARES_KEPT + 1)) - 1;
        if (id >= 0) text += `${text ? ', ' : 'unusual for '}${parts[j][id]}`;
      }
      this.whole.set(key, text);
    }
    this.lastKey = key;
    this.lastText = text;
    return text;
  }
}
