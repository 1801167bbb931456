/**
 * Small helpers the packet detectors (*-watch.ts) share to build their findings: capture times
 * (epoch microseconds) as ISO text, and a bounded "distinct values" set whose count becomes a lower
 * bound once its cap is reached (so one source cannot grow a detector's memory without limit).
 */
import type { FindingTargets } from '../detect/finding.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from '../detect/ip-address.js';

export const isoMicros = (us: number): string => new Date(us / 1000).toISOString();

/** Distinct values up to `cap`; `sample` keeps the first `sampleSize` in order of arrival. */
export class CappedSet<T> {
  private readonly set = new Set<T>();
  readonly sample: T[] = [];
  capped = false;

  constructor(
    private readonly cap: number,
    private readonly sampleSize: number,
  ) {}

  add(v: T): void {
    if (this.set.has(v)) return;
    if (this.set.size >= this.cap) {
      this.capped = true;
      return;
    }
    this.set.add(v);
    if (this.sample.length < this.sampleSize) this.sample.push(v);
  }

  has(v: T): boolean {
    return this.set.has(v);
  }

  get size(): number {
    return this.set.size;
  }
}

export function findingTargets(ips: CappedSet<string> | null, ports: CappedSet<number> | null): FindingTargets {
  return {
    ips: ips ? [...ips.sample] : [],
    ipCount: ips ? ips.size : 0,
    ports: ports ? [...ports.sample] : [],
    portCount: ports ? ports.size : 0,
    countsCapped: Boolean(ips?.capped || ports?.capped),
  };
}

/** An address list setting (already validated by rules-config) as a membership test on address text. */
export function addressMatcher(cidrs: readonly string[]): (ip: string | null) => boolean {
  const blocks = cidrs.map((c) => parseCidr(c)).filter((c): c is Cidr => typeof c !== 'string');
  return (ip) => {
    if (ip === null || blocks.length === 0) return false;
    const a = parseIp(ip);
    return a !== null && blocks.some((b) => cidrContains(b, a));
  };
}

/**
 * A 30-bit hash of a directed address-and-port tuple held in the decoder's words: 30 bits so the
 * key stays a small integer for V8 (a full 32-bit value would be a heap number, allocated per lookup).
 */
export function tupleHash(src: Uint32Array, dst: Uint32Array, sport: number, dport: number): number {
  let h = 0x811c9dc5 ^ ((sport << 16) | dport);
  for (let i = 0; i < 4; i++) {
    h = Math.imul(h ^ src[i], 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h ^ dst[i], 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h & 0x3fffffff;
}
