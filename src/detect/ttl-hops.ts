/**
 * Hop-count changes per source, from the TTL of its packets at the sensor: a host sends with an
 * initial TTL of 64 (Linux, macOS), 128 (Windows) or 255 (network gear), so the observed TTL tells
 * how many routers the packets crossed (initial = the smallest of 64/128/255 not below the
 * observed value). One source seen at hop counts more than `maxHopChange` apart is either two
 * machines claiming one address (spoofing) or a route change; the finding says which numbers.
 *
 * Own state rather than a bucket spec: the test is on a spread (max - min), not a count. Memory is
 * one small record per source, dropped after `windowSeconds` of quiet or when the rule's group
 * limit is reached (least recently seen first).
 *
 * Not here: passive OS fingerprinting, or IPv6 hop limits from a separate column (a `ttl` column
 * holding hop limits works the same way).
 */
import type { Batch } from './batch.js';
import { compareFindings, formatSpan, isoTime, type Finding } from './finding.js';
import { GroupIndex, KeyLayout, type Keyed } from './group-index.js';
import type { RuleContext, RuleInfo, RuleRunner } from './rule-runner.js';
import type { TtlHopsConfig } from './rules-config.js';

/** The initial TTL a host most likely used, given a TTL seen on the way. */
export function initialTtl(observed: number): number {
  return observed <= 64 ? 64 : observed <= 128 ? 128 : 255;
}

class SourceHops implements Keyed {
  k1 = 0;
  k2 = -1;
  lastMs = -Infinity;
  firstMs = Infinity;
  src = -1;
  flows = 0;
  minHops = Infinity;
  maxHops = -Infinity;
  minTtl = 0;
  maxTtl = 0;
  minRow = -1;
  maxRow = -1;
  /** whether the spread has exceeded the limit (a finding at close) */
  over = false;
  timed = true;
  /** distinct TTLs seen, as a 256-bit set */
  readonly ttls = new Uint32Array(8);
}

export class TtlHopRunner implements RuleRunner {
  readonly info: RuleInfo;
  private readonly index = new GroupIndex<SourceHops>(new KeyLayout(['ip']));
  private readonly out: Finding[] = [];
  private evicted = 0;

  constructor(
    private readonly cfg: TtlHopsConfig,
    private readonly ctx: RuleContext,
  ) {
    this.info = { id: 'spoofing.ttl-hop-change', title: 'Hop count of a source changed', category: 'spoofing', severity: cfg.severity, requires: ['srcIp', 'ttl'] };
  }

  observe(b: Batch): void {
    const src = b.src as Int32Array;
    const ttl = b.ttl as Float64Array;
    const order = b.order;
    const max = this.ctx.limits.maxGroupsPerRule;
    const W = this.cfg.windowSeconds * 1000;
    for (let i = 0; i < b.n; i++) {
      const r = order ? order[i] : i;
      const id = src[r];
      const t8 = ttl[r];
      if (id < 0 || !(t8 >= 1 && t8 <= 255)) continue;
      let st = this.index.get(id, -1);
      if (!st) {
        if (this.index.size >= max) this.relieve();
        st = new SourceHops();
        st.k1 = id;
        st.src = id;
        this.index.set(st);
      }
      const t = b.time[r] < st.lastMs ? st.lastMs : b.time[r];
      if (st.flows > 0 && t - st.lastMs > W) {
        this.close(st);
        this.index.delete(st);
        const fresh = new SourceHops();
        fresh.k1 = id;
        fresh.src = id;
        this.index.set(fresh);
        st = fresh;
      }
      const ttlInt = Math.round(t8);
      const hops = initialTtl(ttlInt) - ttlInt;
      if (hops < st.minHops) {
        st.minHops = hops;
        st.minTtl = ttlInt;
        st.minRow = b.rowOffset + r;
      }
      if (hops > st.maxHops) {
        st.maxHops = hops;
        st.maxTtl = ttlInt;
        st.maxRow = b.rowOffset + r;
      }
      st.ttls[ttlInt >>> 5] |= 1 << (ttlInt & 31);
      if (st.maxHops - st.minHops > this.cfg.maxHopChange) st.over = true;
      st.flows++;
      if (t < st.firstMs) st.firstMs = t;
      st.lastMs = t;
      if (!b.hasTime) st.timed = false;
    }
  }

  private close(st: SourceHops): void {
    if (!st.over) return;
    const ip = this.ctx.interner.text(st.src);
    const ttls: number[] = [];
    for (let v = 0; v < 256 && ttls.length < this.ctx.limits.sampleSize; v++) if (st.ttls[v >>> 5] & (1 << (v & 31))) ttls.push(v);
    const span = st.timed ? (st.lastMs - st.firstMs) / 1000 : null;
    const change = st.maxHops - st.minHops;
    this.out.push({
      ruleId: this.info.id,
      title: this.info.title,
      category: this.info.category,
      severity: this.info.severity,
      srcIp: ip,
      targets: { ips: [], ipCount: 0, ports: [], portCount: 0, countsCapped: false },
      firstSeen: isoTime(st.firstMs, st.timed),
      lastSeen: isoTime(st.lastMs, st.timed),
      count: st.flows,
      evidence: {
        minHops: st.minHops,
        maxHops: st.maxHops,
        hopChange: change,
        ttlAtMinHops: st.minTtl,
        ttlAtMaxHops: st.maxTtl,
        ttlsSeen: ttls,
        threshold: this.cfg.maxHopChange,
        flows: st.flows,
        durationSeconds: span,
      },
      rows: [st.minRow, st.maxRow].sort((a, b) => a - b),
      reason:
        `${ip} was seen ${st.minHops} hops away (TTL ${st.minTtl}) and ${st.maxHops} hops away (TTL ${st.maxTtl}) within ${formatSpan(span)}: ` +
        `a change of ${change} hops (more than ${this.cfg.maxHopChange}) suggests another machine using the address, or a route change.`,
    });
  }

  sweep(watermarkMs: number, force: boolean): void {
    const cutoff = watermarkMs - this.cfg.windowSeconds * 1000;
    const idle: SourceHops[] = [];
    this.index.forEach((st) => {
      if (force || st.lastMs < cutoff) idle.push(st);
    });
    for (const st of idle) {
      this.close(st);
      this.index.delete(st);
    }
  }

  private relieve(): void {
    this.evicted += this.index.evictOldest(Math.floor(this.ctx.limits.maxGroupsPerRule * 0.75), (st) => this.close(st));
  }

  drain(): Finding[] {
    return this.out.splice(0, this.out.length).sort(compareFindings);
  }

  remapIds(remap: (oldId: number) => number): void {
    for (const st of this.index.takeAll()) {
      st.src = remap(st.src);
      st.k1 = st.src;
      this.index.set(st);
    }
  }

  groups(): number {
    return this.index.size;
  }

  notes(): string[] {
    return this.evicted > 0 ? [`memory limit reached: ${this.evicted} source(s) forgotten early; raise limits.maxGroupsPerRule to track more`] : [];
  }
}
