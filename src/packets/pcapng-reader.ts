/**
 * pcapng files (the format Wireshark and dumpcap write): a sequence of blocks, each framed by its
 * type and total length at the start and the same length again at the end. Read here: Section
 * Header Blocks (each section may have its own byte order; a file may hold several sections),
 * Interface Description Blocks (each interface its own link type, snap length, `if_tsresol` and
 * `if_tsoffset`), Enhanced and Simple Packet Blocks, and the obsolete Packet Block. Every other
 * block (name resolution, statistics, decryption secrets, custom) is skipped by its length.
 *
 * Damage: a block whose framing is wrong (length not a multiple of 4, below 12, above 16 MiB, or a
 * trailing length that differs) ends the read with one error naming its byte offset, after every
 * packet before it was delivered. A block whose framing is right but whose contents are not (a
 * captured length past the block's end, an interface that was never described) is counted in
 * `garbled` and skipped: the next block is still found by the framing.
 */
import { InputError } from '../util/errors.js';
import type { ByteWindow } from './byte-window.js';
import type { CapturePacket } from './capture-packet.js';
import { CaptureCutShort } from './cut-short.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BOM = 0x1a2b3c4d;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const MAX_BLOCK = 16 << 20;

interface Interface {
  linkType: number;
  snapLen: number;
  /** microseconds per timestamp unit */
  microsPerUnit: number;
  /** 2^32 units in microseconds, split into a whole part and the rest, so that a 64-bit count of
   * nanoseconds (beyond a double's 53 bits) still gives whole microseconds exactly */
  hiWhole: number;
  hiFrac: number;
  /**
   * resolutions finer than a microsecond in powers of ten (nanoseconds: 1000): units per
   * microsecond, with 2^32 = hiQ * unitsPerMicro + hiR, so whole microseconds come out by integer
   * arithmetic (0 for other resolutions)
   */
  unitsPerMicro: number;
  hiQ: number;
  hiR: number;
  /** seconds added to every timestamp (if_tsoffset) */
  offsetMicros: number;
}

export class PcapngParser {
  /** blocks skipped because their contents did not make sense */
  garbled = 0;
  /** sections seen (Section Header Blocks) */
  sections = 0;
  private le = true;
  private interfaces: Interface[] = [];
  private count = 0;

  /** records handed to the sink so far */
  get packets(): number {
    return this.count;
  }
  private lastTs = 0;
  /** link types of every interface seen, for summaries */
  readonly linkTypes = new Set<number>();

  constructor(private readonly display: string) {}

