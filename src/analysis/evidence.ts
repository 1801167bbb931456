/**
 * Evidence about sources beyond the flows' own scores: the extension point of the analysis
 * pipeline. The rules' findings are evidence (by severity, below); other providers add their own
 * the same way: threat intelligence about a source address (intel), findings of packet detectors
 * (packets). A provider may look at every batch as it passes, and at the end returns findings
 * (treated exactly like rule findings: alerts, the report, per-source evidence) and/or evidence
 * about sources (joined into each source's risk and listed among its reasons).
 *
 * To add one: implement EvidenceProvider and pass it in AnalysisOptions.evidence.
 */
import type { FlowTable } from '../flows/table.js';
import type { FlowFields } from '../flows/flow-fields.js';
import type { Finding } from '../detect/finding.js';
import type { Evidence } from '../risk/fusion.js';

/** A piece of evidence about one source address. */
export interface SourceEvidence extends Evidence {
  /** who says so, e.g. "intel:abuseipdb" (Evidence.source) */
  readonly source: string;
  /** probability-like, uniform on normal traffic, higher = more unusual: 0.9999 for a confident hit */
  readonly p: number;
  /** weight in the per-source combination (rules use the configured weights.rules, default 1) */
  readonly weight: number;
  /** one sentence for the source's reasons */
  readonly reason: string;
}

export interface EvidenceResult {
  /** findings like the rules' (an alert each, in the report, evidence about their source) */
  readonly findings?: readonly Finding[];
  /** source address → evidence about it */
  readonly bySource?: ReadonlyMap<string, readonly SourceEvidence[]>;
}

export interface EvidenceProvider {
  readonly name: string;
  /** optional: see each batch as it passes (collect addresses, run detectors); do not keep the batch */
  observe?(batch: FlowTable, fields: FlowFields): void | Promise<void>;
  /** after the last batch, with every source address seen in the flows */
  finish(sources: readonly string[]): Promise<EvidenceResult>;
}

/** The p of a rule finding by its severity (1 = highest). */
const RULE_P: Readonly<Record<number, number>> = { 1: 0.99999, 2: 0.9999, 3: 0.999, 4: 0.99 };

export function ruleP(severity: number): number {
  return RULE_P[severity] ?? 0.99;
}

/** A finding as evidence about its source. */
export function findingEvidence(f: Finding, weight: number): Evidence {
  return { source: `rule:${f.ruleId}`, p: ruleP(f.severity), weight };
}
