/** The run summary as JSON: summary.json, `analyze --json`, and the store's run record. */
import type { AnalysisResult, IpRow } from '../report/analysis-result.js';
import { round6 } from './numbers.js';

export function summaryJson(r: AnalysisResult): Record<string, unknown> {
  return {
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    seconds: round6(r.seconds),
    inputs: r.inputs,
    flows: r.flows,
    // captures only (absent, so not written, for flow files): what became of every packet
    capture: r.capture,
    mode: r.mode,
    modeNote: r.modeNote,
    baseline: r.baseline,
    classifier: r.classifier,
    thresholds: r.thresholds,
    riskyFlows: r.riskyFlows,
    sources: r.ipCount,
    riskyIps: riskyIpsJson(r.riskyIps),
    findings: r.findings.length,
    findingsByRule: countBy(r.findings.map((f) => f.ruleId)),
    ruleStatus: r.ruleStatus,
    // the rules' notes, as before; beside them what the readers warned about the input (stderr
    // said it too): kept apart so a reader of inputNotes sees what it always saw
    inputNotes: r.inputNotes,
    readerNotes: r.readerNotes,
    readerNotesLeftOut: r.readerNotesLeftOut,
    alerts: r.alerts,
    quality: r.quality ? { ...r.quality, rocAuc: round6(r.quality.rocAuc) } : undefined,
    outputs: r.outputs,
  };
}

/**
 * The risky sources as the summary lists them, kept for the next ask: analyze makes the summary
 * twice (summary.json, then the store's run row), and a capture's 10k risky sources were copied
 * twice. Keyed by the list itself and its length (a list grown since is made again); the entries
 * are only ever serialised.
 */
const riskyIpsMade = new WeakMap<readonly IpRow[], { readonly length: number; readonly json: readonly Record<string, unknown>[] }>();

function riskyIpsJson(rows: readonly IpRow[]): readonly Record<string, unknown>[] {
  const known = riskyIpsMade.get(rows);
  if (known && known.length === rows.length) return known.json;
  const json = rows.map((i) => ({ ...i, risk: round6(i.risk), peakFlowRisk: round6(i.peakFlowRisk), meanFlowRisk: round6(i.meanFlowRisk) }));
  riskyIpsMade.set(rows, { length: rows.length, json });
  return json;
}

function countBy(xs: readonly string[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const x of xs) o[x] = (o[x] ?? 0) + 1;
  return o;
}
