/**
 * The slots of a rule's open episodes, by the episode's source address id: whether a source is in
 * one (a map lookup), and which (so the analysis can ask each one's time span, to lend its evidence
 * only to flows of the source near it: "Rule order" in docs/architecture.md), without visiting every
 * open episode of the rule per source.
 *
 * Not here: what an episode is or when it opens and closes (bucket.ts, beaconing.ts).
 */
export class OpenBySource {
  private readonly bySrc = new Map<number, number[]>();

  /** `counts`: the engine's tally of every rule's sources with an open episode, kept up to date from here */
  constructor(private readonly counts: OpenSourceCounts | null = null) {}

  get size(): number {
    return this.bySrc.size;
  }

  has(src: number): boolean {
    return this.bySrc.has(src);
  }

  add(src: number, slot: number): void {
    const list = this.bySrc.get(src);
    if (list) list.push(slot);
    else {
      this.bySrc.set(src, [slot]);
      this.counts?.add(src, 1);
    }
  }

  delete(src: number, slot: number): void {
    const list = this.bySrc.get(src);
    if (!list) return;
    const i = list.indexOf(slot);
    if (i < 0) return;
    list[i] = list[list.length - 1];
    list.pop();
    if (list.length === 0) {
      this.bySrc.delete(src);
      this.counts?.add(src, -1);
    }
  }

  /** the slots of the source's open episodes (empty for none); do not keep or change */
  slots(src: number): readonly number[] {
    return this.bySrc.get(src) ?? NONE;
  }

  sources(): IterableIterator<number> {
    return this.bySrc.keys();
  }

  clear(): void {
    if (this.counts) for (const src of this.bySrc.keys()) this.counts.add(src, -1);
    this.bySrc.clear();
  }
}

/**
 * Per source address id, how many rules have an open episode about it: the engine asks this before
 * asking each rule (most sources of a batch have none, and a question per rule and source was a
 * visible share of the rules stage). Only sums: while the address table is compacted, rules remove
 * their sources under the old ids and add them under the new ones one rule after another, and the
 * tally is right again once every rule has, whatever ids the two generations share.
 */
export class OpenSourceCounts {
  private n = new Int32Array(1024);

  add(src: number, d: number): void {
    if (src >= this.n.length) {
      const grown = new Int32Array(Math.max(src + 1, this.n.length * 2));
      grown.set(this.n);
      this.n = grown;
    }
    this.n[src] += d;
  }

  /** whether some rule has an open episode about source `src` */
  has(src: number): boolean {
    return src < this.n.length && this.n[src] > 0;
  }
}

const NONE: readonly number[] = [];
