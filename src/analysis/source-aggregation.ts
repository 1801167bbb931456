/**
 * Stage 4 of the analysis pipeline: per-source aggregation. Every scored flow adds to its source's
 * aggregate (peak and Stouffer sum of flow evidence, detectors fired, classifier classes, risky
 * flows); at the end each source's risk joins its findings and any other evidence about it
 * (src/risk/fusion.ts), with its reasons, riskiest first. Memory: one small record per source.
 */
import { addFlow, ipRisk, newIpAggregate, volumeZ, type Evidence, type IpAggregate } from '../risk/fusion.js';
import type { Finding } from '../detect/finding.js';
import type { IpRow } from '../report/analysis-result.js';
import { FIRED_P, type ScoredFlows } from './score-stage.js';
import { findingEvidence, type SourceEvidence } from './evidence.js';
import { isoTime } from './numbers.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';
import { StringNumbers } from '../flows/table.js';

interface SourceState extends IpAggregate {
  /** flows on which each detector fired, by detector number (see `detectorNames`); null until one fires */
  firedCounts: number[] | null;
  /** the detector numbers in the order they first fired for this source (a tie keeps that order) */
  firedOrder: number[];
  /** null until a flow of this source is classified as an attack */
  classes: Map<string, number> | null;
  risky: number;
}

export interface SourceAggregation {
  add(s: ScoredFlows): void;
  /** every source address seen in the flows, in first-seen order */
  sources(): string[];
  /**
   * Every source's row, riskiest first (ties by address): its flows joined with the findings about
   * it (each as rule evidence of `ruleWeight`) and the other evidence about it.
   */
  rows(findings: readonly Finding[], extra: ReadonlyMap<string, readonly SourceEvidence[]>, ruleWeight: number): IpRow[];
  /**
   * rows() of the sources whose risk is at least `minRisk` (the same rows in the same order as
   * rows() filtered), but for a source of one flow below the flow threshold with nothing else
   * about it (loneOrdinaryFlow below), and how many rows rows() would give: the others' reasons,
   * times and counts are never made. analyze reports only its risky sources, most often a small
   * part of them all.
   */
  riskyRows(findings: readonly Finding[], extra: ReadonlyMap<string, readonly SourceEvidence[]>, ruleWeight: number, minRisk: number): { rows: IpRow[]; sources: number };
  /**
   * The rows of some sources (as rows() would give them, in the order asked), which are then
   * forgotten: a long-running consumer closes a source's window this way and keeps memory bounded.
   */
  take(ips: readonly string[], findings: readonly Finding[], ruleWeight: number): IpRow[];
  /**
   * take() of the sources whose risk is at least `minRisk` (the same rows in the same order as
   * take() filtered), but for a source of one flow below the flow threshold with nothing else
   * about it (loneOrdinaryFlow below); every source asked is forgotten. A worker's closed windows are mostly quiet
   * sources whose rows it would only throw away: their reasons, counts and times are never made.
   */
  takeRisky(ips: readonly string[], findings: readonly Finding[], ruleWeight: number, minRisk: number): IpRow[];
}

const NO_ORDER: number[] = [];

function newState(): SourceState {
  const st = newIpAggregate() as SourceState;
  st.firedCounts = null;
  st.firedOrder = NO_ORDER;
  st.classes = null;
  st.risky = 0;
  return st;
}

