/**
 * How a group's parts (source id, destination id, port, protocol) become a two-number key for
 * SlotTable without building a string per row. Parts are packed into the first number while they
 * fit in 53 bits (an address id takes 26, a port 16, a protocol 8); the rest go to the second. So
 * (source, destination) and (source, port, protocol) use the first number only, and (source,
 * destination, port) both.
 *
 * Not here: the table itself (slot-table.ts), or what a group's state is.
 */

export type KeyPartKind = 'ip' | 'port' | 'proto';

const RADIX: Readonly<Record<KeyPartKind, number>> = { ip: 2 ** 26, port: 2 ** 16, proto: 2 ** 8 };

/** How a group's parts split into the first-level key and the optional second-level key. */
export class KeyLayout {
  /** parts [0, split) make the first key, [split, n) the second */
  readonly split: number;
  readonly radix: readonly number[];
  constructor(readonly kinds: readonly KeyPartKind[]) {
    if (kinds.length === 0) throw new Error('KeyLayout: no parts');
    this.radix = kinds.map((k) => RADIX[k]);
    let bits = 0;
    let split = 0;
    while (split < kinds.length && bits + Math.log2(this.radix[split]) <= 53) {
      bits += Math.log2(this.radix[split]);
      split++;
    }
    let rest = 0;
    for (let i = split; i < kinds.length; i++) rest += Math.log2(this.radix[i]);
    if (rest > 53) throw new Error('KeyLayout: too many parts');
    this.split = split;
  }
  /** the first-level key from parts (each already validated to be within its radix) */
  first(p0: number, p1: number, p2: number): number {
    return this.pack(0, this.split, p0, p1, p2);
  }
  /** the second-level key, or -1 when the layout has one level */
  second(p0: number, p1: number, p2: number): number {
    return this.split === this.kinds.length ? -1 : this.pack(this.split, this.kinds.length, p0, p1, p2);
  }
  private pack(from: number, to: number, p0: number, p1: number, p2: number): number {
    let k = 0;
    for (let i = from; i < to; i++) k = k * this.radix[i] + (i === 0 ? p0 : i === 1 ? p1 : p2);
    return k;
  }
}
