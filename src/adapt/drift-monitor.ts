/**
 * Drift detection over a stream of flow batches: flows are gathered into windows of a fixed number
 * of flows; each full window's features (and the anomaly score, as one more series) are compared
 * with the baseline's reference sample by population stability index (psi.ts). A window drifts
 * when at least `minFeatures` features reach `threshold` — one feature over the line is what
 * sampling noise gives now and then on small windows; several at once is the traffic changing.
 *
 * The conventional PSI reading (below 0.1 stable, 0.1–0.25 moving, above 0.25 shifted) sets the
 * default threshold. Windows are counted in flows, not time, so the same input gives the same
 * windows whether it is replayed fast or arrives live.
 */
import { plural } from '../util/plural.js';
import { concatTables, takeTableRows, type FlowTable } from '../flows/table.js';
import { flowFields } from '../flows/flow-fields.js';
import { createScoreStage } from '../analysis/score-stage.js';
import type { Baseline } from '../risk/baseline.js';
import { UserError } from '../util/errors.js';
import { driftReference, windowPsi, type DriftReference, type FeaturePsi } from './psi.js';

export interface DriftSettings {
  /** flows per window */
  readonly window: number;
  /** PSI in excess of its sampling noise (FeaturePsi.noise) at or above which a feature counts as moved */
  readonly threshold: number;
  /** features that must move in one window for it to be reported as drift */
  readonly minFeatures: number;
}

export { DEFAULT_DRIFT } from './adapt-option-table.js';

/** the name the anomaly score goes by among the features */
export const SCORE_SERIES = '(anomaly score)';

export interface DriftWindow {
  /** 0-based window number */
  readonly index: number;
  /** flows before the window, and in it */
  readonly firstFlow: number;
  readonly flows: number;
  readonly drifted: boolean;
  /** features at or above the threshold */
  readonly moved: number;
  /** every feature, largest PSI first */
  readonly features: readonly FeaturePsi[];
  /** reference features the window's flows lack */
  readonly missing: readonly string[];
}

/** the fewest flows a drift window may have (PSI over deciles of fewer is noise) */
export const MIN_WINDOW_FLOWS = 50;

export function checkDriftSettings(s: DriftSettings, who: string): DriftSettings {
  if (!(Number.isInteger(s.window) && s.window >= MIN_WINDOW_FLOWS)) throw new UserError(`${who}: the drift window must be a whole number of at least ${MIN_WINDOW_FLOWS} flows, got ${s.window}`);
  if (!(s.threshold > 0)) throw new UserError(`${who}: the drift threshold must be a PSI above 0, got ${s.threshold}`);
  if (!(Number.isInteger(s.minFeatures) && s.minFeatures >= 1)) throw new UserError(`${who}: the drift feature count must be at least 1, got ${s.minFeatures}`);
  return s;
}

/** fewest reference rows drift is measured against (deciles of fewer are noise) */
const MIN_REFERENCE_ROWS = 20;

/**
 * The reference of a baseline: its held-out normal rows, with their anomaly score as scored by the
 * same baseline (so the score series compares like with like).
 */
export function baselineDriftReference(b: Baseline, who: string): DriftReference {
  const ref = b.reference;
  if (!ref) throw new UserError(`${who}: the baseline holds no reference sample (made by an older netsentinel?); refit it with 'netsentinel baseline'`);
  // a baseline fitted on a hundred flows holds a reference of fewer than 20: not "an older netsentinel"
  if (ref.rowCount < MIN_REFERENCE_ROWS) {
    throw new UserError(
      `${who}: the baseline's reference sample has ${ref.rowCount} ${plural(ref.rowCount, 'row')}, too few to measure drift against (at least ${MIN_REFERENCE_ROWS}); refit it with 'netsentinel baseline' on more known-normal flows (it holds out about a fifth of them)`,
    );
  }
  return driftReference(ref, { [SCORE_SERIES]: anomalyScores(b, ref) });
}

/** the fused risk of each flow from the baseline's detectors alone (no rules, no classifier) */
export function anomalyScores(b: Baseline, t: FlowTable): Float64Array {
  const stage = createScoreStage({ baseline: b, flowThreshold: 0.99 });
  return stage.score(t, flowFields(t), new Float64Array(t.rowCount), 0).risk;
}

export class DriftMonitor {
  private pending: FlowTable[] = [];
  private pendingScores: Float64Array[] = [];
  private pendingRows = 0;
  private seen = 0;
  private windows = 0;

  constructor(
    private reference: DriftReference,
    readonly settings: DriftSettings,
  ) {}

  /** flows pushed so far (judged or waiting in the open window) */
  flowsSeen(): number {
    return this.seen + this.pendingRows;
  }

  /** a new reference (after a retrained baseline is swapped in); windows in progress start over */
  reset(reference: DriftReference): void {
    this.reference = reference;
    this.seen += this.pendingRows;
    this.pending = [];
    this.pendingScores = [];
    this.pendingRows = 0;
  }

  /** add a batch and its anomaly scores; returns the windows it completed */
  push(batch: FlowTable, scores: Float64Array): DriftWindow[] {
    const done: DriftWindow[] = [];
    let from = 0;
    while (from < batch.rowCount) {
      const take = Math.min(batch.rowCount - from, this.settings.window - this.pendingRows);
      const part = from === 0 && take === batch.rowCount ? batch : takeTableRows(batch, Int32Array.from({ length: take }, (_, i) => from + i));
      this.pending.push(part);
      this.pendingScores.push(scores.subarray(from, from + take));
      this.pendingRows += take;
      from += take;
      if (this.pendingRows === this.settings.window) done.push(this.close());
    }
    return done;
  }

  private close(): DriftWindow {
    const table = concatTables(this.pending);
    const scores = new Float64Array(this.pendingRows);
    let off = 0;
    for (const s of this.pendingScores) {
      scores.set(s, off);
      off += s.length;
    }
    const r = windowPsi(this.reference, table, { [SCORE_SERIES]: scores });
    const moved = r.features.filter((f) => hasMoved(f, this.settings.threshold)).length;
    const w: DriftWindow = { index: this.windows++, firstFlow: this.seen, flows: this.pendingRows, drifted: moved >= this.settings.minFeatures, moved, features: r.features, missing: r.missing };
    this.seen += this.pendingRows;
    this.pending = [];
    this.pendingScores = [];
    this.pendingRows = 0;
    return w;
  }
}

/** a feature moved: its PSI beyond what sampling gives reaches the threshold */
export function hasMoved(f: FeaturePsi, threshold: number): boolean {
  return f.psi - f.noise >= threshold;
}

/** "Flow IAT Mean 0.61, Dst Port 0.44, …": the features that moved most */
export function movedText(w: DriftWindow, threshold: number, top = 5): string {
  return w.features
    .filter((f) => hasMoved(f, threshold))
    .slice(0, top)
    .map((f) => `${f.feature} ${f.psi.toFixed(2)}`)
    .join(', ');
}
