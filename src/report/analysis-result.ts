/**
 * What one analysis produced, as every output renders it: the per-source rows (risky_ips, the
 * report, the summary) and the whole result. It lives in src/report, not src/analysis, so that the
 * renderers depend on plain data and never on the pipeline that made it: src/analysis imports the
 * report's writers, and nothing here imports src/analysis (the cycle issue 8 #4 named).
 */
import type { Finding, RuleStatus } from '../detect/finding.js';
import type { CaptureAccounting } from '../packets/capture-accounting.js';
import type { CellCounts } from '../flows/table.js';

export interface IpRow {
  readonly ip: string;
  readonly risk: number;
  readonly flows: number;
  readonly peakFlowRisk: number;
  readonly meanFlowRisk: number;
  readonly riskyFlows: number;
  readonly decidedBy: string;
  readonly detectorsFired: Readonly<Record<string, number>>;
  readonly attackClasses: Readonly<Record<string, number>>;
  readonly rules: readonly string[];
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly reasons: readonly string[];
  /**
   * with a per-source flow-alert limit: what became of this source's risky flows (written +
   * suppressed + leftOut = riskyFlows); absent without one
   */
  readonly flowAlerts?: { readonly written: number; readonly suppressed: number; readonly leftOut: number };
  /**
   * known only by risky flows towards one host whose per-target flow-alert limit held flows back,
   * nothing else against it: one of many senders towards a flooded host, its alert folded (respond
   * neither bans nor notifies on it alone); absent otherwise
   */
  readonly floodSender?: true;
}

export interface TopFlow {
  readonly file: string;
  readonly line: number;
  readonly srcIp: string;
  readonly dstIp: string;
  readonly dstPort: number | null;
  readonly risk: number;
  readonly reasons: readonly string[];
}

export interface AnalysisQuality {
  readonly labelledFlows: number;
  readonly attacks: number;
  readonly rocAuc: number;
  readonly precisionAtThreshold: number;
  readonly recallAtThreshold: number;
  readonly accuracyAtVerdict: number;
  readonly falsePositiveRateAtVerdict: number;
  readonly recallAtVerdict: number;
}

export interface AlertCounts {
  /** alerts raised (and written to alerts.jsonl) */
  readonly written: number;
  /** in the store: newly inserted, already there, which store */
  readonly stored?: number;
  readonly duplicates?: number;
  readonly store?: string;
  /**
   * with a per-source flow-alert limit (src/analysis/flow-alert-limit.ts): its settings, the flow
   * alerts written, the risky flows suppressed by it and how many sources had some suppressed;
   * flowAlerts + flowAlertsSuppressed + flowAlertsLeftOut = riskyFlows. Absent without a limit.
   */
  readonly flowAlerts?: number;
  readonly flowAlertsPerSource?: number;
  readonly flowAlertWindowSeconds?: number;
  readonly flowAlertsSuppressed?: number;
  readonly suppressedSources?: number;
  /**
   * with a per-target limit: its setting, how many of flowAlertsSuppressed it suppressed, and the
   * targets it held back (most first, at most 20 listed)
   */
  readonly flowAlertsPerTarget?: number;
  readonly flowAlertsSuppressedByTarget?: number;
  readonly suppressedTargets?: readonly { readonly ip: string; readonly suppressed: number }[];
  /**
   * risky sources with no alert of their own: known only by risky flows towards one host whose
   * per-target limit held flows back (FlowAlertGate.floodSender), nothing else against them (the
   * senders of a flood from forged addresses); still in riskyIps, marked floodSender.
   * written = flowAlerts + findings + riskyIps − sourceAlertsFolded.
   */
  readonly sourceAlertsFolded?: number;
  /** when the flow-alert cap bit: the cap, and how many risky flows the per-source limit let through got no alert (findings and sources are never capped) */
  readonly maxFlowAlerts?: number;
  readonly flowAlertsLeftOut?: number;
}

export interface AnalysisResult {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly inputs: readonly string[];
  readonly flows: number;
  /** a packet capture's accounting: packets read, decoded, skipped by reason, out of order, flows evicted (absent for flow files) */
  readonly capture?: CaptureAccounting;
  readonly mode: 'baseline' | 'self-fitted';
  readonly modeNote: string;
  readonly baseline: { readonly file?: string; readonly detectors: readonly string[]; readonly fittedOn: string; readonly rows: number };
  readonly classifier?: { readonly file?: string; readonly estimator: string; readonly classes: readonly string[] };
  readonly riskyFlows: number;
  readonly riskyIps: readonly IpRow[];
  readonly ipCount: number;
  readonly findings: readonly Finding[];
  readonly ruleStatus: readonly RuleStatus[];
  /** the rules' notes on how they read the input (times read as UTC, IPv4-mapped addresses ...) */
  readonly inputNotes: readonly string[];
  /**
   * what the readers warned about the input (stderr said it too), in order, each once: padded
   * addresses, text cells read as missing, skipped lines and files, a capture's skipped packets
   * and evictions ..., then the columns of imputed cells (src/analysis/reader-notes.ts)
   */
  readonly readerNotes: readonly string[];
  /** reader notes past the bound (MAX_READER_NOTES): said on stderr, not kept; absent when none */
  readonly readerNotesLeftOut?: number;
  /**
   * the input's imputed or impossible cells per numeric column, summed over its batches, and the
   * readers' format name: the CLI warns about the unexpected ones (sources/cell-warnings.ts); not
   * in summary.json
   */
  readonly cellCounts?: readonly CellCounts[];
  readonly inputFormat?: string;
  readonly alerts: AlertCounts;
  /** when the input carries labels: how well the fused flow risk separates normal from attack */
  readonly quality?: AnalysisQuality;
  readonly thresholds: { readonly flow: number; readonly ip: number; readonly verdict: number };
  /** output name → path, in the order they were written */
  readonly outputs: Readonly<Record<string, string>>;
  /** top flows by risk with their reasons, for the report */
  readonly topFlows: readonly TopFlow[];
}
