/**
 * Many findings of one per-source rule towards one host, folded into one finding about that host.
 *
 * `spoofing.bogon-source` is a finding per source address: right for a misconfigured host sending
 * from 169.254.x.x or 0.0.0.0, one finding naming it. A flood from forged random sources
 * (`hping3 --flood --rand-source`) sends from every address there is, and the ~14 % that fall in
 * ranges that cannot be on a wire each made a finding of their own: 2,000 near-identical findings
 * (and alerts, and "risky sources" to ban) for a 2 s flood whose SYN-flood finding already names
 * the target. More than `minSources` findings of such a rule whose one target is the same host
 * become one finding with no source (as a flood's), its target that host, its count the flows of
 * them all, the sources counted and sampled in its evidence; fewer stay as they are.
 *
 * Only the rules listed here, whose finding is about the address itself rather than what it did:
 * a scan or a brute force from many sources towards one host names real attackers, each its own.
 */
import type { Finding } from './finding.js';
import { formatSpan } from './finding.js';
import { thousands } from '../util/thousands.js';

/** rules folded per target when many sources share one */
export const FOLDED_PER_TARGET: ReadonlySet<string> = new Set(['spoofing.bogon-source']);

/** more findings than this towards one host are folded */
export const FOLD_MIN_SOURCES = 20;

/**
 * The group a finding folds into: its rule and its one target (`ruleId target`), or null for a
 * finding that never folds (another rule, no source, several targets). The live lines of `capture`
 * group by it too, so they fold exactly what the end of the run folds.
 */
export function foldGroup(f: Finding): string | null {
  if (!FOLDED_PER_TARGET.has(f.ruleId) || f.srcIp === null || f.targets.ipCount !== 1 || f.targets.ips.length !== 1) return null;
  return `${f.ruleId} ${f.targets.ips[0]}`;
}

/**
 * `findings` with those of FOLDED_PER_TARGET rules folded per target where more than `minSources`
 * share one (the folded finding where the first of them was; the others in their order).
 */
export function foldSourceFindings(findings: readonly Finding[], sampleSize: number, minSources = FOLD_MIN_SOURCES): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = foldGroup(f);
    if (k === null) continue;
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  const folded = new Map<Finding, Finding | null>();
  for (const g of groups.values()) {
    if (g.length <= minSources) continue;
    folded.set(g[0], fold(g, sampleSize));
    for (let i = 1; i < g.length; i++) folded.set(g[i], null);
  }
  if (folded.size === 0) return [...findings];
  const out: Finding[] = [];
  for (const f of findings) {
    const x = folded.get(f);
    if (x === undefined) out.push(f);
    else if (x !== null) out.push(x);
  }
  return out;
}

function fold(g: readonly Finding[], sampleSize: number): Finding {
  const first = g[0];
  const host = first.targets.ips[0];
  let count = 0;
  let firstSeen: string | null = null;
  let lastSeen: string | null = null;
  const rows: number[] = [];
  const ranges = new Map<string, number>();
  for (const f of g) {
    count += f.count;
    if (f.firstSeen !== null && (firstSeen === null || f.firstSeen < firstSeen)) firstSeen = f.firstSeen;
    if (f.lastSeen !== null && (lastSeen === null || f.lastSeen > lastSeen)) lastSeen = f.lastSeen;
    for (const r of f.rows) if (rows.length < sampleSize) rows.push(r);
    const range = typeof f.evidence.range === 'string' ? f.evidence.range : 'other';
    ranges.set(range, (ranges.get(range) ?? 0) + 1);
  }
  rows.sort((a, b) => a - b);
  const sources = g.map((f) => f.srcIp as string);
  const span = firstSeen !== null && lastSeen !== null ? (Date.parse(lastSeen) - Date.parse(firstSeen)) / 1000 : null;
  const byRange = [...ranges].sort((a, b) => b[1] - a[1]);
  return {
    ruleId: first.ruleId,
    title: first.title,
    category: first.category,
    severity: g.reduce((s, f) => (f.severity < s ? f.severity : s), first.severity),
    srcIp: null,
    targets: { ips: [host], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
    firstSeen,
    lastSeen,
    count,
    evidence: {
      sources: g.length,
      sourcesSample: sources.slice(0, sampleSize),
      ranges: byRange.slice(0, sampleSize).map(([r, n]) => `${r}: ${n}`),
      durationSeconds: span,
      foldedFindings: g.length,
    },
    rows,
    reason:
      `${thousands(g.length)} sources that cannot be on a wire (${byRange.slice(0, 3).map(([r, n]) => `${thousands(n)} ${r}`).join(', ')}${byRange.length > 3 ? ', …' : ''}; ` +
      `e.g. ${sources.slice(0, 3).join(', ')}) sent ${thousands(count)} flow${count === 1 ? '' : 's'} to ${host} over ${formatSpan(span)}: forged source addresses, ` +
      'as a flood from random sources sends; one finding for them all, the addresses are not the sender\'s.',
  };
}
