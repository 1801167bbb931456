/**
 * The bytes of a plain capture file, read into one reused buffer (no allocation per chunk: a
 * 10 GB capture read through ByteSource's stream makes 10 GB of garbage for the collector). The
 * chunk handed out is valid until the next one is asked for; the capture reader copies it into its
 * window at once. Gzip-compressed files, stdin and pipes go through ByteSource instead.
 */
import { open } from 'node:fs/promises';
import { ByteSource } from '../sources/byte-source.js';

const CHUNK = 1 << 20;

export interface CaptureChunks {
  chunks: AsyncIterable<Uint8Array>;
  /** raw bytes read so far */
  bytesRead(): number;
}

export async function captureChunks(input: { display: string; path?: string; source?: ByteSource }, stdin?: NodeJS.ReadableStream): Promise<CaptureChunks> {
  if (input.source || input.path === undefined) {
    const src = input.source ?? new ByteSource({ display: input.display, path: input.path, stream: stdin });
    return { chunks: src.chunks(), bytesRead: () => src.bytesRead };
  }
  let fh;
  try {
    fh = await open(input.path, 'r');
  } catch {
    // let ByteSource word the error (no such file, permission denied, a folder)
    const src = new ByteSource({ display: input.display, path: input.path });
    return { chunks: src.chunks(), bytesRead: () => src.bytesRead };
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  const first = await fh.read(buf, 0, CHUNK, null);
  if (first.bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    await fh.close();
    const src = new ByteSource({ display: input.display, path: input.path });
    return { chunks: src.chunks(), bytesRead: () => src.bytesRead };
  }
  let total = first.bytesRead;
  const handle = fh;
  async function* gen(): AsyncGenerator<Uint8Array> {
    try {
      let n = first.bytesRead;
      while (n > 0) {
        yield buf.subarray(0, n);
        n = (await handle.read(buf, 0, CHUNK, null)).bytesRead;
        total += n;
      }
    } finally {
      await handle.close();
    }
  }
  return { chunks: gen(), bytesRead: () => total };
}
