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

  get size(): number {
    return this.bySrc.size;
  }

  has(src: number): boolean {
    return this.bySrc.has(src);
  }

  add(src: number, slot: number): void {
    const list = this.bySrc.get(src);
    if (list) list.push(slot);
    else this.bySrc.set(src, [slot]);
  }

  delete(src: number, slot: number): void {
    const list = this.bySrc.get(src);
    if (!list) return;
    const i = list.indexOf(slot);
    if (i < 0) return;
    list[i] = list[list.length - 1];
    list.pop();
    if (list.length === 0) this.bySrc.delete(src);
  }

  /** the slots of the source's open episodes (empty for none); do not keep or change */
  slots(src: number): readonly number[] {
    return this.bySrc.get(src) ?? NONE;
  }

  sources(): IterableIterator<number> {
    return this.bySrc.keys();
  }

  clear(): void {
    this.bySrc.clear();
  }
}

const NONE: readonly number[] = [];
