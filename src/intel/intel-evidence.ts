/**
 * Threat intelligence as one more piece of evidence in analyze (the pipeline's EvidenceProvider):
 * after the last batch every source address is looked up (feeds always; providers through their
 * cache and budget), and an address with a threat score above 0 gets evidence "intel" with its
 * reason ("threat intel: critical (score 100; listed in drop.txt line 12 as 1.10.16.0/20
 * (SBL256894))"), joined into its risk like a rule finding. Which sources answered, and why the
 * others did not, is kept for the summary line on stderr.
 *
 * `analyze --intel` (or intel.feeds / a provider key in the settings) turns it on.
 */
import type { EvidenceProvider, SourceEvidence } from '../analysis/evidence.js';
import { intelEvidence, intelReason, type SourceStatus } from './threat-fusion.js';
import type { ThreatIntel } from './threat-intel.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

export interface IntelEvidenceSummary {
  looked: number;
  withEvidence: number;
  /** provider → status → count */
  statuses: Record<string, Partial<Record<SourceStatus, number>>>;
  /** one reason per provider that did not answer (the first seen) */
  reasons: Record<string, string>;
}

export function intelEvidenceProvider(ti: ThreatIntel, weight = 1, concurrency = 8): EvidenceProvider & { readonly summary: IntelEvidenceSummary } {
  const summary: IntelEvidenceSummary = { looked: 0, withEvidence: 0, statuses: {}, reasons: {} };
  return {
    name: 'intel',
    summary,
    async finish(sources) {
      const bySource = new Map<string, SourceEvidence[]>();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < sources.length) {
          const ip = sources[next++];
          // flows may carry hostnames or blanks where an address should be: not ours to judge
          let r;
          try {
            r = await ti.lookup(ip);
          } catch {
            continue;
          }
          summary.looked++;
          for (const s of r.sources) {
            const m = (summary.statuses[s.source] ??= {});
            m[s.status] = (m[s.status] ?? 0) + 1;
            if (!s.answered && s.reason && !summary.reasons[s.source]) summary.reasons[s.source] = s.reason;
          }
          const e = intelEvidence(r, weight);
          if (e) {
            summary.withEvidence++;
            bySource.set(ip, [{ ...e, reason: intelReason(r) }]);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, sources.length) }, worker));
      return { bySource };
    },
  };
}

/** "intel: 412 sources looked up, 3 with evidence; feeds: 3 listed, 409 not-listed; ipqs: 412 no-key (no API key ...)" */
export function formatIntelSummary(s: IntelEvidenceSummary): string {
  const parts = Object.entries(s.statuses).map(([src, m]) => {
    const counts = Object.entries(m).map(([k, n]) => `${thousands(n)} ${k}`).join(', ');
    return `${src}: ${counts}${s.reasons[src] ? ` (${s.reasons[src]})` : ''}`;
  });
  return `intel: ${thousands(s.looked)} ${plural(s.looked, 'source')} looked up, ${thousands(s.withEvidence)} with evidence; ${parts.join('; ')}`;
}
