/**
 * The analysis pipeline, composed from its stages:
 *
 *   FlowSource ─► rules stage ─► score stage ─► per-source aggregation ─► sinks
 *   (batches)     (rule p per     (risk per      (+ findings, evidence     (files, report,
 *                  flow's source)  flow)          providers → source risk)   store, ...)
 *
 * runPipeline only moves batches between stages and keeps the order of events every sink relies
 * on (see sink.ts); what each stage does lives in its own file. `analyze` composes it in
 * run-analysis.ts; other callers (captures, the service, a streaming worker) compose it with
 * their own source and sinks instead of copying it.
 */
import { flowFields, type FlowFields } from '../flows/flow-fields.js';
import { sumCellCounts, type CellCounts, type FlowTable } from '../flows/table.js';
import { compareFindings, type Finding } from '../detect/finding.js';
import type { AnalysisResult } from '../report/analysis-result.js';
import type { FlowSource } from './flow-source.js';
import type { RulesStage } from './rules-stage.js';
import type { RuledBatch } from './rule-chunks.js';
import type { ScoreStage, ScoredFlows } from './score-stage.js';
import type { EvidenceProvider, SourceEvidence } from './evidence.js';
import type { FinishContext, RunInfo, Sink } from './sink.js';
import type { AnalysisProgress } from './progress.js';
import { createSourceAggregation } from './source-aggregation.js';
import { FlowTotals } from './flow-totals.js';
import { UserError } from '../util/errors.js';
import { Timings } from './timings.js';
import { findingAlerts, flowAlert, sourceAlert, type Alert } from './alerts.js';
import { FlowAlertGate, type FlowAlertLimitSettings } from './flow-alert-limit.js';
import { thousands } from '../util/thousands.js';
import { resultReaderNotes } from './reader-notes.js';

/** What the result says about how risk was made (the stages know it; the pipeline passes it on). */
export type ResultHeader = Pick<AnalysisResult, 'mode' | 'modeNote' | 'baseline' | 'classifier'>;

export interface PipelineOptions {
  readonly source: FlowSource;
  readonly rules: RulesStage;
  readonly score: ScoreStage;
  readonly evidence?: readonly EvidenceProvider[];
  /** in order: finish is called in this order (later sinks see earlier sinks' outputs) */
  readonly sinks: readonly Sink[];
  readonly header: ResultHeader;
  readonly outDir: string;
  readonly thresholds: RunInfo['thresholds'];
  /** weight of a finding in its source's risk */
  readonly ruleWeight: number;
  /** most flow alerts raised (the first in input order; 0 = no cap); findings and risky sources are never capped */
  readonly maxFlowAlerts: number;
  /**
   * at most `perSource` flow alerts per source per window of flow time, before the cap
   * (flow-alert-limit.ts says exactly which); absent or perSource 0: no per-source limit (a
   * streaming worker, whose restart must give the same alerts, runs without one)
   */
  readonly flowAlertLimit?: FlowAlertLimitSettings;
  readonly seed: number;
  readonly hasClassifier: boolean;
  readonly startedAt?: Date;
  readonly progress?: AnalysisProgress;
  /** a stop request (SIGINT/SIGTERM): honoured after the current batch; its reason names the signal */
  readonly signal?: AbortSignal;
  /** where the time goes, by stage and sink */
  readonly timings?: Timings;
}

/** The run stopped on request: every sink aborted; exit 130 (SIGINT) or 143 (SIGTERM). */
export class AnalysisInterrupted extends UserError {
  constructor(
    readonly signalName: string,
    readonly flows: number,
    message: string,
  ) {
    super(message, signalName === 'SIGTERM' ? 143 : signalName === 'SIGINT' ? 130 : 1);
  }
}

