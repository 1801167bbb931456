/**
 * The time of a capture file's first packet, read from its first bytes only (gzip and zstd too), so that a
 * folder of captures can be read in the order its packets were captured (resolve-inputs.ts).
 * Undefined when the file is no capture, holds no packet in its first bytes (an empty capture, a
 * first packet larger than what is read), or cannot be read: the reader says why when it reads it.
 */
import { open } from 'node:fs/promises';
import { decompressedHead } from '../sources/compression.js';
import { iterateCapture } from './read-capture.js';

/**
 * Bytes read from the start of each file: 64 KB hold the headers and first packet of nearly every
 * capture (a folder of a thousand captures costs 64 MB of reading); 320 KB, tried when those did
 * not, hold pcapng's section and interface blocks and a first packet of up to 256 KB.
 */
const HEAD_BYTES = [64 * 1024, 320 * 1024];

export async function firstPacketTime(path: string): Promise<number | undefined> {
  return (await firstPacketAndHead(path)).time;
}

/**
 * firstPacketTime, with the file's first bytes as read for it (raw, as on disk): the dataset reader
 * starts from them rather than reading them again (read-dataset.ts). No head when reading failed.
 */
export async function firstPacketAndHead(path: string): Promise<{ time?: number; head?: Uint8Array }> {
  let r: { time?: number; whole: boolean; raw?: Uint8Array } = { whole: true };
  for (const n of HEAD_BYTES) {
    r = await firstIn(path, n);
    if (r.time !== undefined || r.whole) break;
  }
  return { time: r.time, head: r.raw };
}

/** The first packet's time in the first `headBytes` of the file, and whether those were the whole file. */
async function firstIn(path: string, headBytes: number): Promise<{ time?: number; whole: boolean; raw?: Uint8Array }> {
  let head: Uint8Array;
  let raw: Uint8Array;
  let whole = false;
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(headBytes);
      const { bytesRead } = await fh.read(buf, 0, headBytes, 0);
      head = raw = buf.subarray(0, bytesRead);
      whole = bytesRead < headBytes;
    } finally {
      await fh.close();
    }
    // tcpdump -z gzip, -z zstd: what the first compressed bytes decompress to is enough (zstd's come
    // a block of up to 128 KiB at a time: the second, larger read holds one)
    head = decompressedHead(head);
  } catch {
    return { whole: true };
  }
  let first: number | undefined;
  try {
    const chunks = (async function* () {
      yield head;
    })();
    // the head usually ends inside a packet: allowed, it is not the file's end
    const it = iterateCapture(chunks, path, (p) => {
      if (first === undefined) first = p.tsMicros;
    }, { allowCutShort: true });
    for (;;) if ((await it.next()).done) break;
  } catch {
    // garbled after the first packet, or no capture at all: what was found stands
  }
  return { time: first, whole, raw };
}