export function createSourceAggregation(): SourceAggregation {
  const ips = new Map<string, SourceState>();
  // detectors by number: a fired detector is counted in an array, not a Map keyed by its name
  const detectors = new StringNumbers();
  const detectorNames = detectors.list;
  let batchDetectors: readonly string[] = [];
  let numberOf: number[] = [];
  const rowsAtLeast = (findings: readonly Finding[], extra: ReadonlyMap<string, readonly SourceEvidence[]>, ruleWeight: number, minRisk: number): { rows: IpRow[]; sources: number } => {
    const bySource = new Map<string, Finding[]>();
    for (const f of findings) {
      if (!f.srcIp) continue;
      const list = bySource.get(f.srcIp);
      if (list) list.push(f);
      else bySource.set(f.srcIp, [f]);
    }
    const out: IpRow[] = [];
    let sources = 0;
    let sawNaN = false;
    /** sources at or above minRisk left out as lone ordinary flows (for the NaN case below) */
    let lone: Set<string> | undefined;
    // most analyses have no other evidence, and most sources no finding: no lookup then
    const anyExtra = extra.size > 0;
    const anyFindings = bySource.size > 0;
    const add = (st: SourceState, ip: string, fs: readonly Finding[]): void => {
      sources++;
      const more = anyExtra ? (extra.get(ip) ?? NONE) : NONE;
      const r = ipRisk(st, evidenceOf(fs, more, ruleWeight));
      if (r.risk >= minRisk) {
        // rows() (minRisk −∞) lists every source; a risky source is never a lone ordinary flow
        if (minRisk === -Infinity || !loneOrdinaryFlow(st, fs, more)) out.push(sourceRow(ip, st, r, fs, more, detectorNames));
        else (lone ??= new Set()).add(ip);
      } else if (Number.isNaN(r.risk)) sawNaN = true;
    };
    // forEach, not for-of over entries: no [ip, state] array per source (tens of thousands in a capture)
    ips.forEach((st, ip) => add(st, ip, anyFindings ? (bySource.get(ip) ?? NONE) : NONE));
    // sources only findings saw (cannot happen with rules over the same flows, but keep it total)
    for (const [ip, fs] of bySource) if (!ips.has(ip)) add(newState(), ip, fs);
    // the rows left out take no part in the order of those kept: a stable sort of a filtered list
    // is the filtered sorted list
    // a NaN risk makes the order's comparisons inconsistent, so where the other rows land can
    // depend on it: then sort them all, as rows() does, and filter after
    if (sawNaN && minRisk !== -Infinity) return { rows: rowsAtLeast(findings, extra, ruleWeight, -Infinity).rows.filter((r) => r.risk >= minRisk && !lone?.has(r.ip)), sources };
    out.sort((a, b) => b.risk - a.risk || a.ip.localeCompare(b.ip));
    return { rows: out, sources };
  };
  return {
    add(s) {
      if (s.detectors !== batchDetectors) {
        batchDetectors = s.detectors;
        numberOf = s.detectors.map((d) => detectors.numberOf(d));
      }
      const p = s.p;
      const src = s.fields.srcIp;
      if (!src) return;
      // each source's state looked up by its text once per batch, then by its code (a string Map
      // lookup per flow before; a stream worker does this per message: SourceWindows.spans)
      const { codes, dictionary } = src;
      const stateOf: (SourceState | undefined)[] = new Array(dictionary.length);
      // ICMP errors answering the destination's packets say nothing of their sender (flow-fields.ts)
      const answering = s.fields.answering;
      for (let r = 0; r < s.rows; r++) {
        const c = codes[r];
        if (c < 0 || (answering !== undefined && answering[r] !== 0)) continue;
        let st = stateOf[c];
        if (!st) {
          const ip = dictionary[c];
          st = ips.get(ip);
          if (!st) {
            st = newState();
            ips.set(ip, st);
          }
          stateOf[c] = st;
        }
        const risk = s.risk[r];
        addFlow(st, s.z[r], risk, s.time(r));
        // counted in detector order, as a list of the fired ones was (no array per flow)
        for (let j = 0; j < p.length; j++) {
          if (p[j][r] >= FIRED_P) {
            const n = numberOf[j];
            let counts = st.firedCounts;
            if (counts === null) {
              counts = st.firedCounts = [];
              st.firedOrder = [];
            }
            while (counts.length <= n) counts.push(0);
            if (counts[n] === 0) st.firedOrder.push(n);
            counts[n]++;
          }
        }
        const ac = s.attackClass[r];
        if (ac) {
          const classes = (st.classes ??= new Map());
          classes.set(ac, (classes.get(ac) ?? 0) + 1);
        }
        if (risk >= s.flowThreshold) st.risky++;
      }
    },
    sources: () => [...ips.keys()],
    rows(findings, extra, ruleWeight) {
      return rowsAtLeast(findings, extra, ruleWeight, -Infinity).rows;
    },
    riskyRows(findings, extra, ruleWeight, minRisk) {
      return rowsAtLeast(findings, extra, ruleWeight, minRisk);
    },
    take(list, findings, ruleWeight) {
      const out: IpRow[] = [];
      for (const ip of list) {
        const st = ips.get(ip) ?? newState();
        ips.delete(ip);
        out.push(one(ip, st, findingsAbout(findings, ip), NO_EXTRA, ruleWeight, detectorNames));
      }
      return out;
    },
    takeRisky(list, findings, ruleWeight, minRisk) {
      const out: IpRow[] = [];
      for (const ip of list) {
        const st = ips.get(ip) ?? newState();
        ips.delete(ip);
        const fs = findingsAbout(findings, ip);
        const r = ipRisk(st, evidenceOf(fs, NONE, ruleWeight));
        // NaN is below every threshold, as take()'s rows filtered by `risk >= minRisk` drop it
        if (r.risk >= minRisk && (minRisk === -Infinity || !loneOrdinaryFlow(st, fs, NONE))) out.push(sourceRow(ip, st, r, fs, NONE, detectorNames));
      }
      return out;
    },
  };
}

