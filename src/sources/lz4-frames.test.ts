/**
 * The LZ4 frame decoder: frames built here byte by byte (each feature of the format on its own:
 * long lengths, overlapping matches, linked and independent blocks, stored blocks, checksums, the
 * content size, skippable and legacy frames), damage located by byte offset, input cut anywhere,
 * mutated frames (never anything but data, a cut or Lz4Damage), and the files the lz4 program
 * writes with each of its frame options, fed in chunks of any size.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { isLz4Magic, Lz4Damage, Lz4Decoder } from './lz4-frames.js';
import { Xxh32, xxh32 } from './xxhash32.js';
import { findProgram } from '../util/find-program.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const u32le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/** one sequence: a token, its literals, and (but in the last) a match of `len` bytes `offset` back */
function seq(literals: Uint8Array, match?: { offset: number; len: number }): number[] {
  const lengthBytes = (n: number): number[] => {
    const out: number[] = [];
    for (; n >= 255; n -= 255) out.push(255);
    out.push(n);
    return out;
  };
  const lit = literals.length;
  const ml = match ? match.len - 4 : 0;
  const out = [(Math.min(lit, 15) << 4) | Math.min(ml, 15)];
  if (lit >= 15) out.push(...lengthBytes(lit - 15));
  out.push(...literals);
  if (match) {
    out.push(match.offset & 0xff, match.offset >>> 8);
    if (ml >= 15) out.push(...lengthBytes(ml - 15));
  }
  return out;
}

interface FrameOptions {
  independent?: boolean;
  blockChecksums?: boolean;
  /** the decoded content, to write its checksum */
  content?: Uint8Array;
  contentSize?: number;
  /** block maximum size code, 4 (64 KiB) to 7 */
  sizeCode?: number;
}

/** a frame of these blocks (compressed bytes, or stored when `stored`) */
function frame(blocks: { bytes: number[] | Uint8Array; stored?: boolean }[], o: FrameOptions = {}): Uint8Array {
  const flg = 0x40 | ((o.independent ?? true) ? 0x20 : 0) | (o.blockChecksums ? 0x10 : 0) | (o.contentSize !== undefined ? 0x08 : 0) | (o.content ? 0x04 : 0);
  const desc = [flg, (o.sizeCode ?? 4) << 4];
  if (o.contentSize !== undefined) desc.push(...u32le(o.contentSize), 0, 0, 0, 0);
  const out = [...u32le(0x184d2204), ...desc, (xxh32(Uint8Array.from(desc)) >>> 8) & 0xff];
  for (const b of blocks) {
    const bytes = Uint8Array.from(b.bytes);
    out.push(...u32le((bytes.length | (b.stored ? 0x80000000 : 0)) >>> 0), ...bytes);
    if (o.blockChecksums) out.push(...u32le(xxh32(bytes)));
  }
  out.push(0, 0, 0, 0);
  if (o.content) out.push(...u32le(xxh32(o.content)));
  return Uint8Array.from(out);
}

function decode(input: Uint8Array, chunk = input.length): { out: Buffer; end: 'complete' | 'cut' } {
  const d = new Lz4Decoder();
  const parts: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += chunk) d.push(input.subarray(i, i + chunk), (c) => parts.push(c));
  const end = d.finish((c) => parts.push(c));
  return { out: Buffer.concat(parts), end };
}

function damage(input: Uint8Array): Lz4Damage {
  try {
    decode(input);
  } catch (e) {
    assert.ok(e instanceof Lz4Damage, String(e));
    return e;
  }
  assert.fail('decoded without an error');
}

test('XXH32: the specification\'s values, and the same hash fed piece by piece', () => {
  assert.equal(xxh32(new Uint8Array(0)), 0x02cc5d05);
  assert.equal(xxh32(text('abc')), 0x32d153ff);
  assert.equal(xxh32(text('Nobody inspects the spammish repetition')), 0xe2293b2f);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(40), { maxLength: 12 }), (data, cuts) => {
      const h = new Xxh32();
      let at = 0;
      for (const c of cuts) {
        h.update(data, at, Math.min(data.length, at + c));
        at = Math.min(data.length, at + c);
      }
      h.update(data, at);
      assert.equal(h.digest(), xxh32(data));
    }),
    { numRuns: 300 },
  );
});

