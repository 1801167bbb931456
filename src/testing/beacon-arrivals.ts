/**
 * Connection times for calibrating the beaconing rule (src/detect/beaconing.ts): random arrivals it
 * must stay quiet on, and timers with jitter it must find, each pair of them fed through the rule
 * engine as flows of its own. Used by beaconing.test.ts (a few thousand pairs) and by
 * src/bench/beaconing-study.ts (16,000 pairs a kind, the figures in the rule's comment and docs).
 * Test and bench support only; the product never imports it.
 */
import { categoricalColumn, numericColumn, type FlowTable } from '../flows/table.js';
import { createRuleEngine } from '../detect/run-rules.js';
import type { RulesConfigInput } from '../detect/rules-config.js';
import type { Rng } from '../util/rng.js';

/**
 * Arrivals with no timer behind them, mean gap about 20 s:
 * - poisson: exponential gaps (independent clicks, lookups);
 * - lognormal: gaps 20 s·e^N(0,1) (bursts and pauses: 5 % of gaps under 4 s, 5 % over 100 s);
 * - lognormal-0.5: gaps 20 s·e^N(0,0.5): far more regular than people (90 % within 0.44–2.3× the
 *   median), the hardest random case here;
 * - bursts: a person's page loads, 1–6 connections 0.2 s apart after a pause uniform in 20–220 s;
 * - sessions: log-normal pauses (30 s·e^N(0,1.2)), then 1–4 connections within 2 s each.
 */
export type RandomKind = 'poisson' | 'lognormal' | 'lognormal-0.5' | 'bursts' | 'sessions';

/**
 * A timer with period P (s) and jitter j:
 * - uniform: each sleep P·(1 + j·U(−1, 1)): every interval within [P(1−j), P(1+j)];
 * - normal: each sleep P·(1 + (j/2)·N(0, 1)): 95 % of intervals within ±j;
 * - sleep: Cobalt Strike's `sleep P j` (Sliver, Mythic alike): each sleep P·(1 − j·U(0, 1)), in [P(1−j), P].
 * Each beat's connection is missed with probability `missed` (the implant slept on: the next
 * interval is two sleeps), and followed with probability `extra` by one more connection at a
 * uniform time within 0.6·P (a task's output sent at once).
 */
export interface TimerShape {
  readonly jitterKind: 'uniform' | 'normal' | 'sleep';
  readonly period: number;
  readonly jitter: number;
  readonly missed: number;
  readonly extra: number;
}

/** `n` connection times (s, sorted) of a random kind. */
export function randomArrivals(kind: RandomKind, n: number, rng: Rng): number[] {
  const out: number[] = [];
  let t = 0;
  while (out.length < n) {
    switch (kind) {
      case 'poisson':
        t += -20 * Math.log(1 - rng.next());
        out.push(t);
        break;
      case 'lognormal':
        t += 20 * Math.exp(rng.normal());
        out.push(t);
        break;
      case 'lognormal-0.5':
        t += 20 * Math.exp(0.5 * rng.normal());
        out.push(t);
        break;
      case 'bursts': {
        t += 20 + 200 * rng.next();
        const k = 1 + rng.int(6);
        for (let i = 0; i < k; i++) out.push(t + i * 0.2);
        break;
      }
      case 'sessions': {
        t += 30 * Math.exp(1.2 * rng.normal());
        const k = 1 + rng.int(4);
        for (let i = 0; i < k; i++) out.push(t + 2 * rng.next());
        break;
      }
    }
  }
  return out.slice(0, n).sort((a, b) => a - b);
}

