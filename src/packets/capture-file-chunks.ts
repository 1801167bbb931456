/**
 * The bytes of a plain capture file, read into one reused buffer (no allocation per chunk: a
 * 10 GB capture read through ByteSource's stream makes 10 GB of garbage for the collector). The
 * chunk handed out is valid until the next one is asked for; the capture reader copies it into its
 * window at once. Better still, the capture reader can ask the file to read straight into its
 * window (`fill`), which saves copying every byte a second time, and mostly synchronously (see fill). Gzip-compressed files, stdin and
 * pipes go through ByteSource instead.
 */
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { ByteSource } from '../sources/byte-source.js';
import { compressionOf, type Compression } from '../sources/compression.js';
import type { ByteWindow } from './byte-window.js';

const CHUNK = 1 << 20;
/**
 * Reads straight into the window are small and always land at its front: the kernel's copy then
 * writes into lines still in the L2 cache (1 MB a core here) and the reader parses them from there,
 * where 1 MB reads cycling through the 4 MB window went out to memory and back (measured, reading
 * and touching the 2.2 GB ord3.pcap: 0.29 CPU s in 128 KB reads at the front, 0.42 in 1 MB reads
 * through 4 MB; 256 KB and more at the front: 0.34).
 */
const FILL_CHUNK = 1 << 17;
const FIRST_CHUNK = 1 << 16;
/** one read in this many is asynchronous (16 MB: the event loop turns every few tens of milliseconds) */
const ASYNC_EVERY = 128;

/** Chunks that can also be read straight into a window: `fill` reads more and returns bytes read, 0 at the end. */
export interface WindowFiller extends AsyncIterable<Uint8Array> {
  fill(win: ByteWindow): Promise<number>;
  /**
   * As fill, synchronously, when the next read may be synchronous: bytes read (0 at the end), or
   * -1 when it must be `fill` (the first chunk, or a read that lets the event loop turn). The
   * capture reader takes a few of these per turn, so a turn costs no promise per small read.
   */
  fillSync(win: ByteWindow): number;
  /** close the file (at the end, or when the reader stops early) */
  close(): Promise<void>;
}

export function isWindowFiller(c: AsyncIterable<Uint8Array>): c is WindowFiller {
  return typeof (c as Partial<WindowFiller>).fill === 'function';
}

export interface CaptureChunks {
  chunks: AsyncIterable<Uint8Array> | WindowFiller;
  /** raw bytes read so far */
  bytesRead(): number;
  /** a compressed file whose stream ended early (only with `cutShortOk`) */
  cutShort(): boolean;
  /** how the file is compressed (undefined: not), known once its first bytes are read */
  compression(): Compression | undefined;
}

export async function captureChunks(input: { display: string; path?: string; source?: ByteSource; head?: Uint8Array }, stdin?: NodeJS.ReadableStream, cutShortOk = false): Promise<CaptureChunks> {
  const viaSource = (src: ByteSource): CaptureChunks => ({ chunks: src.chunks(), bytesRead: () => src.bytesRead, cutShort: () => src.cutShort, compression: () => src.compression });
  if (input.source || input.path === undefined) return viaSource(input.source ?? new ByteSource({ display: input.display, path: input.path, stream: stdin, cutShortOk }));
  // the first bytes as sniffing read them (read-dataset.ts): not read again
  const head = input.head;
  if (head && compressionOf(head)) return viaSource(new ByteSource({ display: input.display, path: input.path, cutShortOk, rawHead: head }));
  let fh;
  try {
    fh = await open(input.path, 'r');
  } catch {
    // let ByteSource word the error (no such file, permission denied, a folder)
    return viaSource(new ByteSource({ display: input.display, path: input.path }));
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  // a small first chunk: enough to tell the format, and the reader's loop over its few packets runs
  // to its end before V8 optimises it (optimised in the middle of a first megabyte, the loop had
  // never reached what follows it and was thrown away and compiled again as it got there); the
  // sniffed head when there is one (64 KiB, as this read), the file read on from its end
  let first: { bytesRead: number };
  if (head) {
    buf.set(head.subarray(0, Math.min(head.length, CHUNK)), 0);
    first = { bytesRead: Math.min(head.length, CHUNK) };
  } else first = await fh.read(buf, 0, FIRST_CHUNK, null);
  if (compressionOf(buf.subarray(0, first.bytesRead))) {
    await fh.close();
    return viaSource(new ByteSource({ display: input.display, path: input.path, cutShortOk }));
  }
  /**
   * where the next read starts: explicit after a head not read through this handle; else null, the
   * handle's own position (a FIFO, as `flows <(cmd)` gives, has no other)
   */
  let pos: number | null = head ? first.bytesRead : null;
  let total = first.bytesRead;
  const handle = fh;
  let pending: Uint8Array | undefined = buf.subarray(0, first.bytesRead);
  let closed = false;
  let reads = 0;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  async function* gen(): AsyncGenerator<Uint8Array> {
    try {
      let n = first.bytesRead;
      pending = undefined;
      while (n > 0) {
        yield buf.subarray(0, n);
        n = (await handle.read(buf, 0, CHUNK, pos)).bytesRead;
        if (pos !== null) pos += n;
        total += n;
      }
    } finally {
      await close();
    }
  }
  const chunks: WindowFiller = {
    [Symbol.asyncIterator]: gen,
    close,
    async fill(win: ByteWindow): Promise<number> {
      if (pending) {
        // the first chunk was read to look for the gzip magic
        const n = pending.length;
        win.push(pending);
        pending = undefined;
        return n;
      }
      if (closed) return 0;
      try {
        win.compact();
        win.reserve(FILL_CHUNK);
        // a synchronous read (from the page cache, a fraction of a millisecond) costs half the CPU
        // of an asynchronous one, which hands every chunk to a pool thread and wakes the main
        // thread again (measured: about 50 ms less CPU for a 730 MB capture); every
        // ASYNC_EVERY-th read stays asynchronous so timers, signals and other I/O (a stream
        // worker's heartbeat) still get their turn while a large capture is read
        const n = ++reads % ASYNC_EVERY === 0 ? (await handle.read(win.buf, win.end, FILL_CHUNK, pos)).bytesRead : readSync(handle.fd, win.buf, win.end, FILL_CHUNK, pos);
        if (pos !== null) pos += n;
        win.end += n;
        total += n;
        if (n === 0) await close();
        return n;
      } catch (e) {
        await close();
        throw e;
      }
    },
    fillSync(win: ByteWindow): number {
      if (pending || closed || (reads + 1) % ASYNC_EVERY === 0) return -1;
      reads++;
      win.compact();
      win.reserve(FILL_CHUNK);
      // an error (the file vanished, EIO) goes to the reader, whose finally closes the file
      const n = readSync(handle.fd, win.buf, win.end, FILL_CHUNK, pos);
      if (pos !== null) pos += n;
      win.end += n;
      total += n;
      return n;
    },
  };
  return { chunks, bytesRead: () => total, cutShort: () => false, compression: () => undefined };
}