test('blocks: literals, matches, overlapping runs, long lengths, the last literals', () => {
  const long = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  const block = [
    ...seq(text('abcd'), { offset: 4, len: 8 }), // abcd abcdabcd
    ...seq(text('x'), { offset: 1, len: 20 }), // x, then 20 more x: a run through the bytes it writes
    ...seq(long, { offset: 300, len: 600 }), // 300 literals (15 + 255 + 30), then them twice (a long match, copied whole)
    ...seq(text('end!')),
  ];
  const want = Buffer.concat([text('abcdabcdabcd'), text('x'.repeat(21)), long, long, long, text('end!')]);
  const { out, end } = decode(frame([{ bytes: block }], { content: want, contentSize: want.length }));
  assert.equal(end, 'complete');
  assert.deepEqual(out, want);
  assert.ok(isLz4Magic(frame([])));
  assert.ok(!isLz4Magic(text('\x1f\x8b\x08\x00')));
});

test('linked blocks reach back into earlier ones; independent blocks may not', () => {
  const blocks = [{ bytes: seq(text('0123456789')) }, { bytes: seq(text('-'), { offset: 11, len: 10 }) }];
  assert.deepEqual(decode(frame(blocks, { independent: false })).out, Buffer.from('0123456789-0123456789'));
  const e = damage(frame(blocks, { independent: true }));
  assert.match(e.message, /before the start of the data/);
  // the second block's bytes start after the magic (4), the descriptor (3) and the first block (4 + 11)
  assert.equal(e.offset, 4 + 3 + 4 + 11 + 4);
  // the 64 KiB of history is the last output, across many small blocks
  const many = Array.from({ length: 20 }, (_, i) => ({ bytes: seq(Uint8Array.from({ length: 5000 }, () => i)) }));
  const back = frame([...many, { bytes: seq(text('!'), { offset: 5001 * 1 + 4999, len: 4 }) }], { independent: false });
  const got = decode(back).out;
  assert.equal(got.length, 100_005);
  assert.deepEqual([...got.subarray(100_001)], [18, 18, 18, 18]);
});

test('stored blocks, skippable frames between frames, and the legacy format followed by a frame', () => {
  const stored = frame([{ bytes: text('plain bytes'), stored: true }, { bytes: seq(text('then'), { offset: 4, len: 4 }) }]);
  assert.deepEqual(decode(stored).out, Buffer.from('plain bytesthenthen'));
  const skippable = Uint8Array.from([...u32le(0x184d2a5e), ...u32le(5), 1, 2, 3, 4, 5]);
  const both = Buffer.concat([frame([{ bytes: seq(text('one')) }]), skippable, frame([{ bytes: seq(text('two')) }])]);
  for (const chunk of [1, 3, both.length]) assert.deepEqual(decode(both, chunk), { out: Buffer.from('onetwo'), end: 'complete' });
  const legacyBlock = seq(text('abc'), { offset: 3, len: 6 }).concat(seq(text('.')));
  const legacy = Uint8Array.from([...u32le(0x184c2102), ...u32le(legacyBlock.length), ...legacyBlock, ...u32le(2), ...seq(text('z'))]);
  assert.deepEqual(decode(legacy), { out: Buffer.from('abcabcabc.z'), end: 'complete' });
  assert.deepEqual(decode(Buffer.concat([legacy, frame([{ bytes: seq(text('!')) }])])).out, Buffer.from('abcabcabc.z!'));
});

