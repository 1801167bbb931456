/**
 * Stage 4 of the analysis pipeline: per-source aggregation. Every scored flow adds to its source's
 * aggregate (peak and Stouffer sum of flow evidence, detectors fired, classifier classes, risky
 * flows); at the end each source's risk joins its findings and any other evidence about it
 * (src/risk/fusion.ts), with its reasons, riskiest first. Memory: one small record per source.
 */
import { addFlow, ipRisk, newIpAggregate, type Evidence, type IpAggregate } from '../risk/fusion.js';
import type { Finding } from '../detect/finding.js';
import type { IpRow } from '../report/analysis-result.js';
import { FIRED_P, type ScoredFlows } from './score-stage.js';
import { findingEvidence, type SourceEvidence } from './evidence.js';

interface SourceState extends IpAggregate {
  fired: Map<string, number>;
  classes: Map<string, number>;
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
   * The rows of some sources (as rows() would give them, in the order asked), which are then
   * forgotten: a long-running consumer closes a source's window this way and keeps memory bounded.
   */
  take(ips: readonly string[], findings: readonly Finding[], ruleWeight: number): IpRow[];
}

const newState = (): SourceState => ({ ...newIpAggregate(), fired: new Map(), classes: new Map(), risky: 0 });

export function createSourceAggregation(): SourceAggregation {
  const ips = new Map<string, SourceState>();
  return {
    add(s) {
      for (let r = 0; r < s.rows; r++) {
        const src = s.srcIp(r);
        if (src === null) continue;
        let st = ips.get(src);
        if (!st) {
          st = newState();
          ips.set(src, st);
        }
        const risk = s.risk[r];
        addFlow(st, s.z[r], risk, s.time(r));
        // counted in detector order, as a list of the fired ones was (no array per flow)
        for (let j = 0; j < s.p.length; j++) {
          if (s.p[j][r] >= FIRED_P) st.fired.set(s.detectors[j], (st.fired.get(s.detectors[j]) ?? 0) + 1);
        }
        const ac = s.attackClass[r];
        if (ac) st.classes.set(ac, (st.classes.get(ac) ?? 0) + 1);
        if (risk >= s.flowThreshold) st.risky++;
      }
    },
    sources: () => [...ips.keys()],
    rows(findings, extra, ruleWeight) {
      const bySource = new Map<string, Finding[]>();
      for (const f of findings) {
        if (!f.srcIp) continue;
        const list = bySource.get(f.srcIp) ?? [];
        list.push(f);
        bySource.set(f.srcIp, list);
      }
      const out: IpRow[] = [];
      for (const [ip, st] of ips) out.push(one(ip, st, bySource.get(ip) ?? [], extra, ruleWeight));
      // sources only findings saw (cannot happen with rules over the same flows, but keep it total)
      for (const [ip, fs] of bySource) if (!ips.has(ip)) out.push(one(ip, newState(), fs, extra, ruleWeight));
      out.sort((a, b) => b.risk - a.risk || a.ip.localeCompare(b.ip));
      return out;
    },
    take(list, findings, ruleWeight) {
      const out: IpRow[] = [];
      for (const ip of list) {
        const st = ips.get(ip) ?? newState();
        ips.delete(ip);
        out.push(one(ip, st, findings.filter((f) => f.srcIp === ip), new Map(), ruleWeight));
      }
      return out;
    },
  };
}

function one(ip: string, st: SourceState, fs: readonly Finding[], extra: ReadonlyMap<string, readonly SourceEvidence[]>, ruleWeight: number): IpRow {
  const more = extra.get(ip) ?? [];
  const ev: Evidence[] = [...fs.map((f) => findingEvidence(f, ruleWeight)), ...more];
  return sourceRow(ip, st, ipRisk(st, ev), fs, more);
}

function sourceRow(ip: string, st: SourceState, r: ReturnType<typeof ipRisk>, findings: readonly Finding[], more: readonly SourceEvidence[]): IpRow {
  const reasons: string[] = [];
  for (const f of findings) reasons.push(f.reason);
  for (const e of more) reasons.push(e.reason);
  if (st.risky) reasons.push(`${st.risky} of ${st.flows} flows above the flow risk threshold (peak ${st.maxRisk.toFixed(4)})`);
  const fired = [...st.fired.entries()].sort((a, b) => b[1] - a[1]);
  if (fired.length) reasons.push(`detectors fired: ${fired.map(([d, n]) => `${d} on ${n} flows`).join(', ')}`);
  const classes = [...st.classes.entries()].sort((a, b) => b[1] - a[1]);
  if (classes.length) reasons.push(`classifier: ${classes.map(([c, n]) => `${c} ×${n}`).join(', ')}`);
  if (r.decidedBy === 'volume' && r.zVolume > 2) reasons.push(`many mildly unusual flows add up (volume z ${r.zVolume.toFixed(1)} over ${st.flows} flows)`);
  return {
    ip,
    risk: r.risk,
    flows: st.flows,
    peakFlowRisk: st.maxRisk,
    meanFlowRisk: st.flows ? st.sumRisk / st.flows : 0,
    riskyFlows: st.risky,
    decidedBy: r.decidedBy,
    detectorsFired: Object.fromEntries(fired),
    attackClasses: Object.fromEntries(classes),
    rules: [...new Set(findings.map((f) => f.ruleId))],
    firstSeen: Number.isFinite(st.firstSeen) ? new Date(st.firstSeen).toISOString() : (findings[0]?.firstSeen ?? null),
    lastSeen: Number.isFinite(st.lastSeen) ? new Date(st.lastSeen).toISOString() : (findings[0]?.lastSeen ?? null),
    reasons,
  };
}