  private u32(b: Uint8Array, o: number): number {
    return this.le ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0 : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  private u16(b: Uint8Array, o: number): number {
    return this.le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
  }

  private fail(win: ByteWindow, at: number, what: string): never {
    throw new InputError({ file: this.display, byteOffset: win.base + at }, `${what}; ${thousands(this.count)} ${plural(this.count, 'packet')} before it ${this.count === 1 ? 'was' : 'were'} read`);
  }

  consume(win: ByteWindow, p: CapturePacket, sink: (p: CapturePacket) => void): void {
    const b = win.buf;
    let s = win.start;
    const e = win.end;
    p.data = b;
    while (e - s >= 12) {
      const type = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
      if (type === PCAPNG_SHB) {
        const bomLe = (b[s + 8] | (b[s + 9] << 8) | (b[s + 10] << 16) | (b[s + 11] << 24)) >>> 0;
        if (bomLe === BOM) this.le = true;
        else if (((b[s + 8] << 24) | (b[s + 9] << 16) | (b[s + 10] << 8) | b[s + 11]) >>> 0 === BOM) this.le = false;
        else this.fail(win, s, 'garbled pcapng section header (byte-order magic missing)');
      } else if (this.sections === 0) this.fail(win, s, 'not a pcapng file (it must start with a section header block)');
      const len = this.u32(b, s + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) this.fail(win, s, `garbled pcapng block (type 0x${(this.le ? this.u32(b, s) : type).toString(16)}, length ${len})`);
      if (e - s < len) break;
      if (this.u32(b, s + len - 4) !== len) this.fail(win, s, `garbled pcapng block (its trailing length ${this.u32(b, s + len - 4)} differs from its leading length ${len})`);
      const t = this.le ? (b[s] | (b[s + 1] << 8) | (b[s + 2] << 16) | (b[s + 3] << 24)) >>> 0 : type;
      if (t === EPB || t === OPB) {
        const obsolete = t === OPB;
        const ifId = obsolete ? this.u16(b, s + 8) : this.u32(b, s + 8);
        const hi = this.u32(b, s + 12);
        const lo = this.u32(b, s + 16);
        const cap = this.u32(b, s + 20);
        const orig = this.u32(b, s + 24);
        const iface = this.interfaces[ifId];
        if (len < 32 || !iface || 28 + cap > len - 4) this.garbled++;
        else {
          p.offset = s + 28;
          p.capLen = cap;
          p.wireLen = orig < cap ? cap : orig;
          p.tsMicros = this.lastTs = this.micros(iface, hi, lo);
          p.linkType = iface.linkType;
          p.ifIndex = ifId;
          p.fileOffset = win.base + s;
          p.number = ++this.count;
          sink(p);
        }
      } else if (t === SPB) {
        const iface = this.interfaces[0];
        if (len < 16 || !iface) this.garbled++;
        else {
          const orig = this.u32(b, s + 8);
          let cap = Math.min(orig, len - 16);
          if (iface.snapLen > 0 && cap > iface.snapLen) cap = iface.snapLen;
          p.offset = s + 12;
          p.capLen = cap;
          p.wireLen = orig;
          p.tsMicros = this.lastTs; // simple packet blocks carry no time: the last one seen stands in
          p.linkType = iface.linkType;
          p.ifIndex = 0;
          p.fileOffset = win.base + s;
          p.number = ++this.count;
          sink(p);
        }
      } else if (t === IDB) {
        if (len < 20) this.garbled++;
        else this.interfaces.push(this.readInterface(b, s, len));
      } else if (t === PCAPNG_SHB) {
        this.sections++;
        this.interfaces = [];
      }
      s += len;
    }
    win.start = s;
  }

  /**
   * A timestamp in whole microseconds, the part below cut off as libpcap does when it hands a
   * nanosecond capture to a microsecond reader (CICFlowMeter's). A fraction kept in a double of
   * epoch microseconds (about 1.8e15, spaced 0.25 µs) is not nanoseconds but rounding noise: the
   * same capture as nanosecond pcap and as pcapng gave gaps 0.25 µs apart.
   */
  private micros(iface: Interface, hi: number, lo: number): number {
    const d = iface.unitsPerMicro;
    if (d === 0) return Math.floor(hi * iface.hiWhole + (hi * iface.hiFrac + lo * iface.microsPerUnit)) + iface.offsetMicros;
    // units = hi * 2^32 + lo = hi * (hiQ * d + hiR) + lo: hi * hiR + lo stays below 2^53
    const rest = hi * iface.hiR + lo;
    let m = Math.floor(rest / d);
    if (m * d > rest) m--;
    return hi * iface.hiQ + m + iface.offsetMicros;
  }

  private readInterface(b: Uint8Array, s: number, len: number): Interface {
    const linkType = this.u16(b, s + 8);
    const iface: Interface = { linkType, snapLen: this.u32(b, s + 12), microsPerUnit: 1, hiWhole: 4294967296, hiFrac: 0, unitsPerMicro: 0, hiQ: 0, hiR: 0, offsetMicros: 0 };
    this.linkTypes.add(linkType);
    let o = s + 16;
    const end = s + len - 4;
    while (o + 4 <= end) {
      const code = this.u16(b, o);
      const olen = this.u16(b, o + 2);
      if (code === 0 || o + 4 + olen > end) break;
      if (code === 9 && olen >= 1) {
        const v = b[o + 4];
        const unitsPerSec = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
        iface.microsPerUnit = 1e6 / unitsPerSec;
        iface.hiWhole = Math.floor(4294967296 * iface.microsPerUnit);
        iface.hiFrac = 4294967296 * iface.microsPerUnit - iface.hiWhole;
        // decimal and finer than µs (up to 10^12 a second: hi * hiR then stays below 2^53)
        iface.unitsPerMicro = !(v & 0x80) && v > 6 && v <= 12 ? 10 ** (v - 6) : 0;
        if (iface.unitsPerMicro > 0) {
          iface.hiQ = Math.floor(4294967296 / iface.unitsPerMicro);
          iface.hiR = 4294967296 - iface.hiQ * iface.unitsPerMicro;
        }
      } else if (code === 14 && olen >= 8) {
        const hi = this.u32(b, o + (this.le ? 8 : 4));
        const lo = this.u32(b, o + (this.le ? 4 : 8));
        const signedHi = hi > 0x7fffffff ? hi - 4294967296 : hi;
        iface.offsetMicros = (signedHi * 4294967296 + lo) * 1e6;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    return iface;
  }

  finish(win: ByteWindow): void {
    if (this.sections === 0 && win.available === 0) throw new InputError({ file: this.display, byteOffset: 0 }, 'empty pcapng file');
    if (win.available > 0) {
      const need = win.available >= 8 ? this.u32(win.buf, win.start + 4) : 12;
      throw new CaptureCutShort(
        { file: this.display, byteOffset: win.base + win.start },
        `truncated pcapng block (${win.available} of ${need} bytes present); ${thousands(this.count)} ${plural(this.count, 'packet')} before it ${this.count === 1 ? 'was' : 'were'} read`,
        this.count,
      );
    }
  }
}
