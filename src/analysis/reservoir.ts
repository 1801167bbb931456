/**
 * A uniform random sample of at most `size` values from a stream of any length (Vitter's
 * algorithm R), seeded: what the risk chart plots when there are more flows than it can show.
 */
import { Rng } from '../util/rng.js';

export class Reservoir {
  private readonly buf: Float64Array;
  private n = 0;
  private readonly rng: Rng;
  constructor(private readonly size: number, seed: number) {
    this.buf = new Float64Array(size);
    this.rng = new Rng(seed);
  }
  add(v: number): void {
    if (this.n < this.size) this.buf[this.n] = v;
    else {
      const j = Math.floor(this.rng.next() * (this.n + 1));
      if (j < this.size) this.buf[j] = v;
    }
    this.n++;
  }
  get sampled(): boolean {
    return this.n > this.size;
  }
  values(): Float64Array {
    return this.buf.slice(0, Math.min(this.n, this.size));
  }
}