/**
 * A source seen in one flow, below the flow risk threshold, with no finding or other evidence
 * about it: its risk is that flow's risk (fusion.ts: one flow's peak is the flow), so listing it
 * as a risky source at the lower source threshold (0.99) would alert on a flow the flow threshold
 * (0.999) does not. Such a source is never risky (riskyRows, takeRisky); its row and risk are
 * unchanged. Of the 24,656 sources of a normal replay capture, 15,767 are seen in one flow, and
 * 80 of them were listed at flow risk 0.99-0.999, about 1 % as that threshold does by
 * construction; no attacker of the CIC-IDS2017 sample is a one-flow source (docs/architecture.md).
 */
function loneOrdinaryFlow(st: SourceState, fs: readonly Finding[], more: readonly SourceEvidence[]): boolean {
  return st.flows === 1 && st.risky === 0 && fs.length === 0 && more.length === 0;
}

/** shared by the sources without findings or other evidence (most of them): read, never written */
const NONE: readonly never[] = [];
/** take()'s other evidence: none (one empty map for every source, read, never written) */
const NO_EXTRA: ReadonlyMap<string, readonly SourceEvidence[]> = new Map();

/**
 * The findings about one source, in their order (findings.filter by srcIp, without a closure made
 * per source: take() runs for every window a long-running worker closes).
 */
function findingsAbout(findings: readonly Finding[], ip: string): Finding[] {
  const out: Finding[] = [];
  for (let i = 0; i < findings.length; i++) if (findings[i].srcIp === ip) out.push(findings[i]);
  return out;
}

function one(ip: string, st: SourceState, fs: readonly Finding[], extra: ReadonlyMap<string, readonly SourceEvidence[]>, ruleWeight: number, detectorNames: readonly string[]): IpRow {
  const more = extra.get(ip) ?? NONE;
  return sourceRow(ip, st, ipRisk(st, evidenceOf(fs, more, ruleWeight)), fs, more, detectorNames);
}

/** a source's findings (as rule evidence) and other evidence; most sources have none: no array made */
function evidenceOf(fs: readonly Finding[], more: readonly SourceEvidence[], ruleWeight: number): readonly Evidence[] {
  if (!fs.length && !more.length) return NONE;
  const list: Evidence[] = [];
  for (const f of fs) list.push(findingEvidence(f, ruleWeight));
  for (const e of more) list.push(e);
  return list;
}