test('damage is one Lz4Damage naming its byte offset; what decoded before it was handed on', () => {
  const one = seq(text('first block'));
  const two = seq(text('second'));
  const good = frame([{ bytes: one }, { bytes: two }], { blockChecksums: true, content: text('first blocksecond') });
  assert.deepEqual(decode(good).out, Buffer.from('first blocksecond'));
  // a byte of the second block changed: its checksum fails there, after the first block was emitted
  const bad = Uint8Array.from(good);
  const secondAt = 4 + 3 + 4 + one.length + 4 + 4;
  bad[secondAt + 1] ^= 0x20;
  const parts: Uint8Array[] = [];
  const d = new Lz4Decoder();
  assert.throws(() => d.push(bad, (c) => parts.push(c)), (e: unknown) => e instanceof Lz4Damage && e.offset === secondAt && /block's checksum/.test(e.message));
  assert.deepEqual(Buffer.concat(parts), Buffer.from('first block'));
  const descriptor = Uint8Array.from(good);
  descriptor[6] ^= 1;
  assert.match(damage(descriptor).message, /^at byte 4: the frame descriptor's checksum/);
  const content = Uint8Array.from(good);
  content[content.length - 1] ^= 1;
  assert.match(damage(content).message, /content checksum/);
  assert.match(damage(frame([{ bytes: one }], { contentSize: 5 })).message, /says it holds 5 bytes but decodes to 11/);
  assert.match(damage(Buffer.concat([frame([{ bytes: one }]), text('PK\x03\x04')])).message, /after frame 1: 0x04034b50 is not an LZ4 frame/);
  assert.match(damage(text('\x04\x22\x4d\x18\x40\x30\x00')).message, /block maximum size code 3/);
  assert.match(damage(Uint8Array.from([...u32le(0x184d2204), 0x41, 0x40, 0])).message, /dictionary/);
  const oversized = Uint8Array.from(frame([]).subarray(0, 7));
  assert.match(damage(Uint8Array.from([...oversized, ...u32le(70_000)])).message, /block of 70000 bytes, larger than the frame's largest, 65536$/);
  assert.match(damage(frame([{ bytes: seq(text('ab'), { offset: 0, len: 4 }).concat(seq(text('.'))) }])).message, /offset 0/);
  assert.match(damage(frame([{ bytes: [0xf0, 255, 255] }])).message, /inside a literal length/);
  // decoding past the block's maximum (64 KiB) is refused, not written past the buffer
  assert.match(damage(frame([{ bytes: seq(text('a'), { offset: 1, len: 70_000 }) }])).message, /more than the frame's largest block/);
});

test('input cut anywhere: a prefix of the data, all that the bytes hold, and "cut"', () => {
  const content = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(40));
  const blocks = [{ bytes: seq(content.subarray(0, 45), { offset: 45, len: 855 }).concat(seq(content.subarray(900, 1000))) }, { bytes: seq(content.subarray(1000)) }];
  const whole = frame(blocks, { independent: false, blockChecksums: true, content });
  assert.deepEqual(decode(whole), { out: content, end: 'complete' });
  let longest = 0;
  for (let cut = 0; cut < whole.length; cut++) {
    const { out, end } = decode(whole.subarray(0, cut), 7);
    assert.equal(end, 'cut', `cut at ${cut}`);
    assert.deepEqual(out, content.subarray(0, out.length), `cut at ${cut}: a prefix`);
    assert.ok(out.length >= longest, `cut at ${cut}: no less than a shorter cut gave`);
    longest = out.length;
  }
  // a cut inside the first block's literals still gives them
  assert.ok(decode(whole.subarray(0, 4 + 3 + 4 + 30)).out.length >= 28);
});

test('mutated frames: data, a cut or Lz4Damage, nothing else, never past the block bounds', () => {
  const content = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i % 97 < 50 ? 65 + (i % 7) : i & 0xff)));
  const valid = frame([{ bytes: seq(content.subarray(0, 1000), { offset: 500, len: 1000 }).concat(seq(content.subarray(2000))) }, { bytes: content.subarray(0, 900), stored: true }], { blockChecksums: false, independent: false });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 600 }), (edits, chunk) => {
      const bytes = Uint8Array.from(valid);
      for (const [at, v] of edits) bytes[at] = v;
      try {
        const { out } = decode(bytes, chunk);
        assert.ok(out.length <= 8 * 65536);
      } catch (e) {
        assert.ok(e instanceof Lz4Damage, `not Lz4Damage: ${String(e)}`);
        assert.ok(e.offset >= 0 && e.offset <= bytes.length, `offset ${e.offset}`);
      }
    }),
    { numRuns: 2000 },
  );
});

const lz4 = findProgram('lz4');
const skipProgram = skipWithoutShared('pcaps', 'http_ip4and6.pcapng') || (lz4 ? false : 'needs the lz4 program (Debian package lz4)');

test('what the lz4 program writes, with each of its frame options, decodes to the original in chunks of any size', { skip: skipProgram }, () => {
  const original = readFileSync(sharedPath('pcaps', 'http_ip4and6.pcapng') as string);
  // incompressible bytes make stored blocks
  const noise = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 13) & 0xff));
  const data = Buffer.concat([original, noise, original]);
  const options = [[], ['-B4'], ['-B5'], ['-B6'], ['-BD'], ['-B4', '-BD'], ['-BX'], ['--no-frame-crc'], ['--content-size'], ['-l'], ['-9'], ['-1', '-B4', '-BD', '-BX', '--content-size']];
  for (const o of options) {
    const r = spawnSync(lz4 as string, [...o, '-q', '-c'], { input: data, maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, String(r.stderr));
    for (const chunk of [1 << 20, 4093, 65536 + 1]) {
      const got = decode(r.stdout, chunk);
      assert.equal(got.end, 'complete', `lz4 ${o.join(' ')}`);
      assert.ok(got.out.equals(data), `lz4 ${o.join(' ')}, chunks of ${chunk}: the original bytes`);
    }
  }
  // two files one after the other (cat a.lz4 b.lz4) are their contents one after the other
  const a = spawnSync(lz4 as string, ['-q', '-c'], { input: original, maxBuffer: 1 << 26 }).stdout;
  const b = spawnSync(lz4 as string, ['-q', '-BD', '-c'], { input: noise, maxBuffer: 1 << 26 }).stdout;
  assert.ok(decode(Buffer.concat([a, b]), 10_000).out.equals(Buffer.concat([original, noise])));
});