/** `n` connection times (s, sorted) of a timer of the given shape. */
export function timerArrivals(shape: TimerShape, n: number, rng: Rng): number[] {
  const { period: P, jitter: j } = shape;
  const out: number[] = [];
  let t = 0;
  while (out.length < n) {
    const sleep = shape.jitterKind === 'uniform' ? P * (1 + j * (2 * rng.next() - 1)) : shape.jitterKind === 'normal' ? P * (1 + (j / 2) * rng.normal()) : P * (1 - j * rng.next());
    t += Math.max(0.001 * P, sleep);
    if (rng.next() < shape.missed) continue;
    out.push(t);
    if (rng.next() < shape.extra) out.push(t + 0.6 * P * rng.next());
  }
  return out.slice(0, n).sort((a, b) => a - b);
}

/**
 * All pairs as one flow table in time order: pair i is 10.x.y.z → 198.51.100.1:443, each connection
 * from a new source port (a new beat, not a flow cut by the meter's timeouts).
 */
export function pairsTable(pairs: readonly (readonly number[])[]): FlowTable {
  let n = 0;
  for (const p of pairs) n += p.length;
  const pair = new Int32Array(n);
  const times = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < pairs.length; i++) {
    for (const t of pairs[i]) {
      pair[k] = i;
      times[k++] = t;
    }
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b]);
  const dict = pairs.map((_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  dict.push('198.51.100.1');
  const src = new Int32Array(n);
  const dst = new Int32Array(n).fill(pairs.length);
  const sport = new Float64Array(n);
  const time = new Float64Array(n);
  const made = new Int32Array(pairs.length);
  for (let r = 0; r < n; r++) {
    const i = order[r];
    src[r] = pair[i];
    sport[r] = 1024 + (made[pair[i]]++ % 60000);
    time[r] = 1.5e12 + times[i] * 1000;
  }
  return {
    rowCount: n,
    format: 'cicflowmeter',
    columns: [
      categoricalColumn('Src IP', 'meta', src, dict),
      numericColumn('Src Port', 'meta', sport),
      categoricalColumn('Dst IP', 'meta', dst, dict),
      numericColumn('Dst Port', 'feature', new Float64Array(n).fill(443)),
      categoricalColumn('Protocol', 'feature', new Int32Array(n), ['6']),
      numericColumn('Timestamp', 'meta', time),
    ],
  };
}

/** What the rule said of a set of pairs. */
export interface PairsVerdict {
  /** pairs with a beaconing finding */
  readonly reported: number;
  /** of those, found by the jittered (bounded spread) test rather than the steady one */
  readonly jittered: number;
  /** median number of the pair's connections up to the one that opened its finding (1-based) */
  readonly medianConnectionsToFind: number | null;
  /** each reported pair's index */
  readonly pairs: readonly number[];
}

/** The beaconing rule alone over the pairs (one flow table, in time order). */
export function beaconVerdict(pairs: readonly (readonly number[])[], config: RulesConfigInput['beaconing'] = {}): PairsVerdict {
  const off = { enabled: false };
  const engine = createRuleEngine({ portScan: off, hostSweep: off, bruteForce: off, flood: off, spoofing: off, ttlHops: off, beaconing: config }, { geoip: null });
  const table = pairsTable(pairs);
  engine.observe(table);
  const found = engine.finish().findings.filter((f) => f.ruleId === 'c2.beaconing');
  const src = (table.columns[0] as { codes: Int32Array }).codes;
  // a pair's k-th connection is its k-th row in time order
  const seen = new Int32Array(pairs.length);
  const rank = new Int32Array(table.rowCount);
  for (let r = 0; r < table.rowCount; r++) rank[r] = ++seen[src[r]];
  const at: number[] = [];
  const reported: number[] = [];
  let jittered = 0;
  for (const f of found) {
    reported.push(Number((f.srcIp as string).split('.').reduce((a, b, i) => (i === 0 ? 0 : a * 256 + Number(b)), 0)));
    if (f.evidence.timer === 'jittered') jittered++;
    if (f.rows.length > 0) at.push(rank[f.rows[0]]);
  }
  at.sort((a, b) => a - b);
  return { reported: found.length, jittered, medianConnectionsToFind: at.length > 0 ? at[(at.length - 1) >> 1] : null, pairs: reported.sort((a, b) => a - b) };
}
