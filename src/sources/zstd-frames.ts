/**
 * The frames of a zstd stream (RFC 8878 §3.1) walked as the bytes arrive, before the in-process
 * decoder sees them, to refuse a frame whose window is larger than 128 MiB: fzstd allocates the
 * window a frame header claims (up to 2 GB) at once, so a garbled or hostile header could take
 * that much memory; `zstd -d` refuses such frames by default too ("Frame requires too much memory
 * for decoding", its windowLogMax of 27). Only the framing is read: frame headers, block headers
 * (type and size, to find the next one), checksums, skippable frames.
 */

/** zstd's default largest window when decompressing (2^27 bytes) */
export const MAX_WINDOW = 1 << 27;

const MAGIC = 0xfd2fb528;
const HEADER = 0;
const BLOCK_HEADER = 1;
const SKIP = 2;
const SKIPPABLE_SIZE = 3;

export class ZstdFrameWalker {
  private state = HEADER;
  /** bytes of a header not complete yet */
  private held: Uint8Array = new Uint8Array(0);
  /** bytes to pass over (a block's body, a checksum, a skippable frame's content) */
  private skip = 0;
  /** the frame being walked ends with a 4-byte checksum */
  private checksum = false;

  /**
   * Walk `chunk`; a description of what is wrong (a frame's window too large, a reserved block type,
   * not a frame at all) when the stream cannot be decoded within bounds, else undefined.
   */
  walk(chunk: Uint8Array): string | undefined {
    let at = 0;
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        if (this.skip > 0) return undefined;
        if (this.state === SKIP) this.state = HEADER;
      }
      if (at >= chunk.length) return undefined;
      const need = this.need();
      if (need < 0) return 'not a zstd frame';
      // gather the header's bytes (a chunk may end inside one)
      if (this.held.length < need) {
        const take = Math.min(need - this.held.length, chunk.length - at);
        this.held = Buffer.concat([this.held, chunk.subarray(at, at + take)]);
        at += take;
        if (this.held.length < need) return undefined;
        // a frame header's length is known from its first bytes: ask again with them
        if (this.need() !== need) continue;
      }
      const h = this.held;
      this.held = new Uint8Array(0);
      const wrong = this.state === HEADER ? this.frameHeader(h) : this.state === SKIPPABLE_SIZE ? this.skippableSize(h) : this.blockHeader(h);
      if (wrong !== undefined) return wrong;
    }
  }

  /** Bytes the header being gathered takes, as far as its bytes held so far tell; -1 when it is no frame. */
  private need(): number {
    if (this.state === SKIPPABLE_SIZE) return 4;
    if (this.state === BLOCK_HEADER) return 3;
    const h = this.held;
    if (h.length < 4) return 4;
    const magic = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
    if (magic >>> 4 === 0x184d2a5) return 4; // a skippable frame: its size follows
    if (magic !== MAGIC) return -1;
    if (h.length < 5) return 5;
    const fhd = h[4];
    const single = (fhd >> 5) & 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3];
    const fcsFlag = fhd >> 6;
    const fcsBytes = fcsFlag ? 1 << fcsFlag : single;
    return 5 + (single ? 0 : 1) + dictBytes + fcsBytes;
  }

  private frameHeader(h: Uint8Array): string | undefined {
    const magic = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
    if (magic >>> 4 === 0x184d2a5) {
      this.state = SKIPPABLE_SIZE;
      return undefined;
    }
    const fhd = h[4];
    if (fhd & 8) return 'a frame header with its reserved bit set';
    const single = (fhd >> 5) & 1;
    this.checksum = ((fhd >> 2) & 1) === 1;
    let window: number;
    if (!single) {
      const wd = h[5];
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    } else {
      // the window is the frame's content size
      const dictBytes = [0, 1, 2, 4][fhd & 3];
      const fcsFlag = fhd >> 6;
      const at = 5 + dictBytes;
      const n = fcsFlag ? 1 << fcsFlag : 1;
      window = 0;
      for (let i = n - 1; i >= 0; i--) window = window * 256 + h[at + i];
      if (fcsFlag === 1) window += 256;
    }
    if (window > MAX_WINDOW) return `a frame needs a ${Math.round(window / 1048576)} MiB window, more than the ${MAX_WINDOW / 1048576} MiB zstd -d allows`;
    this.state = BLOCK_HEADER;
    return undefined;
  }

  private blockHeader(h: Uint8Array): string | undefined {
    const v = h[0] | (h[1] << 8) | (h[2] << 16);
    const last = v & 1;
    const type = (v >> 1) & 3;
    const size = v >>> 3;
    if (type === 3) return 'a block of the reserved type';
    this.skip = type === 1 ? 1 : size; // an RLE block's body is its one byte
    if (last) {
      this.state = HEADER;
      this.skip += this.checksum ? 4 : 0;
    }
    return undefined;
  }

  private skippableSize(h: Uint8Array): string | undefined {
    this.skip = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
    this.state = this.skip > 0 ? SKIP : HEADER;
    return undefined;
  }
}
