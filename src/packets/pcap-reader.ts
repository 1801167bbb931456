/**
 * Classic libpcap files: a 24-byte file header (magic a1b2c3d4 for microsecond or a1b23c4d for
 * nanosecond timestamps, in the writer's byte order) and then 16-byte record headers each followed
 * by the captured bytes. Both byte orders and both resolutions are read; the FCS bits some writers
 * put in the link-type field's high bits are masked off.
 *
 * Records cannot be re-synchronised once a length is wrong (the format has no markers), so a record
 * header with an impossible length ends the read with one error naming its byte offset, after every
 * packet before it was delivered.
 */
import { InputError } from '../util/errors.js';
import type { ByteWindow } from './byte-window.js';
import type { CapturePacket } from './capture-packet.js';
import { CaptureCutShort } from './cut-short.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

/** libpcap's own ceiling on a record's captured length (MAXIMUM_SNAPLEN) */

/** pcap magic numbers (micro- and nanosecond) as the first word of a header reads in either byte order */
const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
export const MAX_RECORD = 262144;

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;

export class PcapParser {
  readonly littleEndian: boolean;
  readonly nanoseconds: boolean;
  readonly linkType: number;
  readonly snapLen: number;
  private headerDone = false;
  private count = 0;
  /** the first record's seconds, to recognise the old variants' longer record headers (see variantHint) */
  private firstSec = -1;

  /** records handed to the sink so far */
  get packets(): number {
    return this.count;
  }

