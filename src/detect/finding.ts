/**
 * What a detection rule reports: a finding, never a decision. A finding says who (the source, or
 * the target for floods converging on one host), what (rule, category, severity), when (first and
 * last flow), how much (flow count and the rule's own numbers in `evidence`), which flows (a
 * bounded sample of row indices) and why, in one sentence a person can read.
 *
 * Policy (block, alert, ignore) is decided elsewhere from findings; nothing here acts. Severity
 * follows Suricata: 1 is the highest. `suricataCategory` gives the classification text EVE readers
 * expect, so an EVE writer can map a finding without knowing the rules.
 *
 * Also here: a rule's status (`on`, or `off` with the reason), because a rule that cannot run on an
 * input (NSL-KDD has no addresses; no GeoIP database) must say so instead of finding nothing.
 */

export type Severity = 1 | 2 | 3 | 4;

export type FindingCategory = 'reconnaissance' | 'credential-access' | 'denial-of-service' | 'spoofing' | 'evasion' | 'policy' | 'command-and-control';

/** Suricata classification text for each category (classification.config descriptions). */
export const SURICATA_CATEGORY: Readonly<Record<FindingCategory, string>> = {
  reconnaissance: 'Detection of a Network Scan',
  'credential-access': 'Attempted User Privilege Gain',
  'denial-of-service': 'Attempted Denial of Service',
  spoofing: 'Potentially Bad Traffic',
  evasion: 'Generic Protocol Command Decode',
  policy: 'Potential Corporate Privacy Violation',
  'command-and-control': 'A Network Trojan was detected',
};

export function suricataCategory(c: FindingCategory): string {
  return SURICATA_CATEGORY[c];
}

/** One value of a finding's evidence: numbers stay numbers, samples are short arrays. */
export type EvidenceValue = number | string | boolean | null | readonly number[] | readonly string[];

export type Evidence = Readonly<Record<string, EvidenceValue>>;

/** Who a finding is about on the other side: a bounded sample plus the exact (or capped) count. */
export interface FindingTargets {
  /** target addresses, at most the configured sample size, in the order first seen */
  readonly ips: readonly string[];
  /** how many distinct target addresses (a lower bound when `countsCapped`) */
  readonly ipCount: number;
  /** target ports, at most the configured sample size, in the order first seen */
  readonly ports: readonly number[];
  readonly portCount: number;
  /** true when a distinct count hit the memory cap and is a lower bound */
  readonly countsCapped: boolean;
  /**
   * targets known by no IP address, only by their link-layer address (lowercase, colon-separated):
   * the Wi-Fi network a deauthentication flood hits, by its BSSID. Absent on every other finding.
   */
  readonly macs?: readonly string[];
}

export interface Finding {
  /** stable id of the rule, e.g. "port-scan.vertical" */
  readonly ruleId: string;
  readonly title: string;
  readonly category: FindingCategory;
  readonly severity: Severity;
  /** the source the finding is about; null when it is about a target (a flood from many sources) */
  readonly srcIp: string | null;
  /**
   * when `srcIp` is null but the source is known by its link-layer address (lowercase,
   * colon-separated): an evil twin's access points, an ARP poisoner with no address of its own.
   * Respond alerts on them (a MAC cannot be blocked by an IP firewall). Absent on every other finding.
   */
  readonly srcMacs?: readonly string[];
  readonly targets: FindingTargets;
  /** ISO 8601 (UTC, with `Z`) of the first and last flow; null when the input has no timestamps */
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** flows attributed to the finding, or what `counted` names (a packet detector counts packets, replies, MACs) */
  readonly count: number;
  /** what `count` counts when it is not flows, singular and plural ("ARP packet", "ARP packets"); absent = flows */
  readonly counted?: readonly [one: string, many: string];
  /** the rule's concrete numbers (thresholds, rates, shares, samples) */
  readonly evidence: Evidence;
  /** row indices (0-based, counted over every batch the engine saw) of some of the flows, at most the sample size */
  readonly rows: readonly number[];
  /** one sentence: what was seen and why it matters */
  readonly reason: string;
}

/**
 * The engine row (every flow it saw, counted in arrival order) whose flow made a finding's episode
 * cross its threshold, for the findings whose rule knows it: beside the finding rather than in it,
 * as findings are written out field by field. A stream lends a finding's evidence only to flows
 * that came with or after that one (rules-stage.ts).
 */
export const findingTriggerRows = new WeakMap<Finding, number>();

/**
 * The engine row after whose flow a finding closed (its episode found over by that flow, or swept
 * after it), when the engine visits flows in arrival order: a stream's source windows take the
 * finding at that flow (stream/source-windows.ts), not at the end of the batch.
 */
export const findingClosedRows = new WeakMap<Finding, number>();

export type RuleStatus =
  | { readonly ruleId: string; readonly title: string; readonly state: 'on'; readonly note?: string }
  | { readonly ruleId: string; readonly title: string; readonly state: 'off'; readonly reason: string };

/** Severity first (1 before 4), then the earliest first flow, then rule and source, for stable output. */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.severity !== b.severity) return a.severity - b.severity;
  const ta = a.firstSeen ?? '';
  const tb = b.firstSeen ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId ? -1 : 1;
  const sa = a.srcIp ?? '';
  const sb = b.srcIp ?? '';
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Epoch milliseconds to ISO 8601, or null when there is no time. */
export function isoTime(ms: number, hasTime: boolean): string | null {
  if (!hasTime || !Number.isFinite(ms)) return null;
  // the last answer again: a finding asks for its first and last time, the same instant for a one-flow finding
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}
let lastIsoMs = NaN;
let lastIso = '';

/** "45 s", "12 min", "2.5 h": a span for a finding's sentence. */
export function formatSpan(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'an unknown time';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 7200) return `${Math.round(seconds / 6) / 10} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}

/** 0.9987 → "99.9%". */
export function formatShare(s: number | null): string {
  return s === null ? 'unknown' : `${Math.round(s * 1000) / 10}%`;
}
