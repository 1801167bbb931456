/**
 * LZ4-compressed input (`lz4 capture.pcap`, `.pcap.lz4`; Wireshark and tshark read
 * such captures), decoded as its bytes stream in: the frame format (lz4's doc/lz4_Frame_format.md:
 * frame descriptor and its checksum byte, blocks linked or independent, stored blocks, block and
 * content checksums, the content size), skippable frames, and the legacy format `lz4 -l` writes.
 *
 * Written here rather than taken from npm: the pure-JavaScript packages decode whole buffers only
 * (a capture is gigabytes, read a chunk at a time with memory that does not grow with it) and are
 * no longer kept; the others are native addons. The block format is small (a token, literals, a
 * 16-bit offset and a length per sequence), and decoding it needs no table.
 *
 * Memory: the largest block a frame may hold (4 MiB; 8 MiB in the legacy format) plus the 64 KiB a
 * linked block may refer back to, whatever the input's length. Damage is one error naming the byte
 * offset in the compressed input and what is wrong there; everything decoded before it has been
 * handed on. A stream that ends inside a frame is told apart from damage (`finish`).
 */
import { Xxh32, xxh32 } from './xxhash32.js';

const FRAME_MAGIC = 0x184d2204;
const LEGACY_MAGIC = 0x184c2102;
/** skippable frames: 0x184D2A50 … 0x184D2A5F */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** how far back a match may reach */
const HISTORY = 1 << 16;
/** a legacy block decodes to at most 8 MiB; compressed, to at most LZ4_compressBound of that */
const LEGACY_BLOCK = 8 << 20;
const LEGACY_BOUND = LEGACY_BLOCK + Math.floor(LEGACY_BLOCK / 255) + 16;
const BLOCK_MAX: Readonly<Record<number, number>> = { 4: 1 << 16, 5: 1 << 18, 6: 1 << 20, 7: 1 << 22 };

/** Data that is not LZ4 or is damaged: `offset` is where in the compressed input. */
export class Lz4Damage extends Error {
  constructor(
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`at byte ${offset}: ${detail}`);
  }
}

/** A block's own fault, located by the frame decoder. */
class BlockFault extends Error {}

const enum State {
  Magic,
  Descriptor,
  DescriptorRest,
  BlockSize,
  Block,
  ContentChecksum,
  SkippableSize,
  Skip,
  LegacySize,
  LegacyBlock,
}

export function isLz4Magic(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const m = (head[0] | (head[1] << 8) | (head[2] << 16) | (head[3] << 24)) >>> 0;
  return m === FRAME_MAGIC || m === LEGACY_MAGIC;
}

function u32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

export class Lz4Decoder {
  private state = State.Magic;
  /** bytes the current item (a magic number, a descriptor, a block) needs */
  private need = 4;
  /** its bytes gathered so far when a chunk ended inside it */
  private held = new Uint8Array(16);
  private have = 0;
  /** offset in the input of the current item's first byte */
  private itemAt = 0;
  /** input bytes taken so far */
  private taken = 0;
  private frames = 0;
  // the frame being decoded
  private independent = true;
  private blockChecksums = false;
  private contentChecksum: Xxh32 | undefined;
  private contentSize: number | undefined;
  private produced = 0;
  private blockMax = 0;
  private descriptor = new Uint8Array(2);
  private stored = false;
  /** decoded output: the history a linked block may refer to, then the block being decoded */
  private out = new Uint8Array(0);
  private historyLength = 0;