  constructor(
    private readonly display: string,
    head: Uint8Array,
  ) {
    const be = (head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3];
    const m = be >>> 0;
    const le = ((head[3] << 24) | (head[2] << 16) | (head[1] << 8) | head[0]) >>> 0;
    if (m === PCAP_MAGIC_US || m === PCAP_MAGIC_NS) this.littleEndian = false;
    else if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) this.littleEndian = true;
    else throw new InputError({ file: display, byteOffset: 0 }, 'not a pcap file (unknown magic number)');
    this.nanoseconds = (this.littleEndian ? le : m) === PCAP_MAGIC_NS;
    if (head.length < 24) throw new InputError({ file: display, byteOffset: head.length }, 'truncated pcap file header (24 bytes expected)');
    this.snapLen = this.u32(head, 16);
    this.linkType = this.u32(head, 20) & 0x0fffffff & 0xffff;
  }

  private u32(b: Uint8Array, o: number): number {
    return this.littleEndian ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0 : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  /** Deliver every complete record in the window; leaves a partial record unread. */
  consume(win: ByteWindow, p: CapturePacket, sink: (p: CapturePacket) => void): void {
    const b = win.buf;
    let s = win.start;
    const e = win.end;
    if (!this.headerDone) {
      if (e - s < 24) return;
      s += 24;
      this.headerDone = true;
    }
    const le = this.littleEndian;
    const ns = this.nanoseconds;
    p.data = b;
    p.linkType = this.linkType;
    p.ifIndex = 0;
    while (e - s >= 16) {
      let sec: number, frac: number, incl: number, orig: number;
      if (le) {
        sec = (b[s] | (b[s + 1] << 8) | (b[s + 2] << 16) | (b[s + 3] << 24)) >>> 0;
        frac = (b[s + 4] | (b[s + 5] << 8) | (b[s + 6] << 16) | (b[s + 7] << 24)) >>> 0;
        incl = (b[s + 8] | (b[s + 9] << 8) | (b[s + 10] << 16) | (b[s + 11] << 24)) >>> 0;
        orig = (b[s + 12] | (b[s + 13] << 8) | (b[s + 14] << 16) | (b[s + 15] << 24)) >>> 0;
      } else {
        sec = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
        frac = ((b[s + 4] << 24) | (b[s + 5] << 16) | (b[s + 6] << 8) | b[s + 7]) >>> 0;
        incl = ((b[s + 8] << 24) | (b[s + 9] << 16) | (b[s + 10] << 8) | b[s + 11]) >>> 0;
        orig = ((b[s + 12] << 24) | (b[s + 13] << 16) | (b[s + 14] << 8) | b[s + 15]) >>> 0;
      }
      // another file's header where a record should be: captures joined by `cat a.pcap b.pcap`
      // (read as a record, it made the next one garbage: "garbled pcap record header of packet 429")
      if ((frac === 0x00040002 || frac === 0x04000200 || frac === 0x02000400 || frac === 0x00020004) && PCAP_MAGICS.has(sec)) {
        throw new InputError(
          { file: this.display, byteOffset: win.base + s },
          `a second pcap file header after packet ${thousands(this.count)}: captures joined end to end (cat a.pcap b.pcap), which is not a pcap file; give the files separately (read as one capture, in the order given) or join them with mergecap -w joined.pcap a.pcap b.pcap`,
        );
      }
      if (incl > MAX_RECORD || frac >= (ns ? 1e9 : 1e6)) {
        const why = incl > MAX_RECORD ? `captured length ${incl} is larger than any pcap record (${MAX_RECORD})` : `timestamp fraction ${frac} is out of range`;
        const variant = this.variantHint(b, s, e);
        throw new InputError(
          { file: this.display, byteOffset: win.base + s },
          `garbled pcap record header of packet ${thousands(this.count + 1)} (${why}); ${thousands(this.count)} ${plural(this.count, 'packet')} before it ${this.count === 1 ? 'was' : 'were'} read${variant}`,
        );
      }
      if (e - s - 16 < incl) break;
      p.offset = s + 16;
      p.capLen = incl;
      p.wireLen = orig < incl ? incl : orig;
      // nanoseconds: whole microseconds, the rest cut off as libpcap does for a microsecond reader
      // (CICFlowMeter's); a fraction in a double of epoch µs would be 0.25 µs rounding noise, not
      // nanoseconds. (A microsecond fraction is not divided by 1: a division on every packet's way for nothing.)
      p.tsMicros = ns ? sec * 1e6 + Math.floor(frac / 1000) : sec * 1e6 + frac;
      p.fileOffset = win.base + s;
      p.number = ++this.count;
      if (this.firstSec < 0) this.firstSec = sec;
      sink(p);
      s += 16 + incl;
    }
    win.start = s;
  }

  /**
   * Old tcpdump variants write the standard magic number but longer record headers: Nokia's 4 more
   * bytes, Red Hat 6.1's 8 (Wireshark's "nokiapcap", "rh6_1pcap"). Read as 16-byte headers, the
   * second record header is garbage; when one k bytes further on reads as a plausible header (its
   * time within a day of the first packet's), the error says which variant and how to convert it
   * (before, it named the byte offset and nothing else to do). Empty when nothing fits.
   */
  private variantHint(b: Uint8Array, s: number, e: number): string {
    if (this.count === 0 || this.firstSec < 0) return '';
    for (const [extra, name] of [[4, 'Nokia'], [8, 'Red Hat 6.1']] as const) {
      const h = s + extra;
      if (e - h < 16) continue;
      const sec = this.u32(b, h);
      const frac = this.u32(b, h + 4);
      const incl = this.u32(b, h + 8);
      const orig = this.u32(b, h + 12);
      if (frac < (this.nanoseconds ? 1e9 : 1e6) && incl <= MAX_RECORD && orig >= incl && Math.abs(sec - this.firstSec) <= 86400) {
        return `: its records look like the ${name} tcpdump variant of pcap (record headers ${16 + extra} bytes long, not 16), which this reader does not read; convert it with editcap -F pcap IN OUT (Wireshark's editcap reads it)`;
      }
    }
    return '';
  }

  /** Called at the end of the stream with what is left unread. */
  finish(win: ByteWindow): void {
    if (!this.headerDone) throw new InputError({ file: this.display, byteOffset: win.offset }, 'truncated pcap file header (24 bytes expected)');
    if (win.available > 0) {
      throw new CaptureCutShort(
        { file: this.display, byteOffset: win.offset },
        `truncated pcap record (packet ${thousands(this.count + 1)}: ${win.available} of ${win.available >= 16 ? 16 + this.u32(win.buf, win.start + 8) : 16} bytes present); ${thousands(this.count)} ${plural(this.count, 'packet')} before it ${this.count === 1 ? 'was' : 'were'} read`,
        this.count,
      );
    }
  }
}
