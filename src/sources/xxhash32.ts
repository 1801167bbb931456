/**
 * XXH32 (xxHash's 32-bit hash, as its specification doc/xxhash_spec.md defines it), fed piece by
 * piece: the checksums of an LZ4 frame (its header byte, each block's, and the whole content's)
 * are XXH32 with seed 0. Written here, not taken from a package: it is thirty lines of arithmetic,
 * the npm ones hash whole buffers (an LZ4 capture's content is gigabytes, streamed) or are native.
 */

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);
}

function lane(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

export class Xxh32 {
  private v1: number;
  private v2: number;
  private v3: number;
  private v4: number;
  /** bytes of a 16-byte stripe not complete yet */
  private readonly held = new Uint8Array(16);
  private heldLength = 0;
  /** bytes hashed so far, modulo 2^32 as the specification adds it */
  private length = 0;
  /** a whole 16-byte stripe was hashed (the input is 16 bytes or more) */
  private striped = false;

  constructor(private readonly seed = 0) {
    this.v1 = (seed + P1 + P2) | 0;
    this.v2 = (seed + P2) | 0;
    this.v3 = seed | 0;
    this.v4 = (seed - P1) | 0;
  }

  update(data: Uint8Array, start = 0, end = data.length): this {
    this.length = (this.length + (end - start)) | 0;
    let i = start;
    if (this.heldLength > 0) {
      const take = Math.min(16 - this.heldLength, end - i);
      this.held.set(data.subarray(i, i + take), this.heldLength);
      this.heldLength += take;
      i += take;
      if (this.heldLength < 16) return this;
      this.stripe(this.held, 0);
      this.heldLength = 0;
    }
    for (; i + 16 <= end; i += 16) this.stripe(data, i);
    if (i < end) {
      this.held.set(data.subarray(i, end), 0);
      this.heldLength = end - i;
    }
    return this;
  }

  private stripe(b: Uint8Array, i: number): void {
    this.striped = true;
    this.v1 = round(this.v1, lane(b, i));
    this.v2 = round(this.v2, lane(b, i + 4));
    this.v3 = round(this.v3, lane(b, i + 8));
    this.v4 = round(this.v4, lane(b, i + 12));
  }

  /** the hash of everything given so far, as an unsigned 32-bit number */
  digest(): number {
    // fewer than 16 bytes in all: the accumulators were never used
    let h = this.striped ? (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) | 0 : (this.seed + P5) | 0;
    h = (h + this.length) | 0;
    const b = this.held;
    let i = 0;
    for (; i + 4 <= this.heldLength; i += 4) h = Math.imul(rotl((h + Math.imul(lane(b, i), P3)) | 0, 17), P4);
    for (; i < this.heldLength; i++) h = Math.imul(rotl((h + Math.imul(b[i], P5)) | 0, 11), P1);
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

/** XXH32 of one buffer. */
export function xxh32(data: Uint8Array, seed = 0): number {
  return new Xxh32(seed).update(data).digest();
}
