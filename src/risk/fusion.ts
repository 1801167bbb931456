/**
 * Fusion helpers and the per-source rule. Per flow, evidence is combined and calibrated in
 * flow-scorer.ts (one-sided, calibrated on the baseline's reference rows); its risk r is carried on
 * as z = Φ⁻¹(r). This file turns many flows of a source into that source's risk:
 *
 * A scan is many flows that each look harmless, so an IP's risk is not the mean of its flows. Two
 * views, the stronger one counts:
 *     peak:   the largest flow z, corrected for the number of flows n (the max of n baseline
 *             z-values grows like Φ⁻¹(1 − 1/(2n)), so it is subtracted: Z_peak = max z − that);
 *     volume: Stouffer over the flows, as correlated tests: Σ z_f / sqrt(n + ρ·n(n − 1)):
 *             many mildly unusual flows add up, a busy but normal host stays near 0.
 * The flows of one source are not independent pieces of evidence: a poller (NTP, monitoring, a
 * backup every minute) repeats the same flow all day, and the plain Stouffer sum Σ z_f / sqrt(n)
 * grows like sqrt(n) for any mean z above 0: 500 flows of risk 0.9 each (none of them unusual)
 * made risk 1.0. With a within-source correlation ρ (Stouffer's variance for equicorrelated
 * tests, n + ρ·n(n−1)), volume still adds up over the first few flows but tends to mean(z)/sqrt(ρ)
 * however many there are: ρ = VOLUME_CORRELATION = 0.25 bounds it at twice the mean z, so flows
 * each below the verdict threshold (0.95, z 1.645) give at most risk Φ(3.29) = 0.9995 by volume
 * alone, while a flood whose every flow is at 0.98 (CIC-IDS2017 DDoS: mean z 2.08) still reaches
 * 0.99998. The figures of the change are in its commit and docs/architecture.md.
 * Behavioural findings about the IP (rules) join as further evidence with their own weights:
 *     Z_ip = (w_f · max(Z_peak, Z_volume) + Σ w_r z_r) / sqrt(w_f² + Σ w_r²),
 *     risk_ip = Φ(max(Z_ip, Z_peak, z_rule_max)):
 * never below the strongest single piece, so one overwhelming piece of evidence is not diluted by
 * silence. (`stoufferZ` and `riskOfZ` also serve baselines made before reference rows existed.)
 */
import { normalCdf, normalQuantile } from './normal-dist.js';

export interface Evidence {
  /** detector or rule id, e.g. "isolation-forest", "rule:port-scan" */
  readonly source: string;
  /** probability-like value, uniform on baseline traffic, higher = more unusual */
  readonly p: number;
  readonly weight: number;
}

const Z_HIGHEST = normalQuantile(1 - 1e-9);
const Z_LOWEST = normalQuantile(1e-9);

/** z of a probability, bounded so a single p of exactly 0 or 1 cannot dominate infinitely. */
export function zOf(p: number): number {
  // the bounds' z made once: p = 1 is common (a detector's calibrated p and the risk of every flow
  // far beyond the baseline), and Φ⁻¹ with its Newton step is the costly part of fusing a flow
  if (p >= 1 - 1e-9) return Z_HIGHEST;
  if (p <= 1e-9) return Z_LOWEST;
  return normalQuantile(p);
}

/** Weighted Stouffer Z over pieces of evidence (Z = 0 when there is none). */
export function stoufferZ(zs: ArrayLike<number>, weights: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < zs.length; i++) {
    num += weights[i] * zs[i];
    den += weights[i] * weights[i];
  }
  return den > 0 ? num / Math.sqrt(den) : 0;
}

export function riskOfZ(z: number): number {
  return normalCdf(z);
}

/** ρ above: the correlation assumed between the flow z's of one source (see the top of this file) */
export const VOLUME_CORRELATION = 0.25;

/** The volume view: Stouffer's Z of n flows whose z's sum to sumZ, as tests of correlation VOLUME_CORRELATION. */
export function volumeZ(sumZ: number, n: number): number {
  return n > 0 ? sumZ / Math.sqrt(n + VOLUME_CORRELATION * n * (n - 1)) : 0;
}

/** Expected maximum of n standard normal draws (approximately): what peak z a normal host reaches. */
export function expectedMaxZ(n: number): number {
  return n <= 1 ? 0 : normalQuantile(1 - 1 / (2 * n));
}

export interface IpAggregate {
  flows: number;
  sumZ: number;
  maxZ: number;
  maxRisk: number;
  sumRisk: number;
  firstSeen: number;
  lastSeen: number;
}

export function newIpAggregate(): IpAggregate {
  return { flows: 0, sumZ: 0, maxZ: -Infinity, maxRisk: 0, sumRisk: 0, firstSeen: Infinity, lastSeen: -Infinity };
}

export function addFlow(a: IpAggregate, z: number, risk: number, time: number): void {
  a.flows++;
  a.sumZ += z;
  if (z > a.maxZ) a.maxZ = z;
  if (risk > a.maxRisk) a.maxRisk = risk;
  a.sumRisk += risk;
  if (time === time) {
    if (time < a.firstSeen) a.firstSeen = time;
    if (time > a.lastSeen) a.lastSeen = time;
  }
}

export interface IpRisk {
  readonly risk: number;
  readonly z: number;
  readonly zPeak: number;
  readonly zVolume: number;
  /** which view decided: 'peak', 'volume' or a rule id */
  readonly decidedBy: string;
}

/** The documented per-IP rule above. `rules` are findings about this IP as evidence. */
export function ipRisk(a: IpAggregate, rules: readonly Evidence[], flowWeight = 1): IpRisk {
  const zPeak = a.flows ? a.maxZ - expectedMaxZ(a.flows) : 0;
  const zVolume = volumeZ(a.sumZ, a.flows);
  const zFlows = Math.max(zPeak, zVolume);
  let num = flowWeight * zFlows;
  let den = flowWeight * flowWeight;
  let zRuleMax = -Infinity;
  let ruleMax = '';
  for (const r of rules) {
    const z = zOf(r.p);
    num += r.weight * z;
    den += r.weight * r.weight;
    if (z > zRuleMax) {
      zRuleMax = z;
      ruleMax = r.source;
    }
  }
  const combined = den > 0 ? num / Math.sqrt(den) : 0;
  let z = combined;
  let decidedBy = rules.length ? 'combined' : zPeak >= zVolume ? 'peak' : 'volume';
  if (zPeak > z) {
    z = zPeak;
    decidedBy = 'peak';
  }
  if (zRuleMax > z) {
    z = zRuleMax;
    decidedBy = ruleMax;
  }
  return { risk: riskOfZ(z), z, zPeak, zVolume, decidedBy };
}
