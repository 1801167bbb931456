/**
 * compression.ts on zstd data made by the `zstd` program: both decoders (the program, and fzstd in
 * process) give the original bytes whatever the chunking, across frames; a stream cut short gives
 * every block before the cut and then says so; data that is not zstd is refused. Skipped, saying
 * why, without the zstd program (Debian package zstd, installed by .ci/run).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { findProgram } from '../util/find-program.js';
import { compressionOf, CutShortStream, decompressed, decompressedHead, NotCompressedThatWay } from './compression.js';
import { ZstdFrameWalker } from './zstd-frames.js';

const zstd = findProgram('zstd');
const skip = zstd ? false : 'needs the zstd program (Debian package zstd) to make zstd data';

/** `zstd -LEVEL` of `data`, by the program */
function compress(data: Uint8Array, level = 3): Buffer {
  const r = spawnSync(zstd as string, [`-${level}`, '-c', '-q'], { input: data, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}

/** a few MB that compress as captures do: repeated structure with varying fields */
function sample(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 64) {
    b.write(`packet ${i >> 6} from 10.0.${(i >> 14) & 255}.${(i >> 6) & 255} port ${i % 65521}`, i);
    randomBytes(8).copy(b, i + 52);
  }
  return b;
}

async function* chunked(b: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function all(g: AsyncGenerator<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of g) out.push(c);
  return Buffer.concat(out);
}

/** this process's zstd children, by /proc (Linux) */
function ourZstds(): string[] {
  return readdirSync('/proc').filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      return /^Name:\s+zstd$/m.test(status) && new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status);
    } catch {
      return false;
    }
  });
}

const decoders = [
  ['the zstd program', () => zstd as string],
  ['the in-process decoder', () => null],
] as const;

test('compression is told by magic bytes, not by name', () => {
  assert.equal(compressionOf(gzipSync(Buffer.from('x'))), 'gzip');
  assert.equal(compressionOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])), 'zstd');
  assert.equal(compressionOf(Buffer.from([0x28, 0xb5, 0x2f])), undefined, 'too short to tell');
  assert.equal(compressionOf(Buffer.from([0xd4, 0xc3, 0xb2, 0xa1])), undefined, 'a plain pcap');
  assert.equal(compressionOf(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x64])), 'lz4');
  assert.equal(compressionOf(Buffer.from([0x02, 0x21, 0x4c, 0x18])), 'lz4', 'the legacy format (lz4 -l)');
});

const lz4 = findProgram('lz4');
test('lz4 (made by the lz4 program): its head decodes inside the first 4 MiB block; streamed, a cut hands on what came before it and then says so', { skip: lz4 ? false : 'needs the lz4 program (Debian package lz4)' }, async () => {
  const data = sample(3_000_000);
  const z = spawnSync(lz4 as string, ['-q', '-c'], { input: data, maxBuffer: 1 << 28 }).stdout;
  const head = decompressedHead(z.subarray(0, 65536));
  assert.ok(head.length >= 4096 && Buffer.from(head).equals(data.subarray(0, head.length)), `head of ${head.length} bytes`);
  assert.ok((await all(decompressed('lz4', chunked(z, 77_777)))).equals(data));
  const cut = z.subarray(0, Math.floor(z.length * 0.6));
  const got: Uint8Array[] = [];
  await assert.rejects(
    (async () => {
      for await (const c of decompressed('lz4', chunked(cut, 100_000))) got.push(c);
    })(),
    (e: unknown) => e instanceof CutShortStream && e.compression === 'lz4',
  );
  const before = Buffer.concat(got);
  assert.ok(before.length > 1_000_000 && before.equals(data.subarray(0, before.length)), `${before.length} bytes before the cut`);
  let said = 0;
  assert.ok((await all(decompressed('lz4', chunked(cut, 100_000), { onCutShort: () => said++ }))).equals(before));
  assert.equal(said, 1);
  await assert.rejects(all(decompressed('lz4', chunked(Buffer.concat([z, Buffer.from('trailing junk')]), 4096))), (e: unknown) => e instanceof NotCompressedThatWay && e.compression === 'lz4' && /at byte \d+: after frame 1/.test(e.message));
});

for (const [name, program] of decoders) {
  test(`zstd through ${name}: the original bytes, in chunks of any size, across frames`, { skip }, async () => {
    const data = sample(3_000_000);
    const one = compress(data);
    for (const size of [7, 65_536, 1 << 20]) assert.ok((await all(decompressed('zstd', chunked(one, size), { zstdProgram: program() }))).equals(data), `chunks of ${size}`);
    // two frames back to back (zstd files concatenated, as `cat a.zst b.zst` or a rotated archive makes)
    const cut = 1_234_567;
    const two = Buffer.concat([compress(data.subarray(0, cut), 1), compress(data.subarray(cut), 19)]);
    assert.ok((await all(decompressed('zstd', chunked(two, 100_000), { zstdProgram: program() }))).equals(data), 'two frames');
    // an empty input compressed is a frame of nothing
    assert.equal((await all(decompressed('zstd', chunked(compress(Buffer.alloc(0)), 5), { zstdProgram: program() }))).length, 0);
  });

  test(`zstd through ${name}: a stream cut short gives the blocks before the cut, then says so; data that is not zstd is refused`, { skip }, async () => {
    const data = sample(2_000_000);
    const z = compress(data);
    const half = z.subarray(0, z.length >> 1);
    // without onCutShort: the error, after the bytes before the cut were handed on
    const got: Uint8Array[] = [];
    await assert.rejects(
      async () => {
        for await (const c of decompressed('zstd', chunked(half, 65_536), { zstdProgram: program() })) got.push(c);
      },
      (e: unknown) => e instanceof CutShortStream && e.compression === 'zstd',
    );
    const before = Buffer.concat(got);
    assert.ok(before.length > 0 && before.length < data.length, `some of the data came before the cut: ${before.length}`);
    assert.ok(before.equals(data.subarray(0, before.length)), 'what came is the start of the original');
    // with onCutShort: the same bytes, then the data ends quietly
    let said = 0;
    const quiet = await all(decompressed('zstd', chunked(half, 65_536), { zstdProgram: program(), onCutShort: () => said++ }));
    assert.equal(said, 1);
    assert.ok(quiet.equals(before));
    // the zstd magic, then noise
    const noise = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), randomBytes(5000)]);
    await assert.rejects(all(decompressed('zstd', chunked(noise, 1000), { zstdProgram: program() })), (e: unknown) => e instanceof NotCompressedThatWay || e instanceof CutShortStream);
  });
}

