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
import { flowFields } from '../flows/flow-fields.js';
import { compareFindings, type Finding } from '../detect/finding.js';
import type { AnalysisResult } from '../report/analysis-result.js';
import type { FlowSource } from './flow-source.js';
import type { RulesStage } from './rules-stage.js';
import type { ScoreStage } from './score-stage.js';
import type { EvidenceProvider, SourceEvidence } from './evidence.js';
import type { FinishContext, RunInfo, Sink } from './sink.js';
import type { AnalysisProgress } from './progress.js';
import { createSourceAggregation } from './source-aggregation.js';
import { FlowTotals } from './flow-totals.js';
import { findingAlert, flowAlert, sourceAlert, type Alert } from './alerts.js';

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
  readonly seed: number;
  readonly hasClassifier: boolean;
  readonly startedAt?: Date;
  readonly progress?: AnalysisProgress;
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
  try {
    for (const s of o.sinks) {
      opened.push(s);
      await s.open?.(info);
    }
    const evidence = o.evidence ?? [];
    const aggregation = createSourceAggregation();
    const totals = new FlowTotals(o.thresholds.verdict, o.seed);
    let alertsWritten = 0;
    const send = async (alerts: readonly Alert[]): Promise<void> => {
      alertsWritten += alerts.length;
      for (const s of o.sinks) await s.alerts?.(alerts);
    };
    let flowAlerts = 0;
    let flowAlertsLeftOut = 0;
    const cap = o.maxFlowAlerts > 0 ? o.maxFlowAlerts : Infinity;
    let rowOffset = 0;
    o.progress?.start('analysing', undefined, 'bytes');
    for await (const batch of o.source.batches()) {
      const ff = flowFields(batch);
      // rules first, so a flow's risk can include what its source was doing at the time
      const ruleP = o.rules.observe(batch, ff);
      for (const e of evidence) await e.observe?.(batch, ff);
      const scored = o.score.score(batch, ff, ruleP, rowOffset);
      aggregation.add(scored);
      totals.add(scored);
      for (const s of o.sinks) await s.batch?.(scored);
      const alerts: Alert[] = [];
      for (let r = 0; r < scored.rows; r++) {
        if (scored.risk[r] >= o.thresholds.flow) {
          if (flowAlerts < cap) {
            flowAlerts++;
            alerts.push(flowAlert(scored, r, now));
          } else flowAlertsLeftOut++;
        }
      }
      await send(alerts);
      rowOffset += batch.rowCount;
    }
    o.progress?.done(`analysed ${rowOffset.toLocaleString('en-US')} flows`);

    const ruleResult = o.rules.finish();
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
    await send(findings.map((f) => findingAlert(f, now)));
    const all = aggregation.rows(findings, extra, o.ruleWeight);
    const risky = all.filter((r) => r.risk >= o.thresholds.ip);
    await send(risky.map((r) => sourceAlert(r, now)));

    const capped = flowAlertsLeftOut > 0 ? { maxFlowAlerts: o.maxFlowAlerts, flowAlertsLeftOut } : {};
    const outputs: Record<string, string> = {};
    const result: Mutable<AnalysisResult> = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      seconds: (performance.now() - t0) / 1000,
      inputs: o.source.inputs,
      flows: totals.flows,
      ...o.header,
      riskyFlows: totals.riskyFlows,
      riskyIps: risky,
      ipCount: all.length,
      findings,
      ruleStatus: ruleResult.status,
      inputNotes: ruleResult.inputNotes,
      alerts: { written: alertsWritten, ...capped },
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
        result.alerts = { written: alertsWritten, stored, duplicates, store: where, ...capped };
      },
    };
    for (const s of o.sinks) await s.finish?.(ctx);
    result.finishedAt = new Date().toISOString();
    result.seconds = (performance.now() - t0) / 1000;
    for (const s of o.sinks) await s.commit?.(result);
    return result;
  } catch (e) {
    for (const s of opened.reverse()) await s.abort?.('failed', e)?.catch(() => undefined);
    throw e;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
