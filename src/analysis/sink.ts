/**
 * Stage 5 of the analysis pipeline: where results go. A Sink has a small lifecycle:
 *
 *   open(run) → batch(scored)* and alerts(list)* → finish(ctx) → commit()      (success)
 *                                                 ↘ abort(reason)              (failure, signal)
 *
 * A stop requested through PipelineOptions.signal (SIGINT/SIGTERM in the CLI) is honoured after the
 * current batch: every sink is aborted with 'interrupted'.
 *
 * `batch` sees every scored batch in input order; `alerts` sees the alerts in the order they are
 * raised (flow alerts batch by batch, then findings, then risky sources). `drained` is called once
 * the last batch is scored, before the rules finish: a sink whose output needs only the flows (the
 * risk chart) starts its slow work there, without awaiting it, so it overlaps the rest of the run
 * (analyze's latency, issue 8 #2); its `finish` then waits for it. `finish` is called in
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
  /** bytes of outputs made by earlier sinks, by output name (the report inlines 'riskChart') */
  readonly files: Map<string, Uint8Array>;
}

/** What is known once every batch is scored. */
export interface DrainedContext {
  /** a uniform sample of every flow's risk (for charts); complete, not changed afterwards */
  readonly riskSample: Reservoir;
  /** flows scored */
  readonly flows: number;
  /** flows at or above the flow risk threshold (the sample's own count is not the run's) */
  readonly riskyFlows: number;
}

export type AbortReason = 'failed' | 'interrupted';

export interface Sink {
  readonly name: string;
  open?(run: RunInfo): Promise<void>;
  batch?(s: ScoredFlows): Promise<void>;
  alerts?(list: readonly Alert[]): Promise<void>;
  /** every batch is scored: start work that needs only the flows; must not throw (report in finish) */
  drained?(ctx: DrainedContext): void;
  finish?(ctx: FinishContext): Promise<void>;
  commit?(result: AnalysisResult): Promise<void>;
  /** undo what was written; may return one short note for the user ("store run 12 marked interrupted") */
  abort?(reason: AbortReason, error?: unknown): Promise<void | string>;
}
