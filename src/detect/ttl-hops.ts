/**
 * Hop-count changes per source, from the TTL of its packets at the sensor: a host sends with an
 * initial TTL of 64 (Linux, macOS), 128 (Windows) or 255 (network gear), so the observed TTL tells
 * how many routers the packets crossed (initial = the smallest of 64/128/255 not below the
 * observed value). One source seen at hop counts more than `maxHopChange` apart is either two
 * machines claiming one address (spoofing) or a route change; the finding says which numbers.
 *
 * A flow implying more than `maxPathHops` (32) hops is left out: no route is that long (traceroute
 * itself stops at 30), so such a TTL was set small on purpose by the sender: traceroute, mtr,
 * tcptraceroute probes leave a host with TTL 1, 2, 3, ... and, beside the same host's ordinary
 * traffic (TTL 64 or 128 at zero hops), looked like a jump of 60 hops. (A host with an initial TTL
 * of 32, rare now, is left out by the same test: it is read as 64 minus 30-odd hops.)
 *
 * A failed attempt (no data, refused or unanswered: a flow with conn_state S0/REJ/..., or no payload
 * either way, when the input tells) is left out too: its TTL is the prober's choice, not a
 * distance. nmap randomises the TTL of every probe it crafts (37 to 59: SYN, FIN/Xmas/NULL, ACK and
 * UDP scans alike), so every nmap scan read as one source 5 and 27 hops away, "another machine using
 * the address", beside the scan findings; a spoofed SYN flood's sources are left to the flood rules.
 * For the same reason a flow that got no packet back and an ICMP flow are left out: nmap -O's probes
 * (a UDP datagram with data to a closed port, ICMP echoes with data, both answered only by ICMP or
 * in the ICMP flow) carry one random TTL and data, and read as "another machine" 14 hops away; ping
 * and traceroute set their TTL at will too. The rule looks at conversations: a flow answered in kind.
 *
 * Own state rather than a bucket spec: the test is on a spread (max - min), not a count. Memory is
 * one small record per source, dropped after `windowSeconds` of quiet or when the rule's group
 * limit is reached (least recently seen first).
 *
 * Not here: passive OS fingerprinting, or IPv6 hop limits from a separate column (a `ttl` column
 * holding hop limits works the same way).
 */
import { FLAG_FAILED, type Batch } from './batch.js';
import { compareFindings, formatSpan, isoTime, type Finding } from './finding.js';
import { SlotTable } from './slot-table.js';
import type { RuleContext, RuleInfo, RuleRunner } from './rule-runner.js';
import type { TtlHopsConfig } from './rules-config.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';
import { forgetLeastRecent, forgetQuiet } from './slot-expiry.js';

/** The initial TTL a host most likely used, given a TTL seen on the way. */
export function initialTtl(observed: number): number {
  return observed <= 64 ? 64 : observed <= 128 ? 128 : 255;
}

const FIELDS = 9;
const F_LAST = 0;
const F_FIRST = 1;
const F_FLOWS = 2;
const F_MIN_HOPS = 3;
const F_MAX_HOPS = 4;
const F_MIN_TTL = 5;
const F_MAX_TTL = 6;
const F_MIN_ROW = 7;
const F_MAX_ROW = 8;

export class TtlHopRunner implements RuleRunner {
  readonly info: RuleInfo;
  private readonly table = SlotTable.direct();
  private readonly out: Finding[] = [];
  private evicted = 0;
  private lastSweep = -Infinity;
  // per-slot state (struct of arrays, see slot-table.ts for why)
  private slots = 0;
  private high = 0;
  private readonly freeSlots: number[] = [];
  private src: Int32Array = new Int32Array(0);
  private num: Float64Array = new Float64Array(0);
  /** 1 = alive, 2 = alive and the spread exceeded the limit; bit 4 = a flow had no time */
  private state: Uint8Array = new Uint8Array(0);
  /** distinct TTLs seen, 256 bits per slot */
  private ttls: Uint32Array = new Uint32Array(0);

  constructor(
    private readonly cfg: TtlHopsConfig,
    private readonly ctx: RuleContext,
  ) {
    this.info = { id: 'spoofing.ttl-hop-change', title: 'Hop count of a source changed', category: 'spoofing', severity: cfg.severity, requires: ['srcIp', 'ttl'] };
    this.grow(256);
  }