test('zstd through the program: stopping early leaves no program running, and a failing input is the error given', { skip }, async () => {
  const z = compress(sample(4_000_000));
  const g = decompressed('zstd', chunked(z, 4096), { zstdProgram: zstd as string });
  const first = await g.next();
  assert.equal(first.done, false);
  assert.equal(ourZstds().length, 1, 'the program runs while the data is read');
  await g.return(undefined);
  for (let i = 0; i < 100 && ourZstds().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(ourZstds(), [], 'the program was stopped');
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield z.subarray(0, 10_000);
    throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
  }
  await assert.rejects(all(decompressed('zstd', failing(), { zstdProgram: zstd as string })), /EIO: i\/o error/);
});

test('the head of a zstd input decompresses to the start of the data (a block at a time), a gzip one to its start', { skip }, () => {
  const data = sample(1_000_000);
  const z = compress(data);
  const head = decompressedHead(z.subarray(0, 200_000));
  assert.ok(head.length >= 4096 && Buffer.from(head).equals(data.subarray(0, head.length)), `head of ${head.length} bytes`);
  assert.equal(decompressedHead(z.subarray(0, 100)).length, 0, 'no whole block yet');
  const gz = gzipSync(data);
  const gzHead = decompressedHead(gz.subarray(0, 4096));
  assert.ok(gzHead.length > 4096 && Buffer.from(gzHead).equals(data.subarray(0, gzHead.length)));
  const plain = Buffer.from('not compressed');
  assert.equal(decompressedHead(plain), plain);
});

test('zstd frames are walked before the in-process decoder: a window over 128 MiB is refused as zstd -d refuses it, skippable frames pass', { skip }, async () => {
  const data = sample(600_000);
  // a skippable frame (magic 0x184D2A50, 8 bytes of content) before two frames, cut into chunks of any size
  const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const stream = Buffer.concat([skippable, compress(data.subarray(0, 100_000), 1), compress(data.subarray(100_000), 9)]);
  const walker = new ZstdFrameWalker();
  for (let i = 0; i < stream.length; i += 7) assert.equal(walker.walk(stream.subarray(i, i + 7)), undefined, `at ${i}`);
  for (const [name, program] of decoders) {
    assert.ok((await all(decompressed('zstd', chunked(stream, 1000), { zstdProgram: program() }))).equals(data), name);
    // a frame header claiming a 2 GiB window (window descriptor 0xA8): fzstd would allocate it at once
    const huge = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8, 0x02, 0x00, 0x00]);
    await assert.rejects(all(decompressed('zstd', chunked(huge, 3), { zstdProgram: program() })), (e: unknown) => e instanceof NotCompressedThatWay, name);
    // a single-segment frame whose content size (its window) is 4 GiB
    const big = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 1, 0, 0, 0, 0x01, 0, 0]);
    await assert.rejects(all(decompressed('zstd', chunked(big, 5), { zstdProgram: program() })), (e: unknown) => e instanceof NotCompressedThatWay, name);
  }
  assert.match(new ZstdFrameWalker().walk(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8])) ?? '', /needs a 2048 MiB window, more than the 128 MiB zstd -d allows/);
  assert.equal(new ZstdFrameWalker().walk(Buffer.from('hello world')), 'not a zstd frame');
});

test('garbled zstd through the in-process decoder: every input ends in its data, a cut, or "not a valid zstd file", quickly', { skip }, async () => {
  const base = compress(sample(300_000));
  let seed = 7;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const outcomes = new Map<string, number>();
  for (let i = 0; i < 400; i++) {
    const b = Buffer.from(base);
    for (let k = 0, n = 1 + Math.floor(rnd() * 8); k < n; k++) b[Math.floor(rnd() * (rnd() < 0.5 ? 64 : b.length))] = Math.floor(rnd() * 256);
    const input = rnd() < 0.3 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
    const t0 = performance.now();
    let outcome = 'data';
    try {
      await all(decompressed('zstd', chunked(input, 4096), { zstdProgram: null }));
    } catch (e) {
      assert.ok(e instanceof NotCompressedThatWay || e instanceof CutShortStream, `input ${i}: ${String((e as Error).stack)}`);
      outcome = e.constructor.name;
    }
    assert.ok(performance.now() - t0 < 5000, `input ${i} took ${performance.now() - t0} ms`);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  assert.ok((outcomes.get('NotCompressedThatWay') ?? 0) > 100, JSON.stringify([...outcomes]));
});
