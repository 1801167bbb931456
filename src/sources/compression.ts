/**
 * Compressed inputs, told by their magic bytes (not their names): gzip (`tcpdump -z gzip`, `.csv.gz`),
 * Zstandard (RFC 8878: `tcpdump -z zstd`, archives of rotated captures, `.pcap.zst`, which
 * Wireshark reads too) and LZ4 (`lz4 capture.pcap`, `.pcap.lz4`; read by
 * Wireshark too: lz4-frames.ts). Each is undone as it streams, never whole.
 *
 * gzip is Node's own zlib. Node 20 has no zstd, so a zstd input goes through the `zstd` program when
 * it is on the search path (Debian package zstd: native speed, on a core of its own beside the
 * analysis) and through fzstd otherwise (a small, well-kept decompressor in plain JavaScript: ~110
 * MB/s on this project's 2-core machine, where `zstd -d` does ~1 GB/s; behind a walk of the frames
 * that refuses a window over 128 MiB, as `zstd -d` does, before fzstd would allocate it:
 * zstd-frames.ts). Either way a stream that
 * ends early (a file still being written, a copy cut short) hands on everything before the cut and
 * says so, as a gzip one does; data that is not zstd is one error naming the file.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';
import { Decompress, ZstdErrorCode } from 'fzstd';
import { findProgram } from '../util/find-program.js';
import { runZstd } from '../util/zstd-program.js';
import { ZstdFrameWalker } from './zstd-frames.js';
import { isLz4Magic, Lz4Damage, Lz4Decoder } from './lz4-frames.js';

export type Compression = 'gzip' | 'zstd' | 'lz4';

const CHUNK = 1 << 20;

/** The compression `head` (an input's first bytes) starts as, or undefined for none. */
export function compressionOf(head: Uint8Array): Compression | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (isLz4Magic(head)) return 'lz4';
  return undefined;
}

/**
 * Raw bytes to read for `decompressedHead` to give something: a gzip stream gives output from its
 * first bytes; a zstd one only per block, which may take up to 128 KiB compressed
 */
export function headBytesFor(compression: Compression | undefined, plain: number): number {
  return compression === 'zstd' ? Math.max(plain, (1 << 17) + 64) : plain;
}

/**
 * What the first bytes of a compressed input decompress to (as much as they hold; maybe nothing
 * for zstd, whose output comes a block at a time); `head` itself when it is not compressed.
 */
export function decompressedHead(head: Uint8Array): Uint8Array {
  const kind = compressionOf(head);
  if (kind === 'gzip') return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  if (kind === 'lz4') return lz4Head(head);
  if (kind !== 'zstd') return head;
  const out: Uint8Array[] = [];
  try {
    new Decompress((c) => out.push(c)).push(head);
  } catch {
    // damaged after the blocks already given: those are the head
  }
  return out.length === 1 ? out[0] : Buffer.concat(out);
}

/**
 * A stream that ended early: every byte before the cut was handed on. Its own class so a capture
 * reader can say how many packets came before the cut and that --allow-truncated uses them.
 */
export class CutShortStream extends Error {
  constructor(
    readonly compression: Compression,
    readonly detail: string,
  ) {
    super(`${compression} stream ends early (${detail})`);
  }
}

/** Data that is not what its magic bytes said (damaged, or not compressed that way at all). */
export class NotCompressedThatWay extends Error {
  constructor(
    readonly compression: Compression,
    readonly detail: string,
  ) {
    super(`not a valid ${compression} file (${detail})`);
  }
}

export interface DecompressOptions {
  /** a stream that ends early ends the data (after calling this) instead of failing with CutShortStream */
  readonly onCutShort?: () => void;
  /** zstd: the program to run; null for the in-process decoder; undefined: `zstd` if on the search path */
  readonly zstdProgram?: string | null;
}

/** `compressed` (an input's raw chunks, its magic first) decompressed as it streams. */
export function decompressed(compression: Compression, compressed: AsyncIterable<Uint8Array>, o: DecompressOptions = {}): AsyncGenerator<Uint8Array> {
  if (compression === 'gzip') return gunzipped(compressed, o.onCutShort);
  if (compression === 'lz4') return unlz4(compressed, o.onCutShort);
  const program = o.zstdProgram === undefined ? findProgram('zstd') : o.zstdProgram;
  return program ? unzstdByProgram(program, compressed, o.onCutShort) : unzstdInProcess(compressed, o.onCutShort);
}