  private grow(n: number): void {
    const src = new Int32Array(n);
    src.set(this.src);
    const num = new Float64Array(n * FIELDS);
    num.set(this.num);
    const state = new Uint8Array(n);
    state.set(this.state);
    const ttls = new Uint32Array(n * 8);
    ttls.set(this.ttls);
    this.src = src;
    this.num = num;
    this.state = state;
    this.ttls = ttls;
    this.slots = n;
  }

  private allocate(id: number): number {
    let s = this.freeSlots.pop();
    const reused = s !== undefined;
    if (s === undefined) {
      if (this.high === this.slots) this.grow(this.slots * 2);
      s = this.high++;
    }
    this.src[s] = id;
    const o = s * FIELDS;
    // a slot never used before is still zero (grown arrays start zeroed, slots are used from the
    // bottom up); a reused one is cleared by loops, not fill(0, from, to): a builtin call per
    // source costs more than these few stores
    if (reused) for (let i = o; i < o + FIELDS; i++) this.num[i] = 0;
    this.num[o + F_LAST] = -Infinity;
    this.num[o + F_FIRST] = Infinity;
    this.num[o + F_MIN_HOPS] = Infinity;
    this.num[o + F_MAX_HOPS] = -Infinity;
    if (reused) for (let i = s * 8; i < s * 8 + 8; i++) this.ttls[i] = 0;
    this.state[s] = 1;
    this.table.set(id, -1, s);
    return s;
  }

  private release(s: number): void {
    this.table.delete(this.src[s], -1);
    this.state[s] = 0;
    this.freeSlots.push(s);
  }

  /**
   * Room for every source the batch can add, made at once (as bucket.ts does for groups of one
   * address): doubling through a capture's first batch, a new source per few flows, copied the
   * state about twice over. New sources are bounded by the batch's distinct source addresses.
   */
  private reserve(b: Batch): void {
    const column = b.fields.srcIp;
    if (!column) return;
    const need = this.high + Math.min(b.n, column.dictionary.length) - this.freeSlots.length;
    if (need <= this.slots) return;
    let slots = this.slots;
    while (slots < need) slots *= 2;
    this.grow(slots);
  }

  observe(b: Batch): void {
    const src = b.src as Int32Array;
    const ttl = b.ttl as Float64Array;
    const order = b.order;
    const max = this.ctx.limits.maxGroupsPerRule;
    const W = this.cfg.windowSeconds * 1000;
    const limit = this.cfg.maxHopChange;
    const maxPath = this.cfg.maxPathHops;
    // failed attempts (when the input tells): a probe's TTL is whatever its crafter set
    const failed = (b.flagsKnown & FLAG_FAILED) !== 0 ? b.flags : null;
    // so is an unanswered one's (no packet back) and an ICMP message's (see the top comment)
    const back = b.bwdPackets;
    const proto = b.proto;
    this.reserve(b);
    for (let i = 0; i < b.n; i++) {
      const r = order ? order[i] : i;
      const id = src[r];
      const t8 = ttl[r];
      if (id < 0 || !(t8 >= 1 && t8 <= 255)) continue;
      if (failed && failed[r] & FLAG_FAILED) continue;
      if ((back && back[r] === 0) || (proto && (proto[r] === 1 || proto[r] === 58))) continue;
      const ttlInt = Math.round(t8);
      const hops = initialTtl(ttlInt) - ttlInt;
      // more hops than any route has: a TTL set small on purpose (traceroute), not a distance
      if (hops > maxPath) continue;
      let s = this.table.get(id, -1);
      if (s < 0) {
        if (this.table.size >= max) this.relieve();
        s = this.allocate(id);
      }
      const num = this.num;
      const o = s * FIELDS;
      const t = b.time[r] < num[o + F_LAST] ? num[o + F_LAST] : b.time[r];
      if (num[o + F_FLOWS] > 0 && t - num[o + F_LAST] > W) {
        // quiet for a window: report what there was and start afresh
        this.close(s);
        this.release(s);
        s = this.allocate(id);
      }
      const p = s * FIELDS;
      const row = b.rowOffset + r;
      if (hops < num[p + F_MIN_HOPS]) {
        num[p + F_MIN_HOPS] = hops;
        num[p + F_MIN_TTL] = ttlInt;
        num[p + F_MIN_ROW] = row;
      }
      if (hops > num[p + F_MAX_HOPS]) {
        num[p + F_MAX_HOPS] = hops;
        num[p + F_MAX_TTL] = ttlInt;
        num[p + F_MAX_ROW] = row;
      }
      this.ttls[s * 8 + (ttlInt >>> 5)] |= 1 << (ttlInt & 31);
      if (num[p + F_MAX_HOPS] - num[p + F_MIN_HOPS] > limit) this.state[s] |= 2;
      if (!b.hasTime) this.state[s] |= 4;
      num[p + F_FLOWS]++;
      if (t < num[p + F_FIRST]) num[p + F_FIRST] = t;
      num[p + F_LAST] = t;
    }
  }

