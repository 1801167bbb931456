/**
 * The bytes of one input: a file, stdin (`-`), or gzip-, zstd- or lz4-compressed (recognised by
 * its magic bytes, not its name, so `zcat`-less pipes and misnamed files work; compression.ts).
 * Reads in large chunks and never holds the whole input; counts the raw bytes read so progress can
 * be shown against the file size.
 *
 * The first bytes can be peeked (format detection) and are then replayed, because stdin, pipes and
 * FIFOs cannot be opened twice. UTF-16 text is decoded to UTF-8 here (text-encoding.ts). This file
 * knows nothing about CSV.
 */
import { createReadStream } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { compressionOf, CutShortStream, decompressed, NotCompressedThatWay, type Compression } from './compression.js';
import { detectEncoding, utf16ToUtf8, type TextEncodingName } from './text-encoding.js';

const CHUNK = 1 << 20;

export interface ByteSourceInput {
  /** path as the user wrote it, or 'stdin' (for messages) */
  readonly display: string;
  /** path to open; undefined for stdin */
  readonly path?: string;
  /** stdin stand-in (tests) */
  readonly stream?: NodeJS.ReadableStream;
  /**
   * a compressed stream that ends early (a download or copy cut short) ends the data instead of
   * failing: `cutShort` says it happened (captures with --allow-truncated)
   */
  readonly cutShortOk?: boolean;
  /**
   * a file (path) is read first in one read of this many bytes, then on from there in large chunks:
   * format sniffing reads what it needs, not a 1 MiB chunk and the stream's read-ahead (a small
   * file was read whole, and read again when its rows were); the bytes are `rawHead` afterwards
   */
  readonly firstReadBytes?: number;
  /**
   * the file's first raw bytes, already read (a sniffing ByteSource's `rawHead`): given out first,
   * and the file read on from their end, so they are read from disk once
   */
  readonly rawHead?: Uint8Array;
}

/**
 * A compressed stream that ends early (zlib's "unexpected end of file", zstd's "premature end"):
 * every byte before the cut was handed on. Its own class so a capture reader can say how many
 * packets came before the cut and that --allow-truncated uses them.
 */
export class CutShortError extends UserError {
  constructor(message: string) {
    super(message);
  }
}

export class ByteSource {
  /** raw (possibly compressed) bytes read so far */
  bytesRead = 0;
  /** how the input is compressed, known once its first bytes are read */
  compression: Compression | undefined;
  /** the compressed stream ended early and `cutShortOk` let the data end there */
  cutShort = false;
  /** the input's character encoding, known once the first bytes are read */
  encoding: TextEncodingName = 'utf-8';
  private iter: AsyncIterator<Uint8Array> | undefined;
  private readonly pending: Uint8Array[] = [];
  private ended = false;
  private started = false;

  /** with `firstReadBytes`: the raw bytes of that first read, while nothing more was read (else undefined) */
  rawHead: Uint8Array | undefined;

  constructor(readonly input: ByteSourceInput) {}

  get display(): string {
    return this.input.display;
  }

  /** At least `n` decompressed bytes from the start (fewer when the input is shorter), not consumed. */
  async peek(n: number): Promise<{ bytes: Uint8Array; complete: boolean }> {
    let have = this.pending.reduce((s, c) => s + c.length, 0);
    while (have < n && !this.ended) {
      const c = await this.next();
      if (!c) break;
      this.pending.push(c);
      have += c.length;
    }
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    if (this.pending.length > 1) this.pending.splice(0, this.pending.length, bytes);
    return { bytes, complete: this.ended };
  }

