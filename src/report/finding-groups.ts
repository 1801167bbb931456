/**
 * A source's findings grouped by rule, for people: a scanner that probed 14 hosts is one line
 * ("Vertical port scan ×14: 14 target hosts, 29–75 ports each, 3 Jul 12:20 – 7 Jul 19:53") with the 14
 * findings one click away, not 14 near-identical lines. Used by report.html, risky_ips.csv and
 * analyze's text summary, so the three say the same.
 */
import type { Finding } from '../detect/finding.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

export interface FindingGroup {
  readonly ruleId: string;
  readonly title: string;
  /** the most severe of the group (1 = highest) */
  readonly severity: number;
  readonly srcIp: string | null;
  readonly findings: readonly Finding[];
  /** flows attributed to the findings, or what `counted` names (packets, ARP replies, MACs) */
  readonly flows: number;
  /** what `flows` counts, singular and plural: ['flow', 'flows'] unless the rule counts something else */
  readonly counted: readonly [one: string, many: string];
  /** one line: what, how many target hosts, ports, when */
  readonly summary: string;
}

/**
 * The groups of a findings list, kept for the next ask: analyze groups the same list five times
 * (risky_ips.csv, twice for report.html, twice for the text summary), each time making every
 * group's summary line (~20 ms of CPU per 3,000 findings). Keyed by the list itself and its
 * length (a list grown since is grouped again); groups are never changed once made.
 */
const grouped = new WeakMap<readonly Finding[], { readonly length: number; readonly groups: readonly FindingGroup[] }>();

/** Group by source and rule, in the order the findings come (most severe first when sorted). */
export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const known = grouped.get(findings);
  if (known && known.length === findings.length) return known.groups.slice();
  const groups = makeGroups(findings);
  grouped.set(findings, { length: findings.length, groups });
  return groups.slice();
}

function makeGroups(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = `${f.srcIp ?? ''}\u0000${f.ruleId}`;
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  return [...groups.values()].map((fs) => ({
    ruleId: fs[0].ruleId,
    title: fs[0].title,
    severity: Math.min(...fs.map((f) => f.severity)),
    srcIp: fs[0].srcIp,
    findings: fs,
    flows: fs.reduce((a, f) => a + f.count, 0),
    counted: countedOf(fs),
    summary: summarise(fs),
  }));
}

const FLOWS: readonly [string, string] = ['flow', 'flows'];

/** what a group's counts are: the rule's own noun when every finding names the same, else flows */
function countedOf(fs: readonly Finding[]): readonly [string, string] {
  const c = fs[0].counted;
  if (!c) return FLOWS;
  for (const f of fs) if (f.counted?.[0] !== c[0]) return FLOWS;
  return c;
}

/** source address → its groups */
export function findingGroupsBySource(findings: readonly Finding[]): Map<string, FindingGroup[]> {
  const out = new Map<string, FindingGroup[]>();
  for (const g of groupFindings(findings)) {
    if (g.srcIp === null) continue;
    const list = out.get(g.srcIp) ?? [];
    list.push(g);
    out.set(g.srcIp, list);
  }
  return out;
}

/**
 * A source row's reasons with the per-finding sentences replaced by one line per group (the other
 * reasons, from the flows and other evidence, kept as they are, after the groups).
 */
export function groupedReasons(reasons: readonly string[], groups: readonly FindingGroup[]): string[] {
  // plain loops: flatMap and two spreads per risky source were most of risky_ips.csv's time
  if (!groups.length) return reasons.slice();
  const out: string[] = [];
  let findings = 0;
  for (const g of groups) {
    out.push(g.summary);
    findings += g.findings.length;
  }
  // most sources have one finding (a capture's forged sources: thousands of them): its reason is
  // looked for among a few, not put in a Set made per source
  if (findings <= FEW_FINDINGS) {
    for (const r of reasons) if (!saidByFindings(r, groups)) out.push(r);
    return out;
  }
  const fromFindings = new Set<string>();
  for (const g of groups) for (const f of g.findings) fromFindings.add(f.reason);
  for (const r of reasons) if (!fromFindings.has(r)) out.push(r);
  return out;
}

/** up to this many findings, groupedReasons compares a reason with each of theirs */
const FEW_FINDINGS = 8;

function saidByFindings(reason: string, groups: readonly FindingGroup[]): boolean {
  for (const g of groups) for (const f of g.findings) if (f.reason === reason) return true;
  return false;
}

