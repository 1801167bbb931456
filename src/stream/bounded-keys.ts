/**
 * A set of keys with a ceiling, for the state a worker that never ends keeps in memory (the
 * finding keys already emitted, so an episode the rules report twice is stored once): past
 * `capacity` the least recently added or touched key is dropped and counted. An evicted key that
 * comes back is emitted again, which the store's alert keys then turn into a no-op, so eviction
 * costs a store round trip, never a duplicate alert.
 */
export class BoundedKeys {
  private readonly keys = new Set<string>();
  evictions = 0;

  constructor(
    readonly capacity: number,
    private readonly onEvict?: (n: number) => void,
  ) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
  }

  get size(): number {
    return this.keys.size;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** true when the key was new; a known key becomes the most recent */
  add(key: string): boolean {
    if (this.keys.delete(key)) {
      this.keys.add(key);
      return false;
    }
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      // a Set iterates in insertion order: the first key is the least recent
      const oldest = this.keys.values().next().value as string;
      this.keys.delete(oldest);
      this.evictions++;
      this.onEvict?.(1);
    }
    return true;
  }
}