  /** The decompressed bytes, once, starting with anything peeked. */
  async *chunks(): AsyncGenerator<Uint8Array> {
    try {
      while (this.pending.length > 0) yield this.pending.shift() as Uint8Array;
      for (;;) {
        const c = await this.next();
        if (!c) break;
        yield c;
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    const it = this.iter;
    this.iter = undefined;
    this.ended = true;
    if (it?.return) await it.return();
  }

  private async next(): Promise<Uint8Array | undefined> {
    if (!this.started) {
      this.started = true;
      this.iter = this.open()[Symbol.asyncIterator]();
    }
    if (!this.iter || this.ended) return undefined;
    try {
      const r = await this.iter.next();
      if (r.done) {
        this.ended = true;
        return undefined;
      }
      return r.value;
    } catch (err) {
      this.ended = true;
      throw this.describe(err);
    }
  }

  private async *open(): AsyncGenerator<Uint8Array> {
    const raw = this.rawChunks();
    const first = await raw.next();
    if (first.done) return;
    const head = first.value;
    const compression = compressionOf(head);
    if (compression) {
      this.compression = compression;
      yield* this.decoded(decompressed(compression, prepend(head, raw), { onCutShort: this.input.cutShortOk ? () => (this.cutShort = true) : undefined }));
      return;
    }
    yield* this.decoded(prepend(head, raw));
  }

  /** The text as UTF-8: UTF-16 (by BOM or by its NUL bytes) is decoded as it streams. */
  private async *decoded(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
    try {
      const first = await chunks.next();
      if (first.done) return;
      const { encoding } = detectEncoding(first.value);
      this.encoding = encoding;
      if (encoding === 'utf-8') {
        yield first.value;
        yield* chunks;
      } else yield* utf16ToUtf8(prepend(first.value, chunks), encoding);
    } finally {
      await chunks.return(undefined);
    }
  }

  private async *rawChunks(): AsyncGenerator<Uint8Array> {
    const path = this.input.path;
    let start = 0;
    if (path !== undefined && this.input.rawHead) {
      const head = this.input.rawHead;
      this.bytesRead += head.length;
      this.rawHead = head;
      yield head;
      start = head.length;
    } else if (path !== undefined && this.input.firstReadBytes) {
      const fh = await openFile(path, 'r');
      let n: number;
      const b = Buffer.allocUnsafe(this.input.firstReadBytes);
      try {
        n = (await fh.read(b, 0, b.length, 0)).bytesRead;
      } finally {
        await fh.close();
      }
      if (n === 0) return;
      this.bytesRead += n;
      this.rawHead = b.subarray(0, n);
      yield this.rawHead;
      // a short read was the whole file
      if (n < b.length) return;
      start = n;
    }
    const stream: NodeJS.ReadableStream = path !== undefined ? createReadStream(path, { highWaterMark: CHUNK, ...(start > 0 ? { start } : {}) }) : this.input.stream ?? process.stdin;
    // the head is all that was read only until more comes
    let more = false;
    for await (const c of stream) {
      if (!more) {
        more = true;
        this.rawHead = undefined;
      }
      const chunk = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
      this.bytesRead += chunk.length;
      yield chunk;
    }
  }

  private describe(err: unknown): Error {
    if (err instanceof CutShortStream) return new CutShortError(`${this.display}: not a valid ${err.compression} file (${err.detail}); is it truncated?`);
    if (err instanceof NotCompressedThatWay) return new UserError(`${this.display}: not a valid ${err.compression} file (${err.detail}); is it truncated?`);
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e.code === 'string') {
      if (e.code === 'ENOENT') return new UserError(`${this.display}: no such file or folder`);
      if (e.code === 'EACCES' || e.code === 'EPERM') return new UserError(`${this.display}: permission denied`);
      if (e.code === 'EISDIR') return new UserError(`${this.display}: is a folder, not a file`);
      if (e.code === 'ENXIO') return new UserError(`${this.display}: cannot be opened for reading (a socket or a device without a reader?)`);
      if (['EIO', 'ENODEV', 'EINVAL', 'ELOOP', 'ENAMETOOLONG', 'ENOTDIR', 'EAGAIN', 'EBADF'].includes(e.code)) {
        return new UserError(`${this.display}: cannot be read (${e.code}: ${e.message.replace(/^[A-Z]+: /, '').split(',')[0]})`);
      }
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

async function* prepend(head: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield head;
    for (;;) {
      const r = await rest.next();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await rest.return?.(undefined);
  }
}
