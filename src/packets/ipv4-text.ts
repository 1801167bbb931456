/**
 * IPv4 addresses' dotted-quad texts, cached: the flow batches name every flow's addresses
 * (capture-flow-batch.ts), and the packet detectors that key their tables by address text (ICMP
 * ping sweeps and floods, stealth scans: decoded-packet.ts addressTextMemo) meet the same hosts
 * again and again. A direct-mapped table by a hash of the address: a lookup is a multiply and two
 * array reads, and a new address replaces the one in its entry. (The detectors' memo was a Map
 * emptied when full: on a capture of ever new hosts (a scan, a replay re-addressed per copy) every
 * address missed, and its Map.set, growth and clearing cost more than the text itself.)
 */
export class Ipv4TextCache {
  /** the address in each entry; -1, no address's value, marks an empty one */
  private readonly keys: Float64Array;
  private readonly texts: string[];
  private readonly mask: number;

  /** `size`: entries, a power of two */
  constructor(size: number) {
    this.keys = new Float64Array(size).fill(-1);
    this.texts = new Array<string>(size).fill('');
    this.mask = size - 1;
  }

  /** The text of the address `a` (0 … 2^32 − 1). */
  text(a: number): string {
    let h = Math.imul(a, 0x9e3779b1);
    h ^= h >>> 15;
    const i = h & this.mask;
    if (this.keys[i] === a) return this.texts[i];
    const t = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
    this.keys[i] = a;
    this.texts[i] = t;
    return t;
  }
}
