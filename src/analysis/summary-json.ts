/** The run summary as JSON: summary.json, `analyze --json`, and the store's run record. */
import type { AnalysisResult } from '../report/analysis-result.js';
import { round6 } from './numbers.js';

export function summaryJson(r: AnalysisResult): Record<string, unknown> {
  return {
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    seconds: round6(r.seconds),
    inputs: r.inputs,
    flows: r.flows,
    mode: r.mode,
    modeNote: r.modeNote,
    baseline: r.baseline,
    classifier: r.classifier,
    thresholds: r.thresholds,
    riskyFlows: r.riskyFlows,
    sources: r.ipCount,
    riskyIps: r.riskyIps.map((i) => ({ ...i, risk: round6(i.risk), peakFlowRisk: round6(i.peakFlowRisk), meanFlowRisk: round6(i.meanFlowRisk) })),
    findings: r.findings.length,
    findingsByRule: countBy(r.findings.map((f) => f.ruleId)),
    ruleStatus: r.ruleStatus,
    inputNotes: r.inputNotes,
    alerts: r.alerts,
    quality: r.quality ? { ...r.quality, rocAuc: round6(r.quality.rocAuc) } : undefined,
    outputs: r.outputs,
  };
}

function countBy(xs: readonly string[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const x of xs) o[x] = (o[x] ?? 0) + 1;
  return o;
}