function sourceRow(ip: string, st: SourceState, r: ReturnType<typeof ipRisk>, findings: readonly Finding[], more: readonly SourceEvidence[], detectorNames: readonly string[]): IpRow {
  const reasons: string[] = [];
  for (const f of findings) reasons.push(f.reason);
  for (const e of more) reasons.push(e.reason);
  if (st.risky) reasons.push(`${thousands(st.risky)} of ${thousands(st.flows)} ${plural(st.flows, 'flow')} above the flow risk threshold (peak ${st.maxRisk.toFixed(4)})`);
  // in the order each first fired, most flows first (a stable sort: ties keep that order)
  const counts = st.firedCounts;
  // fromEntries, not assignment: a name like "__proto__" stays an own property, as it always was
  let detectorsFired: Record<string, number> = {};
  if (counts !== null) {
    const fired: [string, number][] = st.firedOrder.map((n) => [detectorNames[n], counts[n]]);
    fired.sort((a, b) => b[1] - a[1]);
    if (fired.length) reasons.push(`detectors fired: ${fired.map(([d, n]) => `${d} on ${thousands(n)} flow${n === 1 ? '' : 's'}`).join(', ')}`);
    detectorsFired = Object.fromEntries(fired);
  }
  let attackClasses: Record<string, number> = {};
  if (st.classes !== null) {
    const classes = [...st.classes.entries()].sort((a, b) => b[1] - a[1]);
    reasons.push(`classifier: ${classes.map(([c, n]) => `${c} ×${thousands(n)}`).join(', ')}`);
    attackClasses = Object.fromEntries(classes);
  }
  if (r.decidedBy === 'volume' && r.zVolume > 2) {
    // "many add up" only when the flows besides the most unusual one are unusual together: with two
    // flows, one far out (already "1 of 2 flows above the flow risk threshold") and one ordinary, the
    // volume view wins only because the peak view is corrected for the number of flows, and that
    // sentence sent users looking for a pattern that was not there (seen on 151 of an ordinary
    // capture's sources)
    const rest = volumeZ(st.sumZ - st.maxZ, st.flows - 1);
    if (rest > 2) reasons.push(`many mildly unusual flows add up (volume z ${r.zVolume.toFixed(1)} over ${thousands(st.flows)} ${plural(st.flows, 'flow')})`);
    else if (!st.risky) reasons.push(`its ${thousands(st.flows)} ${plural(st.flows, 'flow')} together are unusual (volume z ${r.zVolume.toFixed(1)}; the most unusual flow z ${st.maxZ.toFixed(1)})`);
  }
  // distinct rule ids in first-seen order (most sources have none, many have one)
  const rules: string[] = [];
  for (const f of findings) if (!rules.includes(f.ruleId)) rules.push(f.ruleId);
  return {
    ip,
    risk: r.risk,
    flows: st.flows,
    peakFlowRisk: st.maxRisk,
    meanFlowRisk: st.flows ? st.sumRisk / st.flows : 0,
    riskyFlows: st.risky,
    decidedBy: r.decidedBy,
    detectorsFired,
    attackClasses,
    rules,
    // isoTime: the text of toISOString without a Date per row (two per source)
    // the first and last evidence, flows or findings: an ARP scan (no flow for a silent address)
    // begun before the source's first flow left first_seen at that flow
    ...seenSpan(st.firstSeen, st.lastSeen, findings),
    reasons,
  };
}

/**
 * A source's first and last evidence: its flows' span widened by its findings' (packet detectors
 * see what makes no flow: ARP, unanswered echoes). Times the findings carry that do not parse are
 * passed over; with neither, null.
 */
function seenSpan(flowFirst: number, flowLast: number, findings: readonly Finding[]): { firstSeen: string | null; lastSeen: string | null } {
  let first = flowFirst;
  let last = flowLast;
  for (const f of findings) {
    const a = f.firstSeen ? Date.parse(f.firstSeen) : NaN;
    const b = f.lastSeen ? Date.parse(f.lastSeen) : NaN;
    if (Number.isFinite(a)) {
      if (!(a >= first)) first = a;
      if (!(a <= last)) last = a;
    }
    if (Number.isFinite(b) && !(b <= last)) last = b;
  }
  return { firstSeen: Number.isFinite(first) ? isoTime(first) : null, lastSeen: Number.isFinite(last) ? isoTime(last) : null };
}