  /** Decodes `chunk`, handing each decoded piece to `emit` (a copy: kept as long as wanted). Throws Lz4Damage. */
  push(chunk: Uint8Array, emit: (piece: Uint8Array) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.state === State.Skip) {
        const n = Math.min(this.need, chunk.length - at);
        this.need -= n;
        at += n;
        this.taken += n;
        if (this.need === 0) this.expect(State.Magic, 4);
        continue;
      }
      const want = this.need - this.have;
      // the whole item in this chunk: read in place
      if (this.have === 0 && want <= chunk.length - at) {
        this.taken += want;
        this.item(chunk.subarray(at, at + want), emit);
        at += want;
        continue;
      }
      const take = Math.min(want, chunk.length - at);
      if (this.held.length < this.need) {
        const bigger = new Uint8Array(Math.max(this.need, this.held.length * 2));
        bigger.set(this.held.subarray(0, this.have));
        this.held = bigger;
      }
      this.held.set(chunk.subarray(at, at + take), this.have);
      this.have += take;
      this.taken += take;
      at += take;
      if (this.have === this.need) {
        this.have = 0;
        this.item(this.held.subarray(0, this.need), emit);
      }
    }
  }

  /**
   * The input has ended: 'complete' when it ended between frames, 'cut' when inside one. A block cut
   * short is decoded as far as its bytes go and handed to `emit` first (the lz4 program's blocks are
   * 4 MiB: a capture cut in its first block still gives its packets; so does the head of a file,
   * read to tell its format).
   */
  finish(emit: (piece: Uint8Array) => void): 'complete' | 'cut' {
    const between = this.have === 0 && ((this.state === State.Magic && this.frames > 0) || this.state === State.LegacySize);
    if (between) return 'complete';
    if ((this.state === State.Block || this.state === State.LegacyBlock) && this.have > 0) {
      // a block's checksum is its last 4 bytes: not data
      const data = Math.min(this.have, this.need - (this.state === State.Block && this.blockChecksums ? 4 : 0));
      try {
        this.block(this.held.subarray(0, data), emit, true);
      } catch {
        // damaged as well as cut: what came before stands
      }
    }
    return 'cut';
  }

  private expect(state: State, need: number): void {
    this.state = state;
    this.need = need;
    this.itemAt = this.taken;
  }

  private damage(detail: string, offset = this.itemAt): Lz4Damage {
    return new Lz4Damage(offset, detail);
  }

  private item(b: Uint8Array, emit: (piece: Uint8Array) => void): void {
    switch (this.state) {
      case State.Magic:
        return this.magic(u32(b, 0));
      case State.Descriptor:
        return this.descriptorStart(b);
      case State.DescriptorRest:
        return this.descriptorRest(b);
      case State.BlockSize: {
        const v = u32(b, 0);
        if (v === 0) return this.endMark();
        const size = v & 0x7fffffff;
        if (size > this.blockMax) throw this.damage(`a block of ${size} bytes, larger than the frame's largest, ${this.blockMax}`);
        this.stored = v >>> 31 === 1;
        return this.expect(State.Block, size + (this.blockChecksums ? 4 : 0));
      }
      case State.Block:
        this.block(b, emit, false);
        return this.expect(State.BlockSize, 4);
      case State.ContentChecksum: {
        const want = this.contentChecksum!.digest();
        if (u32(b, 0) !== want) throw this.damage('the content checksum does not match the decoded data');
        return this.expect(State.Magic, 4);
      }
      case State.SkippableSize:
        this.frames++;
        if (u32(b, 0) === 0) return this.expect(State.Magic, 4);
        return this.expect(State.Skip, u32(b, 0));
      case State.LegacySize: {
        const v = u32(b, 0);
        // the legacy format has no end mark: a frame's magic number after a block starts that frame
        if (v === FRAME_MAGIC || v === LEGACY_MAGIC || (v & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) return this.magic(v);
        if (v > LEGACY_BOUND) throw this.damage(`a legacy block of ${v} bytes, larger than any 8 MiB block compresses to`);
        this.stored = false;
        return this.expect(State.LegacyBlock, v);
      }
      case State.LegacyBlock:
        this.block(b, emit, false);
        return this.expect(State.LegacySize, 4);
      default:
        throw this.damage('internal state');
    }
  }

  private magic(m: number): void {
    if (m === FRAME_MAGIC) {
      this.frames++;
      return this.expect(State.Descriptor, 2);
    }
    if (m === LEGACY_MAGIC) {
      this.frames++;
      this.independent = true;
      this.blockChecksums = false;
      this.contentChecksum = undefined;
      this.contentSize = undefined;
      this.historyLength = 0;
      this.useBlockMax(LEGACY_BLOCK);
      return this.expect(State.LegacySize, 4);
    }
    if ((m & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) return this.expect(State.SkippableSize, 4);
    const hex = m.toString(16).padStart(8, '0');
    throw this.damage(this.frames === 0 ? `not an LZ4 frame: magic number 0x${hex}` : `after frame ${this.frames}: 0x${hex} is not an LZ4 frame's magic number`);
  }

  private descriptorStart(b: Uint8Array): void {
    const flg = b[0];
    const bd = b[1];
    if (flg >>> 6 !== 1) throw this.damage(`frame version ${flg >>> 6}; only version 1 is defined`);
    if (flg & 0x02 || bd & 0x8f) throw this.damage('reserved bits set in the frame descriptor');
    const max = BLOCK_MAX[(bd >>> 4) & 7];
    if (!max) throw this.damage(`block maximum size code ${(bd >>> 4) & 7}; 4 to 7 are defined`);
    if (flg & 0x01) throw this.damage('the frame needs a dictionary, lz4 -D, which the file does not carry');
    this.descriptor = Uint8Array.of(flg, bd);
    this.independent = (flg & 0x20) !== 0;
    this.blockChecksums = (flg & 0x10) !== 0;
    this.contentChecksum = flg & 0x04 ? new Xxh32() : undefined;
    this.produced = 0;
    this.historyLength = 0;
    this.useBlockMax(max);
    const rest = (flg & 0x08 ? 8 : 0) + 1;
    this.state = State.DescriptorRest;
    this.need = rest;
  }

  private descriptorRest(b: Uint8Array): void {
    const flg = this.descriptor[0];
    const all = new Uint8Array(2 + b.length - 1);
    all.set(this.descriptor, 0);
    all.set(b.subarray(0, b.length - 1), 2);
    if (((xxh32(all) >>> 8) & 0xff) !== b[b.length - 1]) throw this.damage('the frame descriptor\'s checksum does not match it');
    // the content size: a 64-bit count; above 2^53 it cannot be what any file holds
    this.contentSize = flg & 0x08 ? u32(b, 0) + u32(b, 4) * 2 ** 32 : undefined;
    this.expect(State.BlockSize, 4);
  }

  private endMark(): void {
    if (this.contentSize !== undefined && this.contentSize !== this.produced) {
      throw this.damage(`the frame says it holds ${this.contentSize} bytes but decodes to ${this.produced}`);
    }
    if (this.contentChecksum) return this.expect(State.ContentChecksum, 4);
    this.expect(State.Magic, 4);
  }

  private useBlockMax(max: number): void {
    this.blockMax = max;
    if (this.out.length < HISTORY + max) this.out = new Uint8Array(HISTORY + max);
  }

  /** One block's bytes (and its checksum), decoded after the history and handed on. */
  private block(b: Uint8Array, emit: (piece: Uint8Array) => void, cut: boolean): void {
    let data = b;
    if (this.blockChecksums && !cut) {
      data = b.subarray(0, b.length - 4);
      if (xxh32(data) !== u32(b, b.length - 4)) throw this.damage('a block\'s checksum does not match it');
    }
    const out = this.out;
    const start = this.historyLength;
    let end: number;
    if (this.stored) {
      out.set(data, start);
      end = start + data.length;
    } else {
      try {
        end = decodeBlock(data, out, start, start + this.blockMax, cut);
      } catch (e) {
        if (e instanceof BlockFault) throw this.damage(`a block: ${e.message}`);
        throw e;
      }
    }
    const piece = out.slice(start, end);
    this.produced += piece.length;
    this.contentChecksum?.update(piece);
    if (piece.length) emit(piece);
    if (this.independent) return;
    // a linked block may refer to the 64 KiB decoded before it, whichever blocks they came from
    const keep = Math.min(HISTORY, end);
    out.copyWithin(0, end - keep, end);
    this.historyLength = keep;
  }
}

/**
 * The sequences of one LZ4 block (src) decoded into dst from `d`, never past `limit`, matches
 * reaching no further back than dst's start; returns where the output ends. `cut`: the block is
 * known to be cut short, so running out of input ends it instead of being a fault.
 */
function decodeBlock(src: Uint8Array, dst: Uint8Array, d: number, limit: number, cut: boolean): number {
  let s = 0;
  const sEnd = src.length;
  for (;;) {
    if (s >= sEnd) return d;
    const token = src[s++];
    let lit = token >>> 4;
    if (lit === 15) {
      let more: number;
      do {
        if (s >= sEnd) {
          if (cut) return d;
          throw new BlockFault('it ends inside a literal length');
        }
        more = src[s++];
        lit += more;
      } while (more === 255);
    }
    if (s + lit > sEnd) {
      if (!cut) throw new BlockFault(`${lit} literal bytes run past its end`);
      lit = sEnd - s;
    }
    if (d + lit > limit) throw new BlockFault('it decodes to more than the frame\'s largest block');
    if (lit < 16) for (let i = 0; i < lit; i++) dst[d + i] = src[s + i];
    else dst.set(src.subarray(s, s + lit), d);
    s += lit;
    d += lit;
    // the last sequence is literals alone
    if (s >= sEnd) return d;
    if (s + 2 > sEnd) {
      if (cut) return d;
      throw new BlockFault('it ends inside a match offset');
    }
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new BlockFault(offset === 0 ? 'a match at offset 0' : `a match ${offset} bytes back, before the start of the data`);
    let len = token & 15;
    if (len === 15) {
      let more: number;
      do {
        if (s >= sEnd) {
          if (cut) return d;
          throw new BlockFault('it ends inside a match length');
        }
        more = src[s++];
        len += more;
      } while (more === 255);
    }
    len += 4;
    if (d + len > limit) throw new BlockFault('it decodes to more than the frame\'s largest block');
    const m = d - offset;
    if (offset >= len && len >= 32) dst.copyWithin(d, m, m + len);
    // overlapping (a run: offset 1 repeats one byte) or short: byte by byte, in order
    else for (let i = 0; i < len; i++) dst[d + i] = dst[m + i];
    d += len;
  }
}
