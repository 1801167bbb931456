/**
 * Many sources' opinions of one address fused into one threat score (0-100) and a severity, as
 * seed 002 did with IPQualityScore and VirusTotal ("fuses results with weighted scoring; combined
 * threat score ≥ 75 → alert; severity Critical/High/Medium"):
 *
 *   score = Σ wᵢ·sᵢ / Σ wᵢ over the sources that answered (weights intel.weights.*), so one
 *           source alone gives its own score (the seed's "Threat Score: 95, IPQS Fraud Score: 95");
 *   a source whose own threshold trips (IPQS fraud ≥ 75, VirusTotal ≥ 1 engine, a feed listing)
 *           lifts the score to at least the alert score (75) and at least its own score, so a
 *           silent second source cannot dilute a clear verdict;
 *   severity: critical ≥ 90, high ≥ 75, medium ≥ 50, low ≥ 25, else none.
 *
 * Sources that did not answer (no key, 429, timeout, ...) take no part, and are listed with why.
 * `intelEvidence` turns the result into one more piece of evidence for a source's risk in analyze.
 */
import type { Evidence } from '../risk/fusion.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'none';

export type SourceStatus = 'answered' | 'cached' | 'listed' | 'not-listed' | 'no-key' | 'skipped' | 'bad-key' | 'rate-limited' | 'timeout' | 'unreachable' | 'malformed' | 'error';

export interface SourceReport {
  readonly source: string;
  readonly status: SourceStatus;
  /** whether it took part in the score */
  readonly answered: boolean;
  readonly score?: number;
  readonly malicious?: boolean;
  readonly weight?: number;
  readonly indicators: readonly string[];
  /** why it did not answer, in words */
  readonly reason?: string;
  readonly retryAfterSeconds?: number;
  /** when the cached answer was fetched (ISO 8601) */
  readonly fetchedAt?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface ThreatVerdict {
  readonly score: number;
  readonly severity: Severity;
  readonly malicious: boolean;
  readonly indicators: readonly string[];
  /** names of the sources that took part */
  readonly answered: readonly string[];
}

export function severityOf(score: number): Severity {
  return score >= 90 ? 'critical' : score >= 75 ? 'high' : score >= 50 ? 'medium' : score >= 25 ? 'low' : 'none';
}

export function fuseThreat(sources: readonly SourceReport[], alertScore = 75): ThreatVerdict {
  let num = 0;
  let den = 0;
  let floor = 0;
  const answered: string[] = [];
  const indicators: string[] = [];
  for (const s of sources) {
    if (!s.answered || s.score === undefined) continue;
    const w = s.weight ?? 1;
    num += w * s.score;
    den += w;
    answered.push(s.source);
    if (s.malicious) floor = Math.max(floor, alertScore, s.score);
    if (s.malicious || s.score >= 25) indicators.push(...s.indicators);
  }
  const mean = den > 0 ? num / den : 0;
  const score = Math.round(Math.max(mean, floor) * 10) / 10;
  return { score, severity: severityOf(score), malicious: score >= alertScore, indicators, answered };
}

/**
 * The threat score as evidence for analyze's per-source risk: read as a tail probability, 20
 * points per factor of ten (score 100 → p = 1 − 10⁻⁵, 75 → 1 − 10⁻³·⁷⁵, 0 → no evidence), so a
 * listed or high-scoring address weighs like a strong rule finding, a clean one adds nothing.
 */
export function intelEvidence(v: ThreatVerdict, weight = 1): Evidence | undefined {
  if (v.score <= 0 || v.answered.length === 0) return undefined;
  return { source: 'intel', p: 1 - 10 ** (-v.score / 20), weight };
}

/** One line a report can show: "threat intel: high (score 95; IPQS Fraud Score: 95/100)". */
export function intelReason(v: ThreatVerdict): string {
  return `threat intel: ${v.severity} (score ${v.score}${v.indicators.length ? `; ${v.indicators.slice(0, 3).join('; ')}` : ''})`;
}