function summarise(fs: readonly Finding[]): string {
  const parts: string[] = [];
  const hosts = new Set<string>();
  let hostsExact = true;
  for (const f of fs) {
    for (const ip of f.targets.ips) hosts.add(ip);
    if (f.targets.ipCount > f.targets.ips.length || f.targets.countsCapped) hostsExact = false;
  }
  // loops, not spreads, maps and sorts: a summary is made for every group (thousands of sources
  // with one finding each on a replayed capture), and for each of risky_ips.csv and the report
  let maxIpCount = -Infinity;
  for (const f of fs) maxIpCount = Math.max(maxIpCount, f.targets.ipCount);
  // one finding's ipCount is exact unless capped (its `ips` are only a sample): a 60-host sweep
  // read "≥ 60 target hosts"; several findings' sampled lists give only a lower bound of their union
  if (fs.length === 1 && !fs[0].targets.countsCapped) hostsExact = true;
  const nHosts = hostsExact ? (fs.length === 1 ? Math.max(hosts.size, fs[0].targets.ipCount) : hosts.size) : Math.max(hosts.size, maxIpCount);
  // "target host": the line follows the source's address in every view, and a bare "host X" read
  // as the source itself (a forged source's line named the machine it sent to as if it were it)
  if (nHosts > 0) parts.push(nHosts === 1 && hosts.size === 1 ? `target host ${[...hosts][0]}` : `${hostsExact ? '' : '≥ '}${thousands(nHosts)} target ${plural(nHosts, 'host')}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const f of fs) {
    const n = f.targets.portCount;
    if (n > 0) {
      if (n < lo) lo = n;
      if (n > hi) hi = n;
    }
  }
  if (hi > 0) {
    // one port, when every finding has the same single one
    let samePort: Set<number> | null = null;
    if (hi === 1) {
      samePort = new Set<number>();
      for (const f of fs) {
        if (f.targets.portCount === 1) for (const p of f.targets.ports) samePort.add(p);
        else samePort.add(NaN);
      }
    }
    if (samePort !== null && samePort.size === 1 && !samePort.has(NaN)) parts.push(`port ${[...samePort][0]}`);
    else parts.push(`${lo === hi ? thousands(lo) : `${thousands(lo)}–${thousands(hi)}`} port${hi === 1 ? '' : 's'}${fs.length > 1 ? ' each' : ''}`);
  }
  // the earliest first and latest last time (ISO text orders as the times do; sort() compared the same way)
  let first: string | null = null;
  let last: string | null = null;
  for (const f of fs) {
    if (f.firstSeen && (first === null || f.firstSeen < first)) first = f.firstSeen;
    if (f.lastSeen && (last === null || f.lastSeen > last)) last = f.lastSeen;
  }
  if (first !== null) parts.push(span(first, last ?? first));
  const flows = fs.reduce((a, f) => a + f.count, 0);
  const [one, many] = countedOf(fs);
  // thousands(): toLocaleString's text without Intl below 1,000 (most groups)
  parts.push(`${thousands(flows)} ${plural(flows, one, many)}`);
  return `${fs[0].title}${fs.length > 1 ? ` ×${fs.length}` : ''}: ${parts.join(', ')}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "3 Jul 12:20 – 7 Jul 19:53" (UTC), "3 Jul 12:20–12:45" within a day (exported for its test) */
export function span(a: string, b: string): string {
  const t1 = clockOf(a);
  const t2 = clockOf(b);
  if (t1 === undefined || t2 === undefined) return spanOfDates(new Date(a), new Date(b));
  // the years only when the span crosses one (then the clock is read, once, not per day written)
  const crossesYear = t1.year !== t2.year;
  const thisYear = crossesYear ? new Date().getUTCFullYear() : NaN;
  const day = (t: Clock): string => `${t.date} ${MONTHS[t.month]}${crossesYear && t.year !== thisYear ? ' ' + t.year : ''}`;
  if (day(t1) === day(t2)) return t1.hm === t2.hm ? `${day(t1)} ${t1.hm}` : `${day(t1)} ${t1.hm}–${t2.hm}`;
  return `${day(t1)} ${t1.hm} – ${day(t2)} ${t2.hm}`;
}

/** span() from Dates: any time text Date reads (exported for span's test) */
export function spanOfDates(d1: Date, d2: Date): string {
  const crossesYear = d1.getUTCFullYear() !== d2.getUTCFullYear();
  const thisYear = crossesYear ? new Date().getUTCFullYear() : NaN;
  const day = (d: Date): string => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${crossesYear && d.getUTCFullYear() !== thisYear ? ' ' + d.getUTCFullYear() : ''}`;
  const hm = (d: Date): string => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  if (day(d1) === day(d2)) return hm(d1) === hm(d2) ? `${day(d1)} ${hm(d1)}` : `${day(d1)} ${hm(d1)}–${hm(d2)}`;
  return `${day(d1)} ${hm(d1)} – ${day(d2)} ${hm(d2)}`;
}

interface Clock {
  readonly year: number;
  readonly month: number;
  readonly date: number;
  /** "HH:MM" */
  readonly hm: string;
}

/** ISO UTC text as toISOString writes it (up to milliseconds): its fields can be read off the text */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,3})?Z$/;
/** the calendar day of a "YYYY-MM-DD" prefix, as Date reads it (a few distinct days per run) */
const days = new Map<string, { year: number; month: number; date: number } | null>();

/**
 * The UTC day and "HH:MM" of a finding's time without a Date per time: span() is made for every
 * group (thousands of sources with one finding each), and parsing two Dates was most of it. The
 * clock is the text's own; the day is Date's reading of the text's date, once per day. Other text
 * (offsets, microseconds, out-of-range fields): undefined, and span() reads Dates as before.
 */
function clockOf(iso: string): Clock | undefined {
  if (!ISO_UTC.test(iso)) return undefined;
  const prefix = iso.slice(0, 10);
  let d = days.get(prefix);
  if (d === undefined) {
    const date = new Date(`${prefix}T00:00:00Z`);
    d = Number.isNaN(date.getTime()) ? null : { year: date.getUTCFullYear(), month: date.getUTCMonth(), date: date.getUTCDate() };
    if (days.size >= 4096) days.clear();
    days.set(prefix, d);
  }
  if (d === null) return undefined;
  return { year: d.year, month: d.month, date: d.date, hm: iso.slice(11, 16) };
}
