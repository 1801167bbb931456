/**
 * Stage 5 of the analysis pipeline: where results go. A Sink has a small lifecycle:
 *
 *   open(run) → batch(scored)* and alerts(list)* → finish(ctx) → commit()      (success)
 *                                                 ↘ abort(reason)              (failure, signal)
 *
 * `batch` sees every scored batch in input order; `alerts` sees the alerts in the order they are
 * raised (flow alerts batch by batch, then findings, then risky sources). `finish` is called in
 * the order the sinks were given, with the whole result (earlier sinks may have added outputs or
 * store counts to it); it leaves its output complete but not yet in place. `commit` puts every
 * output in place (renames) only after every sink finished, so a run leaves all its outputs or
 * none; `abort` removes what the sink wrote. Today's sinks: the files of analyze (flows_scored.csv,
 * alerts.jsonl, risky_ips.csv/.txt, risk_scores.png, report.html, summary.json) and the store.
 *
 * To add a sink (notifications, an HTTP response, NATS): implement the methods you need and pass
 * it in AnalysisOptions.sinks (after the built-in ones).
 */
import type { AnalysisResult } from '../report/analysis-result.js';
import type { Reservoir } from './reservoir.js';
import type { ScoredFlows } from './score-stage.js';
import type { Alert } from './alerts.js';

/** What every sink knows from the start. */
export interface RunInfo {
  readonly outDir: string;
  readonly startedAt: Date;
  /** time of alerts about flows without a time */
  readonly now: number;
  readonly inputs: readonly string[];
  readonly detectors: readonly string[];
  readonly hasClassifier: boolean;
  readonly thresholds: { readonly flow: number; readonly ip: number; readonly verdict: number };
}

export interface FinishContext {
  /** the result so far; `outputs` and `alerts` grow as sinks finish */
  readonly result: AnalysisResult;
  /** a uniform sample of every flow's risk (for charts) */
  readonly riskSample: Reservoir;
  /** record an output file (name → path), in order */
  addOutput(name: string, path: string): void;
  /** the store sink's counts */
  setStored(stored: number, duplicates: number, where: string): void;
}

export type AbortReason = 'failed' | 'interrupted';

export interface Sink {
  readonly name: string;
  open?(run: RunInfo): Promise<void>;
  batch?(s: ScoredFlows): Promise<void>;
  alerts?(list: readonly Alert[]): Promise<void>;
  finish?(ctx: FinishContext): Promise<void>;
  commit?(result: AnalysisResult): Promise<void>;
  abort?(reason: AbortReason, error?: unknown): Promise<void>;
}