  private close(s: number): void {
    if ((this.state[s] & 2) === 0) return;
    const num = this.num;
    const o = s * FIELDS;
    const ip = this.ctx.interner.text(this.src[s]);
    const ttls: number[] = [];
    for (let v = 0; v < 256 && ttls.length < this.ctx.limits.sampleSize; v++) if (this.ttls[s * 8 + (v >>> 5)] & (1 << (v & 31))) ttls.push(v);
    const timed = (this.state[s] & 4) === 0;
    const span = timed ? (num[o + F_LAST] - num[o + F_FIRST]) / 1000 : null;
    const minHops = num[o + F_MIN_HOPS];
    const maxHops = num[o + F_MAX_HOPS];
    const change = maxHops - minHops;
    this.out.push({
      ruleId: this.info.id,
      title: this.info.title,
      category: this.info.category,
      severity: this.info.severity,
      srcIp: ip,
      targets: { ips: [], ipCount: 0, ports: [], portCount: 0, countsCapped: false },
      firstSeen: isoTime(num[o + F_FIRST], timed),
      lastSeen: isoTime(num[o + F_LAST], timed),
      count: num[o + F_FLOWS],
      evidence: {
        minHops,
        maxHops,
        hopChange: change,
        ttlAtMinHops: num[o + F_MIN_TTL],
        ttlAtMaxHops: num[o + F_MAX_TTL],
        ttlsSeen: ttls,
        threshold: this.cfg.maxHopChange,
        flows: num[o + F_FLOWS],
        durationSeconds: span,
      },
      rows: [num[o + F_MIN_ROW], num[o + F_MAX_ROW]].sort((a, b) => a - b),
      reason:
        `${ip} was seen ${minHops} ${plural(minHops, 'hop')} away (TTL ${num[o + F_MIN_TTL]}) and ${maxHops} ${plural(maxHops, 'hop')} away (TTL ${num[o + F_MAX_TTL]}) within ${formatSpan(span)}: ` +
        `a change of ${change} hops (more than ${this.cfg.maxHopChange}) suggests another machine using the address, or a route change.`,
    });
  }

  /** the watermark at which this rule's next sweep falls due */
  nextSweepMs(): number {
    return this.lastSweep + this.cfg.windowSeconds * 1000;
  }

  sweep(watermarkMs: number, force: boolean): void {
    const W = this.cfg.windowSeconds * 1000;
    if (!force && watermarkMs - this.lastSweep < W) return;
    this.lastSweep = watermarkMs;
    forgetQuiet(this.state, this.num, FIELDS, F_LAST, this.high, force ? Infinity : watermarkMs - W, (s) => {
      this.close(s);
      this.release(s);
    });
  }

  /** Over the group limit: forget the least recently seen quarter (reporting those over the limit). */
  private relieve(): void {
    const target = Math.floor(this.ctx.limits.maxGroupsPerRule * 0.75);
    this.evicted += forgetLeastRecent(this.state, this.num, FIELDS, F_LAST, this.high, this.table.size, this.table.size - target, (s) => {
      this.close(s);
      this.release(s);
    });
  }

  drain(): Finding[] {
    return this.out.splice(0, this.out.length).sort(compareFindings);
  }

  remapIds(remap: (oldId: number) => number): void {
    this.table.clear();
    for (let s = 0; s < this.high; s++) {
      if (this.state[s] === 0) continue;
      this.src[s] = remap(this.src[s]);
      this.table.set(this.src[s], -1, s);
    }
  }

  groups(): number {
    return this.table.size;
  }

  notes(): string[] {
    return this.evicted > 0 ? [`memory limit reached: ${thousands(this.evicted)} ${plural(this.evicted, 'source')} forgotten early; raise limits.maxGroupsPerRule to track more`] : [];
  }
}