async function* gunzipped(compressed: AsyncIterable<Uint8Array>, onCutShort?: () => void): AsyncGenerator<Uint8Array> {
  const from = Readable.from(compressed, { objectMode: false });
  const gunzip = createGunzip({ chunkSize: CHUNK });
  from.on('error', (e) => gunzip.destroy(e));
  from.pipe(gunzip);
  try {
    for await (const c of gunzip) yield c as Buffer;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // zlib's "unexpected end of file": every byte before the cut was decompressed and handed on
    if (err.code === 'Z_BUF_ERROR') {
      if (onCutShort) return onCutShort();
      throw new CutShortStream('gzip', err.message);
    }
    if (typeof err.code === 'string' && (err.code.startsWith('Z_') || err.code === 'ERR_ZLIB_INITIALIZATION_FAILED')) throw new NotCompressedThatWay('gzip', err.message);
    throw e;
  } finally {
    from.destroy();
  }
}

/** What the first bytes of an LZ4 input decode to: a block cut short by the head's end gives what it holds. */
function lz4Head(head: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  const d = new Lz4Decoder();
  try {
    d.push(head, (c) => out.push(c));
  } catch {
    // damaged after what was decoded: that is the head
  }
  d.finish((c) => out.push(c));
  return out.length === 1 ? out[0] : Buffer.concat(out);
}

async function* unlz4(compressed: AsyncIterable<Uint8Array>, onCutShort?: () => void): AsyncGenerator<Uint8Array> {
  const d = new Lz4Decoder();
  const out: Uint8Array[] = [];
  const emit = (c: Uint8Array): number => out.push(c);
  for await (const c of compressed) {
    try {
      d.push(c, emit);
    } catch (e) {
      // what decoded before the damage is handed on first
      while (out.length) yield out.shift() as Uint8Array;
      if (e instanceof Lz4Damage) throw new NotCompressedThatWay('lz4', e.message);
      throw e;
    }
    while (out.length) yield out.shift() as Uint8Array;
  }
  const end = d.finish(emit);
  while (out.length) yield out.shift() as Uint8Array;
  if (end === 'cut') {
    if (onCutShort) return onCutShort();
    throw new CutShortStream('lz4', 'unexpected end of data');
  }
}

/** fzstd's push() hands each decoded block to its callback: collected and given out after each push. */
async function* unzstdInProcess(compressed: AsyncIterable<Uint8Array>, onCutShort?: () => void): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const d = new Decompress((c) => {
    if (c.length) out.push(c);
  });
  const push = (c: Uint8Array, last: boolean): boolean => {
    try {
      d.push(c, last);
      return true;
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code === ZstdErrorCode.UnexpectedEOF && last) {
        if (onCutShort) return false;
        throw new CutShortStream('zstd', 'unexpected end of data');
      }
      throw new NotCompressedThatWay('zstd', (e as Error).message);
    }
  };
  // frames whose window would take more memory than zstd -d allows are refused before fzstd allocates it
  const frames = new ZstdFrameWalker();
  for await (const c of compressed) {
    const wrong = frames.walk(c);
    if (wrong !== undefined) throw new NotCompressedThatWay('zstd', wrong);
    const ok = push(c, false);
    while (out.length) yield out.shift() as Uint8Array;
    if (!ok) return;
  }
  const ok = push(new Uint8Array(0), true);
  while (out.length) yield out.shift() as Uint8Array;
  if (!ok) onCutShort?.();
}

/**
 * `zstd -d -c` fed on its stdin, read on its stdout. Its exit status and last stderr line say how
 * it ended: "premature end" / "unexpected end" (a cut) or anything else (not zstd, damaged).
 */
async function* unzstdByProgram(program: string, compressed: AsyncIterable<Uint8Array>, onCutShort?: () => void): AsyncGenerator<Uint8Array> {
  const { child, closed, lastError } = runZstd(program, ['-d', '-c', '-q']);
  // the input's own failure (a read error) is the error to give; zstd stopping first (bad data) makes EPIPE, which is not
  let inputError: unknown;
  const input = Readable.from(compressed, { objectMode: false });
  input.on('error', (e) => (inputError = e));
  const feeding = pipeline(input, child.stdin).catch(() => {});
  let finished = false;
  try {
    for await (const c of child.stdout) yield c as Buffer;
    const { code, signal } = await closed;
    await feeding;
    if (inputError) throw inputError;
    finished = true;
    if (code === 0) return;
    const why = lastError() || `zstd ended with ${signal ?? `status ${code}`}`;
    if (/premature end|unexpected end|truncated|incomplete/i.test(why)) {
      if (onCutShort) return onCutShort();
      throw new CutShortStream('zstd', why);
    }
    throw new NotCompressedThatWay('zstd', why);
  } finally {
    if (!finished) {
      // the reader stopped early (an error downstream, a head read): the program is not left running
      child.kill();
      input.destroy();
    }
  }
}
