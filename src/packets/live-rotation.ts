/**
 * The packets of a live capture written to rotated pcap files (`capture --write DIR
 * [--rotate-seconds N | --rotate-mb N]`), each file atomic: it is written under a temporary name and
 * renamed into place (after fsync) only when it is complete, so whatever watches DIR (an archiver,
 * `netsentinel analyze DIR`) never sees half a file, and an interrupted run leaves no partial file.
 *
 * Why not the program's own rotation (tcpdump -G/-C): the program writes to our pipe, and a second
 * copy written by it would need a second capture; rotating here also keeps the files identical to
 * what was analysed. The files are classic pcap (microsecond, little-endian), with the link type of
 * the capture, one record per packet as captured.
 *
 * Records are gathered synchronously as packets are decoded (the reader's hot path awaits nothing)
 * and written between chunks by `drain`. With `compress` each file is gzip- or zstd-compressed as it
 * is written (util/compressed-output.ts), and renamed into place once the compressor has flushed.
 */
import { join } from 'node:path';
import { openOutput, type OutputStream } from '../util/atomic-output.js';
import { COMPRESSED_SUFFIX, compressedOutput, type OutputCompression } from '../util/compressed-output.js';
import type { CapturePacket } from './capture-packet.js';

export interface RotationOptions {
  readonly dir: string;
  /** start a new file when the current one's first packet is this old (capture time) */
  readonly seconds?: number;
  /** start a new file before this many bytes would be exceeded */
  readonly bytes?: number;
  /** file names start with this (the interface name) */
  readonly prefix: string;
  /**
   * each file compressed as it is written (name ending .pcap.gz or .pcap.zst); the size limit
   * applies to the pcap before compression, as tcpdump -C applies it before -z
   */
  readonly compress?: OutputCompression;
  /** the zstd executable, for `compress: 'zstd'` */
  readonly zstdProgram?: string;
}

const SNAPLEN = 262144;

interface Segment {
  readonly name: string;
  readonly firstTs: number;
  bytes: number;
  parts: Uint8Array[];
  complete: boolean;
  out?: OutputStream;
}

export class RotatingCaptureWriter {
  /** files completed (renamed into place), in order */
  readonly files: string[] = [];
  private readonly segments: Segment[] = [];
  private seq = 0;

  constructor(private readonly o: RotationOptions) {}

  /** Add one packet (copied: the reader reuses its buffer). */
  packet(p: CapturePacket): void {
    let cur = this.segments[this.segments.length - 1];
    const recordBytes = 16 + p.capLen;
    if (cur && !cur.complete) {
      const tooOld = this.o.seconds !== undefined && p.tsMicros - cur.firstTs >= this.o.seconds * 1e6;
      const tooBig = this.o.bytes !== undefined && cur.bytes > 24 && cur.bytes + recordBytes > this.o.bytes;
      if (tooOld || tooBig) cur.complete = true;
    }
    if (!cur || cur.complete) {
      cur = { name: this.fileName(p.tsMicros), firstTs: p.tsMicros, bytes: 24, parts: [fileHeader(p.linkType)], complete: false };
      this.segments.push(cur);
    }
    const rec = new Uint8Array(recordBytes);
    const v = new DataView(rec.buffer);
    const sec = Math.floor(p.tsMicros / 1e6);
    v.setUint32(0, sec, true);
    v.setUint32(4, Math.floor(p.tsMicros - sec * 1e6), true);
    v.setUint32(8, p.capLen, true);
    v.setUint32(12, p.wireLen, true);
    rec.set(p.data.subarray(p.offset, p.offset + p.capLen), 16);
    cur.parts.push(rec);
    cur.bytes += recordBytes;
  }

  /** Write what was gathered; files that are complete are put in place. */
  async drain(): Promise<void> {
    while (this.segments.length > 0) {
      const s = this.segments[0];
      if (!s.out) {
        const path = join(this.o.dir, s.name);
        const file = await openOutput(path, 'capture');
        s.out = this.o.compress ? compressedOutput(file, this.o.compress, path, this.o.zstdProgram) : file;
      }
      const parts = s.parts;
      s.parts = [];
      if (parts.length > 0) await s.out.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
      if (!s.complete) return;
      await s.out.close();
      this.files.push(join(this.o.dir, s.name));
      this.segments.shift();
    }
  }

  /** The capture ended: the last file is complete too. */
  async close(): Promise<void> {
    const last = this.segments[this.segments.length - 1];
    if (last) last.complete = true;
    await this.drain();
  }

  /** Failure: remove the temporaries (completed files stay: they are whole). */
  async abort(): Promise<void> {
    for (const s of this.segments) await s.out?.abort();
    this.segments.length = 0;
  }

  private fileName(tsMicros: number): string {
    const t = new Date(tsMicros / 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const safe = this.o.prefix.replace(/[^A-Za-z0-9_.@-]/g, '_');
    return `${safe}-${t}-${String(++this.seq).padStart(4, '0')}.pcap${this.o.compress ? COMPRESSED_SUFFIX[this.o.compress] : ''}`;
  }
}

/** The 24-byte classic pcap header: microsecond magic, version 2.4, the link type. */
function fileHeader(linkType: number): Uint8Array {
  const h = new Uint8Array(24);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, SNAPLEN, true);
  v.setUint32(20, linkType, true);
  return h;
}
