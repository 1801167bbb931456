/**
 * Fuzzing the LZ4 decoder (sources/lz4-frames.ts) that every lz4-compressed input goes through: a
 * corpus of what the lz4 program writes (each frame option: block sizes, linked blocks, block
 * checksums, no content checksum, the content size, the legacy format; of capture bytes and of
 * text), mutated (bytes set, 32-bit fields overwritten with hostile lengths, cut, bytes inserted or
 * dropped) and fed in random chunk sizes. The contract: every input ends in its data, a cut, or one
 * Lz4Damage naming an offset inside the input; never another exception, a hang, or output beyond
 * what the frames allow. Used by `npm run fuzz` (bench/fuzz-readers.ts, target "lz4").
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { Lz4Damage, Lz4Decoder } from '../sources/lz4-frames.js';
import { findProgram } from '../util/find-program.js';

const OPTIONS = [[], ['-B4'], ['-B4', '-BD'], ['-BX', '-B5'], ['--no-frame-crc'], ['--content-size'], ['-l'], ['-9', '-B4', '-BD', '-BX']];

/** The seeds compressed with each option by the lz4 program; empty without it. */
export function lz4Corpus(seeds: readonly Uint8Array[]): Uint8Array[] {
  const lz4 = findProgram('lz4');
  if (!lz4) return [];
  const out: Uint8Array[] = [];
  for (const seed of seeds) {
    for (const o of OPTIONS) {
      const r = spawnSync(lz4, [...o, '-q', '-c'], { input: seed, maxBuffer: 1 << 26 });
      if (r.status === 0) out.push(new Uint8Array(r.stdout));
    }
  }
  return out;
}

const HOSTILE = [0, 1, 0xff, 0xffff, 0x10000, 0x400000, 0x7fffffff, 0x80000000, 0xffffffff, 0x184d2204, 0x184c2102, 0x184d2a50];

type Edit = { kind: 'set'; at: number; v: number } | { kind: 'u32'; at: number; v: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array } | { kind: 'drop'; at: number; n: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), v: fc.nat(255) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), v: fc.constantFrom(...HOSTILE) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
);

function mutate(base: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let b = Uint8Array.from(base);
  for (const e of edits) {
    if (b.length === 0) break;
    const at = e.at % b.length;
    if (e.kind === 'set') b[at] = e.v;
    else if (e.kind === 'u32') for (let i = 0; i < 4 && at + i < b.length; i++) b[at + i] = (e.v >>> (8 * i)) & 0xff;
    else if (e.kind === 'cut') b = b.subarray(0, at);
    else if (e.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...e.bytes, ...b.subarray(at)]);
    else b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + e.n)]);
  }
  return b;
}

/** an input: one of the corpus, mutated, and the chunk size it is fed in */
export function lz4InputArb(corpus: readonly Uint8Array[]): fc.Arbitrary<[Uint8Array, number]> {
  return fc.tuple(fc.nat(corpus.length - 1), fc.array(editArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 1 << 17 })).map(([i, edits, chunk]) => [mutate(corpus[i], edits), chunk]);
}

/** Decodes `bytes` in chunks of `chunk`; throws (a fuzz failure) on anything outside the contract. */
export function fuzzLz4(bytes: Uint8Array, chunk: number): void {
  const d = new Lz4Decoder();
  let out = 0;
  // a frame's output is bounded by its blocks: at most 4 MiB (8 MiB legacy) per block of at least 4 input bytes
  const bound = (bytes.length / 4 + 2) * (8 << 20);
  const emit = (c: Uint8Array): void => {
    out += c.length;
    if (out > bound) throw new Error(`output ${out} beyond any bound for ${bytes.length} input bytes`);
  };
  try {
    for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.subarray(i, i + chunk), emit);
    d.finish(emit);
  } catch (e) {
    if (!(e instanceof Lz4Damage)) throw e;
    if (!(e.offset >= 0 && e.offset <= bytes.length)) throw new Error(`damage offset ${e.offset} outside the ${bytes.length}-byte input: ${e.message}`);
  }
}