export async function runPipeline(o: PipelineOptions): Promise<AnalysisResult> {
  const startedAt = o.startedAt ?? new Date();
  const t0 = performance.now() - (Date.now() - startedAt.getTime());
  const now = Date.now();
  const info: RunInfo = {
    outDir: o.outDir,
    startedAt,
    now,
    inputs: o.source.inputs,
    detectors: o.score.detectors,
    hasClassifier: o.hasClassifier,
    thresholds: o.thresholds,
  };
  const opened: Sink[] = [];
  const tm = o.timings ?? new Timings();
  const each = async (phase: string, fn: (s: Sink) => Promise<unknown> | undefined): Promise<void> => {
    for (const s of o.sinks) {
      const t = performance.now();
      await fn(s);
      tm.add(`${phase}: ${s.name}`, performance.now() - t);
    }
  };
  if (o.signal?.aborted) throw new AnalysisInterrupted(String(o.signal.reason), 0, `interrupted by ${String(o.signal.reason)} before analysis started; no output written`);
  try {
    for (const s of o.sinks) {
      opened.push(s);
      const t = performance.now();
      await s.open?.(info);
      tm.add(`write: ${s.name}`, performance.now() - t);
    }
    const evidence = o.evidence ?? [];
    const aggregation = createSourceAggregation();
    const totals = new FlowTotals(o.thresholds.verdict, o.seed);
    let alertsWritten = 0;
    const send = async (alerts: readonly Alert[]): Promise<void> => {
      alertsWritten += alerts.length;
      if (alerts.length) await each('write', (s) => s.alerts?.(alerts));
    };
    // which risky flows get an alert: the per-source limit, then the cap
    const gate = new FlowAlertGate(o.flowAlertLimit, o.maxFlowAlerts);
    let rowOffset = 0;
    o.progress?.start('analysing', undefined, 'bytes');
    const batches = o.source.batches()[Symbol.asyncIterator]();
    /** a batch whose rows' rule evidence is decided: the rest of the stages */
    const judge = async (batch: FlowTable, ff: FlowFields, ruleP: Float64Array): Promise<void> => {
      for (const e of evidence) await tm.time(`evidence: ${e.name}`, async () => e.observe?.(batch, ff));
      const scored = tm.timeSync('score', () => o.score.score(batch, ff, ruleP, rowOffset));
      tm.timeSync('aggregate', () => {
        aggregation.add(scored);
        totals.add(scored);
      });
      await each('write', (s) => s.batch?.(scored));
      const t = performance.now();
      const alerts = flowAlerts(scored, o.thresholds.flow, gate, now);
      tm.add('alerts', performance.now() - t);
      await send(alerts);
      rowOffset += batch.rowCount;
    };
    /** batches the rules have decided, in order; a stop request ends the run after the one being judged */
    const judgeAll = async (ready: readonly RuledBatch[]): Promise<void> => {
      for (const d of ready) {
        await judge(d.batch, d.ff, d.ruleP);
        if (o.signal?.aborted) return;
      }
    };
    // the readers' counts of imputed cells, for the verb's warnings (analyze said none before)
    let cellCounts: CellCounts[] | undefined;
    let inputFormat: string | undefined;
    for (;;) {
      let t = performance.now();
      const next = await batches.next();
      tm.add('read', performance.now() - t);
      if (next.done) break;
      const batch = next.value;
      if (batch.cellCounts) cellCounts = sumCellCounts([cellCounts, batch.cellCounts]);
      inputFormat ??= batch.format;
      t = performance.now();
      const ff = flowFields(batch);
      tm.add('flow fields', performance.now() - t);
      // rules first, so a flow's risk can include what its source was doing at the time; a stage
      // that decides in chunks of the flow stream (rules-stage.ts) hands batches back when decided
      const rules = o.rules;
      if (rules.push) await judgeAll(tm.timeSync('rules', () => rules.push!(batch, ff)));
      else await judge(batch, ff, tm.timeSync('rules', () => rules.observe(batch, ff)));
      if (o.signal?.aborted) break;
    }
    // the batches still waiting for their chunk: the input ended, or a stop request (then at least
    // the first is judged, so a run stopped early still stops after a whole batch)
    if (o.rules.flush) await judgeAll(tm.timeSync('rules', () => o.rules.flush!()));
    if (o.signal?.aborted) throw new AnalysisInterrupted(String(o.signal.reason ?? 'a stop request'), rowOffset, '');
    o.progress?.done(`analysed ${thousands(rowOffset)} flows`);
    for (const s of o.sinks) {
      if (!s.drained) continue;
      const t = performance.now();
      s.drained({ riskSample: totals.sample, flows: totals.flows, riskyFlows: totals.riskyFlows });
      tm.add(`write: ${s.name}`, performance.now() - t);
    }

    let t = performance.now();
    const ruleResult = o.rules.finish();
    tm.add('rules', performance.now() - t);
    t = performance.now();
    let findings: Finding[] = ruleResult.findings;
    const extra = new Map<string, SourceEvidence[]>();
    if (evidence.length) {
      const sources = aggregation.sources();
      for (const e of evidence) {
        const r = await e.finish(sources);
        if (r.findings?.length) findings = [...findings, ...r.findings];
        for (const [ip, list] of r.bySource ?? []) extra.set(ip, [...(extra.get(ip) ?? []), ...list]);
      }
      findings.sort(compareFindings);
    }
    const fAlerts = findingAlerts(findings, now);
    // only the risky sources' rows are made (and the count of all): the rest are never reported
    const { rows: riskyRows, sources } = aggregation.riskyRows(findings, extra, o.ruleWeight, o.thresholds.ip);
    let risky = riskyRows;
    // with a per-source limit, each risky source says what became of its risky flows (in its alert and the summary)
    if (gate.limited) risky = risky.map((r) => ({ ...r, flowAlerts: gate.ofSource(r.ip) ?? { written: 0, suppressed: 0, leftOut: 0 } }));
    // a risky source known only as one of many senders towards a flooded host (gate.floodSenderRow), with
    // nothing else against it (no rule finding, no attack class): thousands of them in a flood from
    // forged addresses. Its alert is folded (counted, the targets named); it stays a risky source in
    // the summary, risky_ips and the report, marked floodSender (respond neither bans nor notifies on it alone).
    let sourceAlertsFolded = 0;
    const sAlerts: Alert[] = [];
    for (let i = 0; i < risky.length; i++) {
      const r = risky[i];
      if (gate.suppressedByTarget > 0 && gate.floodSenderRow(r)) {
        sourceAlertsFolded++;
        risky[i] = { ...r, floodSender: true };
      } else sAlerts.push(sourceAlert(r, now));
    }
    tm.add('aggregate', performance.now() - t);
    await send(fAlerts);
    await send(sAlerts);

    // written + suppressed + left out = risky flows (flows without a source address included)
    const limited = gate.limited
      ? {
          flowAlerts: gate.written,
          flowAlertsPerSource: o.flowAlertLimit!.perSource,
          flowAlertWindowSeconds: o.flowAlertLimit!.windowSeconds,
          flowAlertsSuppressed: gate.suppressed,
          suppressedSources: gate.suppressedSources(),
          flowAlertsPerTarget: o.flowAlertLimit!.perTarget ?? 0,
          flowAlertsSuppressedByTarget: gate.suppressedByTarget,
          suppressedTargets: gate.suppressedTargets().slice(0, 20),
          sourceAlertsFolded,
        }
      : {};
    const capped = gate.leftOut > 0 ? { maxFlowAlerts: o.maxFlowAlerts, flowAlertsLeftOut: gate.leftOut } : {};
    const outputs: Record<string, string> = {};
    // what the readers said about the input, for every output (not only stderr)
    const reader = resultReaderNotes(o.source.readerNotes?.(), cellCounts, inputFormat, totals.flows);
    const result: Mutable<AnalysisResult> = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      seconds: (performance.now() - t0) / 1000,
      inputs: o.source.inputs,
      flows: totals.flows,
      capture: o.source.captureAccounting?.(),
      ...o.header,
      riskyFlows: totals.riskyFlows,
      riskyIps: risky,
      ipCount: sources,
      findings,
      ruleStatus: ruleResult.status,
      inputNotes: ruleResult.inputNotes,
      readerNotes: reader.notes,
      ...(reader.leftOut > 0 ? { readerNotesLeftOut: reader.leftOut } : {}),
      ...(cellCounts ? { cellCounts } : {}),
      ...(inputFormat !== undefined ? { inputFormat } : {}),
      alerts: { written: alertsWritten, ...limited, ...capped },
      quality: totals.quality(),
      thresholds: o.thresholds,
      outputs,
      topFlows: totals.top,
    };
    const ctx: FinishContext = {
      result,
      riskSample: totals.sample,
      addOutput: (name, path) => {
        outputs[name] = path;
      },
      setStored: (stored, duplicates, where) => {
        result.alerts = { written: alertsWritten, stored, duplicates, store: where, ...limited, ...capped };
      },
      files: new Map(),
    };
    await each('write', (s) => s.finish?.(ctx));
    result.finishedAt = new Date().toISOString();
    result.seconds = (performance.now() - t0) / 1000;
    await each('commit', (s) => s.commit?.(result));
    return result;
  } catch (e) {
    const reason = e instanceof AnalysisInterrupted ? 'interrupted' : 'failed';
    const notes: string[] = [];
    for (const s of opened.reverse()) {
      const note = await s.abort?.(reason, e).catch(() => undefined);
      if (note) notes.push(note);
    }
    if (e instanceof AnalysisInterrupted) {
      throw new AnalysisInterrupted(
        e.signalName,
        e.flows,
        `interrupted by ${e.signalName}: stopped after ${thousands(e.flows)} flows; no output written (unfinished files removed)${notes.length ? '; ' + notes.join('; ') : ''}`,
      );
    }
    throw e;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The alerts of a scored batch's flows at or above the flow threshold that the gate lets through.
 * A function of its own rather than a loop in the async judge: there it was compiled on the stack
 * before any flow had reached the threshold, and the whole judge compiled again when one did.
 */
function flowAlerts(scored: ScoredFlows, threshold: number, gate: FlowAlertGate, now: number): Alert[] {
  const alerts: Alert[] = [];
  const risk = scored.risk;
  for (let r = 0; r < scored.rows; r++) {
    if (risk[r] >= threshold && gate.decide(scored.srcIp(r), scored.time(r), scored.dstIp(r)) === 'written') alerts.push(flowAlert(scored, r, now));
  }
  return alerts;
}
