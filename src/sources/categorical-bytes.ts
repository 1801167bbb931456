/**
 * Categorical codes assigned straight from CSV bytes: a cell of `tcp` is hashed and looked up
 * without first becoming a JavaScript string, so a column of a few distinct values costs no
 * allocation per row. A string is decoded (UTF-8, invalid bytes as U+FFFD) once per distinct value.
 *
 * `CategoricalBuilder` in flows/table.ts does the same from strings; this one exists because the
 * readers' hot path has bytes, not strings. High-cardinality columns (IP addresses, flow ids) still
 * end with one string per distinct value: that is the dictionary's nature, and batches bound it.
 */

import { trimmed } from '../util/trimmed.js';

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

export class CategoricalBytesBuilder {
  /** code per row, -1 = missing */
  private codes: Int32Array;
  length = 0;
  readonly dictionary: string[] = [];
  /** open-addressing table of code + 1 (0 = empty slot) */
  private slots = new Int32Array(64);
  private hashes = new Int32Array(16);
  private keyStart = new Int32Array(16);
  private keyEnd = new Int32Array(16);
  private arena = new Uint8Array(1024);
  private arenaLen = 0;

  constructor(capacity = 1024) {
    this.codes = new Int32Array(Math.max(16, capacity));
  }

  /** Append the value held in b[start, end). */
  push(b: Uint8Array, start: number, end: number): void {
    this.append(this.codeOf(b, start, end));
  }

  /** Append a value that is already a string (e.g. a field with escaped quotes). */
  pushText(s: string): void {
    const bytes = encoder.encode(s);
    this.append(this.codeOf(bytes, 0, bytes.length));
  }

  pushMissing(): void {
    this.append(-1);
  }

  /** Codes of the rows pushed so far (the builder is not to be used after). */
  finish(): Int32Array {
    return trimmed(this.codes, this.length);
  }

  private append(code: number): void {
    if (this.length === this.codes.length) {
      const nc = new Int32Array(this.codes.length * 2);
      nc.set(this.codes);
      this.codes = nc;
    }
    this.codes[this.length++] = code;
  }

  private codeOf(b: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const mask = this.slots.length - 1;
    let slot = h & mask;
    const len = end - start;
    for (;;) {
      const v = this.slots[slot];
      if (v === 0) break;
      const code = v - 1;
      if (this.hashes[code] === h && this.keyEnd[code] - this.keyStart[code] === len) {
        const ks = this.keyStart[code];
        let same = true;
        for (let k = 0; k < len; k++) {
          if (this.arena[ks + k] !== b[start + k]) {
            same = false;
            break;
          }
        }
        if (same) return code;
      }
      slot = (slot + 1) & mask;
    }
    return this.insert(b, start, end, h, slot);
  }

  private insert(b: Uint8Array, start: number, end: number, h: number, slot: number): number {
    const code = this.dictionary.length;
    const len = end - start;
    if (this.arenaLen + len > this.arena.length) {
      let cap = this.arena.length * 2;
      while (cap < this.arenaLen + len) cap *= 2;
      const na = new Uint8Array(cap);
      na.set(this.arena.subarray(0, this.arenaLen));
      this.arena = na;
    }
    // copied byte by byte (keys are short: a subarray view per new value was garbage, and most
    // values of a flow id or address column are new), noting whether every byte is ASCII
    const arena = this.arena;
    let high = 0;
    for (let i = start, at = this.arenaLen; i < end; i++) {
      const c = b[i];
      arena[at++] = c;
      high |= c;
    }
    if (code === this.hashes.length) {
      this.hashes = grow(this.hashes);
      this.keyStart = grow(this.keyStart);
      this.keyEnd = grow(this.keyEnd);
    }
    this.hashes[code] = h;
    this.keyStart[code] = this.arenaLen;
    this.keyEnd[code] = this.arenaLen + len;
    this.arenaLen += len;
    // ASCII from the readers' buffers: latin1 gives the very string UTF-8 decoding would, cheaper
    this.dictionary.push(high < 0x80 && b instanceof Buffer ? b.toString('latin1', start, end) : utf8.decode(b.subarray(start, end)));
    this.slots[slot] = code + 1;
    if ((code + 1) * 2 > this.slots.length) this.rehash();
    return code;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let code = 0; code < this.dictionary.length; code++) {
      let slot = this.hashes[code] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = code + 1;
    }
    this.slots = slots;
  }
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const n = new Int32Array(a.length * 2);
  n.set(a);
  return n;
}
