/**
 * The flow meter: decoded packets in, finished bidirectional flows out.
 *
 * A flow is keyed by the 5-tuple (addresses, ports, protocol) in both directions; its forward
 * direction is the sender of its first packet (CICFlowMeter's rule, and Zeek's originator). A flow
 * ends when
 *  - its first packet is older than the active timeout (CICFlowMeter's "flow timeout", 120 s): the
 *    packet that crosses it starts a new flow of the same key, as CICFlowMeter does;
 *  - it has been idle longer than the idle timeout (120 s by default);
 *  - TCP: both sides sent FIN, or either sent RST. It then lingers (`closeLinger`, 2 s) to take the
 *    last ACKs, and a new SYN on the same ports starts a new flow at once (port reuse);
 *  - the table is full: the least recently seen flow is evicted (closing flows first) and counted;
 *  - the capture ends.
 *
 * Memory is bounded: flows live in slots of flat typed arrays (flow-state.ts) that grow by doubling
 * up to `maxFlows` and never beyond, indexed by an open-addressing hash of the canonical key and
 * kept in two least-recently-seen lists (open, closing) so timeouts and eviction are O(1) per
 * flow. A flood of spoofed one-packet flows costs evictions, never memory.
 *
 * Fragments: reassembly is not needed for flows, only attribution. The first fragment of an IP
 * datagram carries the ports; they are remembered (a small direct-mapped cache keyed by addresses,
 * protocol and fragment id) so later fragments join the same flow with their payload counted. A
 * later fragment whose first was never seen joins the flow of its addresses with ports 0.
 *
 * Not here: what a finished flow's features are (cic-features.ts, zeek-conn.ts); reading packets.
 */
import { FRAGMENT_HEADER_REST, L3_IPV6, PROTO_TCP, TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, type DecodedPacket } from './decoded-packet.js';
import * as S from './flow-state.js';

export interface FlowMeterOptions {
  /** most flows held at once (default 100,000; each takes about 0.8 KB) */
  readonly maxFlows?: number;
  /** a flow's first packet older than this ends it (µs; default 120 s, CICFlowMeter's flow timeout) */
  readonly activeTimeoutMicros?: number;
  /** no packet for this long ends a flow (µs; default 120 s) */
  readonly idleTimeoutMicros?: number;
  /** a gap longer than this splits active and idle periods (µs; default 5 s, CICFlowMeter's activity timeout) */
  readonly activityTimeoutMicros?: number;
  /** how long a TCP flow closed by FIN/RST waits for its last packets (µs; default 2 s) */
  readonly closeLingerMicros?: number;
}

/** Why a flow was finished. */
export const END_ACTIVE_TIMEOUT = 1;
export const END_IDLE_TIMEOUT = 2;
export const END_TCP_CLOSE = 3;
export const END_PORT_REUSE = 4;
export const END_EVICTED = 5;
export const END_CAPTURE = 6;
export const END_REASONS: Readonly<Record<number, string>> = {
  1: 'active timeout',
  2: 'idle timeout',
  3: 'TCP close (FIN/RST)',
  4: 'new SYN on a closed connection',
  5: 'evicted (flow table full)',
  6: 'end of capture',
};

/** TCP state bits per flow (originator = forward direction). */
export const B_ORIG_SYN = 1;
export const B_RESP_SYNACK = 2;
export const B_ORIG_FIN = 4;
export const B_RESP_FIN = 8;
export const B_ORIG_RST = 16;
export const B_RESP_RST = 32;
export const B_RESP_SYN = 64;
export const B_ORIG_SYNACK = 128;

/** History letters (Zeek's): upper case for the originator. */
const H_LETTERS = 'SHADFR';
export const HISTORY_MAX = 12;

export type FlowSink = (meter: FlowMeter, slot: number, reason: number) => void;

const KEY_WORDS = 10;
const LIST_FREE = 0;
const LIST_OPEN = 1;
const LIST_CLOSING = 2;
const FRAG_SLOTS = 4096;
/**
 * How much earlier than the packets before it a file's first packet must be to restart the meter
 * (µs): a ring buffer of dumpcap on several interfaces may start a file a little before the last
 * packets of the one before (each interface's packets written in turns); that is not files out of
 * order, and the in-flow clamp takes it without splitting every open flow.
 */
const FILE_RESTART_SLACK = 1e6;

export interface FlowMeterStats {
  packets: number;
  flowsStarted: number;
  flowsFinished: number;
  evictions: number;
  byReason: Record<string, number>;
  fragments: number;
  orphanFragments: number;
  /**
   * packets earlier than the packet before them in their flow (files given out of time order, or
   * a capture merged or rewritten without sorting); each was taken at that earlier packet's time
   */
  outOfOrder: number;
  /** files whose first packet came before the packets read before them: the meter restarted there */
  earlierFiles: number;
  peakFlows: number;
}

export class FlowMeter {
  readonly maxFlows: number;
  readonly activeTimeout: number;
  readonly idleTimeout: number;
  readonly activityTimeout: number;
  readonly closeLinger: number;

  /** per-slot statistics, STRIDE numbers per slot */
  state: Float64Array;
  /** canonical key: endpoint A address (4 words), B address (4), ports (A << 16 | B), family << 8 | proto */
  keys: Uint32Array;
  /** 1 when the forward direction (first sender) is endpoint A of the key */
  fwdIsA: Uint8Array;
  tcpBits: Int32Array;
  histMask: Int32Array;
  hist: Uint8Array;
  histLen: Uint8Array;
  /** flow number (1-based, in order of creation) */
  flowNo: Float64Array;
  private hashes: Int32Array;
  private prev: Int32Array;
  private next: Int32Array;
  private list: Uint8Array;
  private index: Int32Array;
  private mask: number;
  private capacity = 0;
  private freeTop = 0;
  private freeStack: Int32Array;
  private readonly head = [-1, -1, -1];
  private readonly tail = [-1, -1, -1];
  /** flows held now */
  size = 0;
  private flowCounter = 0;
  private sinceSweep = 0;
  /** latest packet time seen (µs) */
  now = 0;
  /** the canonical key of the latest packet's flow */
  private readonly key = new Uint32Array(KEY_WORDS);
  /** the latest packet's flow slot (its key is `key`), -1 once that flow is finished */
  private lastSlot = -1;
  private readonly frag = new Uint32Array(FRAG_SLOTS * 12);
  readonly stats: FlowMeterStats = { packets: 0, flowsStarted: 0, flowsFinished: 0, evictions: 0, byReason: {}, fragments: 0, orphanFragments: 0, outOfOrder: 0, earlierFiles: 0, peakFlows: 0 };
  /** called with the first eviction (so a caller can warn once) */
  onFirstEviction?: () => void;
  /**
   * called when a file's first packet is earlier than every packet before it (startFile): the
   * caller finishes the open flows (flush), with what it knows of the files; without it, flush
   */
  onEarlierFile?: () => void;
  private fileStarting = false;

  constructor(
    private readonly sink: FlowSink,
    opts: FlowMeterOptions = {},
  ) {
    this.maxFlows = Math.max(1, Math.floor(opts.maxFlows ?? 100_000));
    this.activeTimeout = opts.activeTimeoutMicros ?? 120e6;
    this.idleTimeout = opts.idleTimeoutMicros ?? 120e6;
    this.activityTimeout = opts.activityTimeoutMicros ?? 5e6;
    this.closeLinger = opts.closeLingerMicros ?? 2e6;
    const cap = Math.min(this.maxFlows, 1024);
    this.state = new Float64Array(0);
    this.keys = new Uint32Array(0);
    this.fwdIsA = new Uint8Array(0);
    this.tcpBits = new Int32Array(0);
    this.histMask = new Int32Array(0);
    this.hist = new Uint8Array(0);
    this.histLen = new Uint8Array(0);
    this.flowNo = new Float64Array(0);
    this.hashes = new Int32Array(0);
    this.prev = new Int32Array(0);
    this.next = new Int32Array(0);
    this.list = new Uint8Array(0);
    this.freeStack = new Int32Array(0);
    this.index = new Int32Array(0);
    this.mask = 0;
    this.grow(cap);
  }

  /** Address family (4 or 6) and protocol of a slot. */
  family(slot: number): number {
    return this.keys[slot * KEY_WORDS + 9] >>> 8;
  }
  proto(slot: number): number {
    return this.keys[slot * KEY_WORDS + 9] & 255;
  }
  /** Forward (source) and backward endpoints' word offset into keys and port. */
  srcWord(slot: number): number {
    return slot * KEY_WORDS + (this.fwdIsA[slot] ? 0 : 4);
  }
  dstWord(slot: number): number {
    return slot * KEY_WORDS + (this.fwdIsA[slot] ? 4 : 0);
  }
  srcPort(slot: number): number {
    const p = this.keys[slot * KEY_WORDS + 8];
    return this.fwdIsA[slot] ? p >>> 16 : p & 0xffff;
  }
  dstPort(slot: number): number {
    const p = this.keys[slot * KEY_WORDS + 8];
    return this.fwdIsA[slot] ? p & 0xffff : p >>> 16;
  }
  historyText(slot: number): string {
    let s = '';
    const o = slot * HISTORY_MAX;
    for (let i = 0; i < this.histLen[slot]; i++) s += String.fromCharCode(this.hist[o + i]);
    return s;
  }

  /** Bytes of the flow table's arrays (what --max-flows bounds; the capacity grows by doubling up to it). */
  memoryBytes(): number {
    const arrays = [this.state, this.keys, this.fwdIsA, this.tcpBits, this.histMask, this.hist, this.histLen, this.flowNo, this.hashes, this.prev, this.next, this.list, this.freeStack, this.index, this.frag];
    return arrays.reduce((sum, a) => sum + a.byteLength, 0);
  }

  private grow(cap: number): void {
    const old = this.capacity;
    const g = <T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(a: T, per: number, make: (n: number) => T): T => {
      const b = make(cap * per);
      b.set(a.subarray(0, old * per));
      return b;
    };
    this.state = g(this.state, S.STRIDE, (n) => new Float64Array(n));
    this.keys = g(this.keys, KEY_WORDS, (n) => new Uint32Array(n));
    this.fwdIsA = g(this.fwdIsA, 1, (n) => new Uint8Array(n));
    this.tcpBits = g(this.tcpBits, 1, (n) => new Int32Array(n));
    this.histMask = g(this.histMask, 1, (n) => new Int32Array(n));
    this.hist = g(this.hist, HISTORY_MAX, (n) => new Uint8Array(n));
    this.histLen = g(this.histLen, 1, (n) => new Uint8Array(n));
    this.flowNo = g(this.flowNo, 1, (n) => new Float64Array(n));
    this.hashes = g(this.hashes, 1, (n) => new Int32Array(n));
    this.prev = g(this.prev, 1, (n) => new Int32Array(n));
    this.next = g(this.next, 1, (n) => new Int32Array(n));
    this.list = g(this.list, 1, (n) => new Uint8Array(n));
    const fs = new Int32Array(cap);
    // free slots are handed out lowest first
    let top = 0;
    for (let i = cap - 1; i >= old; i--) fs[top++] = i;
    for (let i = 0; i < this.freeTop; i++) fs[top++] = this.freeStack[i];
    this.freeStack = fs;
    this.freeTop = top;
    this.capacity = cap;
    let h = 16;
    while (h < cap * 2) h *= 2;
    this.index = new Int32Array(h).fill(-1);
    this.mask = h - 1;
    for (let l = LIST_OPEN; l <= LIST_CLOSING; l++) for (let s = this.head[l]; s >= 0; s = this.next[s]) this.insertIndex(s);
  }

  private insertIndex(slot: number): void {
    let i = this.hashes[slot] & this.mask;
    while (this.index[i] >= 0) i = (i + 1) & this.mask;
    this.index[i] = slot;
  }

  private removeIndex(slot: number): void {
    const mask = this.mask;
    const idx = this.index;
    let i = this.hashes[slot] & mask;
    while (idx[i] !== slot) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = idx[j];
      if (s < 0) break;
      const k = this.hashes[s] & mask;
      // move s back into the hole at i unless its home lies cyclically in (i, j]
      if (i <= j ? k <= i || k > j : k <= i && k > j) {
        idx[i] = s;
        i = j;
      }
    }
    idx[i] = -1;
  }

  private unlink(slot: number): void {
    const l = this.list[slot];
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p >= 0) this.next[p] = n;
    else this.head[l] = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail[l] = p;
  }

  private append(slot: number, l: number): void {
    this.list[slot] = l;
    const t = this.tail[l];
    this.prev[slot] = t;
    this.next[slot] = -1;
    if (t >= 0) this.next[t] = slot;
    else this.head[l] = slot;
    this.tail[l] = slot;
  }

  /** Move a slot to the most recently seen end of list `l` (most packets are already there: a burst of one flow). */
  private touch(slot: number, l: number): void {
    if (this.tail[l] === slot && this.list[slot] === l) return;
    this.unlink(slot);
    this.append(slot, l);
  }

  /**
   * The next packet is a new file's first. Files given together are one capture, read in the
   * order given; when one starts over a second before the packets read so far (files out of time order: newest
   * first, logrotate's numbering, two interfaces captured apart), the open flows are finished
   * there and the clock starts again from it. Its older packets would otherwise join flows they
   * precede, and the flows they open would look idle against the later clock and be cut into
   * pieces at every sweep.
   */
  startFile(): void {
    this.fileStarting = this.stats.packets > 0;
  }

  /** Account one decoded IP packet (l3 is IPv4 or IPv6). */
  packet(d: DecodedPacket): void {
    let ts = d.tsMicros;
    if (this.fileStarting) {
      this.fileStarting = false;
      if (ts < this.now - FILE_RESTART_SLACK) {
        this.stats.earlierFiles++;
        if (this.onEarlierFile) this.onEarlierFile();
        else this.flush();
        this.now = ts;
      }
    }
    if (ts > this.now) this.now = ts;
    this.stats.packets++;
    let sp = d.srcPort;
    let dp = d.dstPort;
    if (d.fragment !== 0) {
      this.stats.fragments++;
      const f = this.fragSlot(d);
      const fr = this.frag;
      if (d.fragment === 1) {
        fr.set(d.src, f);
        fr.set(d.dst, f + 4);
        fr[f + 8] = d.fragId;
        fr[f + 9] = d.proto | (d.l3 << 8) | 0x10000;
        fr[f + 10] = sp;
        fr[f + 11] = dp;
      } else if (
        fr[f + 9] === (d.proto | (d.l3 << 8) | 0x10000) && fr[f + 8] === d.fragId &&
        fr[f] === d.src[0] && fr[f + 1] === d.src[1] && fr[f + 2] === d.src[2] && fr[f + 3] === d.src[3] &&
        fr[f + 4] === d.dst[0] && fr[f + 5] === d.dst[1] && fr[f + 6] === d.dst[2] && fr[f + 7] === d.dst[3]
      ) {
        sp = fr[f + 10];
        dp = fr[f + 11];
      } else this.stats.orphanFragments++;
    }
    const k = this.key;
    const src = d.src;
    const dst = d.dst;
    const v6 = d.l3 === L3_IPV6;
    const famProto = ((v6 ? 6 : 4) << 8) | d.proto;
    // most packets (71% of ordinary.pcap's) belong to the flow of the packet before, whose
    // canonical key is still in `key`: a match in either direction skips making the key, hashing
    // it and probing (an IPv4 key's and packet's address words 0-2 are zero: words 3 and 7 tell)
    let slot = -1;
    let srcFirst = true;
    let h = 0;
    const last = this.lastSlot;
    if (last >= 0 && k[9] === famProto) {
      if (k[3] === src[3] && k[7] === dst[3] && k[8] === ((sp << 16) | dp) >>> 0 && (!v6 || (k[0] === src[0] && k[1] === src[1] && k[2] === src[2] && k[4] === dst[0] && k[5] === dst[1] && k[6] === dst[2]))) slot = last;
      else if (k[3] === dst[3] && k[7] === src[3] && k[8] === ((dp << 16) | sp) >>> 0 && (!v6 || (k[0] === dst[0] && k[1] === dst[1] && k[2] === dst[2] && k[4] === src[0] && k[5] === src[1] && k[6] === src[2]))) {
        slot = last;
        srcFirst = false;
      }
    }
    if (slot >= 0) h = this.hashes[slot];
    else {
      // canonical key: the smaller (address, port) endpoint first
      for (let w = 0; w < 4; w++) {
        if (src[w] !== dst[w]) {
          srcFirst = src[w] < dst[w];
          break;
        }
        if (w === 3) srcFirst = sp <= dp;
      }
      if (srcFirst) {
        k[0] = src[0]; k[1] = src[1]; k[2] = src[2]; k[3] = src[3];
        k[4] = dst[0]; k[5] = dst[1]; k[6] = dst[2]; k[7] = dst[3];
        k[8] = ((sp << 16) | dp) >>> 0;
      } else {
        k[0] = dst[0]; k[1] = dst[1]; k[2] = dst[2]; k[3] = dst[3];
        k[4] = src[0]; k[5] = src[1]; k[6] = src[2]; k[7] = src[3];
        k[8] = ((dp << 16) | sp) >>> 0;
      }
      k[9] = famProto;
      h = this.keyHash(v6);
      slot = this.find(h);
    }
    const tcp = d.proto === PROTO_TCP;
    const flags = d.tcpFlags;
    let connStart = -1;
    if (slot >= 0) {
      const s = this.state;
      const o = slot * S.STRIDE;
      // Time never runs backwards inside a flow: a packet older than the flow's last (dumpcap
      // capturing several interfaces writes each one's packets in turns, microseconds apart; an
      // unsorted merge; files out of order restart the meter instead, startFile) would make negative gaps and durations,
      // which no model has seen. It is taken at the last packet's time, and counted so the caller says so.
      if (ts < s[o + S.LAST_TS]) {
        ts = s[o + S.LAST_TS];
        d.tsMicros = ts;
        this.stats.outOfOrder++;
      }
      let end = 0;
      if (ts - s[o + S.LAST_TS] > this.idleTimeout) end = END_IDLE_TIMEOUT;
      else if (ts - s[o + S.FIRST_TS] > this.activeTimeout) end = END_ACTIVE_TIMEOUT;
      else if (tcp && this.list[slot] === LIST_CLOSING && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) end = END_PORT_REUSE;
      if (end !== 0) {
        if (tcp && end === END_ACTIVE_TIMEOUT) connStart = s[o + S.CONN_START];
        this.finish(slot, end);
        slot = -1;
      }
    }
    if (slot < 0) {
      this.connStart = connStart;
      slot = this.create(h, srcFirst, d);
    }
    this.lastSlot = slot;
    const fwd = (this.fwdIsA[slot] === 1) === srcFirst;
    this.update(slot, d, fwd);
    if (tcp) {
      let bits = this.tcpBits[slot];
      if (flags & TCP_SYN) {
        if (flags & TCP_ACK) bits |= fwd ? B_ORIG_SYNACK : B_RESP_SYNACK;
        else bits |= fwd ? B_ORIG_SYN : B_RESP_SYN;
      }
      if (flags & TCP_FIN) bits |= fwd ? B_ORIG_FIN : B_RESP_FIN;
      if (flags & TCP_RST) bits |= fwd ? B_ORIG_RST : B_RESP_RST;
      this.tcpBits[slot] = bits;
      const closed = (bits & (B_ORIG_RST | B_RESP_RST)) !== 0 || (bits & (B_ORIG_FIN | B_RESP_FIN)) === (B_ORIG_FIN | B_RESP_FIN);
      this.touch(slot, closed ? LIST_CLOSING : this.list[slot] === LIST_CLOSING ? LIST_CLOSING : LIST_OPEN);
    } else this.touch(slot, LIST_OPEN);
    if ((++this.sinceSweep & 255) === 0) this.expire(this.now);
  }

  /** The hash of the canonical key now in `key` (an IPv4 key's address words 0-2 are zero: only the words that vary are hashed). */
  private keyHash(v6: boolean): number {
    const k = this.key;
    let h = 0x811c9dc5;
    if (v6) {
      for (let w = 0; w < KEY_WORDS; w++) {
        h = Math.imul(h ^ k[w], 0x01000193);
        h ^= h >>> 15;
      }
    } else {
      h = Math.imul(h ^ k[3], 0x01000193);
      h ^= h >>> 15;
      h = Math.imul(h ^ k[7], 0x01000193);
      h ^= h >>> 15;
      h = Math.imul(h ^ k[8], 0x01000193);
      h ^= h >>> 15;
      h = Math.imul(h ^ k[9], 0x01000193);
      h ^= h >>> 15;
    }
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h;
  }

  private fragSlot(d: DecodedPacket): number {
    let h = Math.imul(d.src[3] ^ d.fragId, 0x9e3779b1) ^ Math.imul(d.dst[3] ^ d.proto ^ d.src[0], 0x85ebca6b);
    h ^= h >>> 16;
    return (h & (FRAG_SLOTS - 1)) * 12;
  }

  private find(h: number): number {
    const idx = this.index;
    const mask = this.mask;
    const keys = this.keys;
    const k = this.key;
    let i = h & mask;
    for (;;) {
      const s = idx[i];
      if (s < 0) return -1;
      if (this.hashes[s] === h) {
        const o = s * KEY_WORDS;
        if (keys[o + 8] === k[8] && keys[o + 9] === k[9] && keys[o + 3] === k[3] && keys[o + 7] === k[7] && keys[o] === k[0] && keys[o + 1] === k[1] && keys[o + 2] === k[2] && keys[o + 4] === k[4] && keys[o + 5] === k[5] && keys[o + 6] === k[6]) return s;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * Times (µs, about 1.7e15) are doubles, which V8 boxes into a fresh heap number whenever one is
   * passed to a function it did not inline: create and update (too big to inline) read the packet's
   * time from the packet and the connection start from this field, so a packet allocates nothing.
   */
  private connStart = -1;

  private create(h: number, srcIsA: boolean, d: DecodedPacket): number {
    const ts = d.tsMicros;
    const connStart = this.connStart;
    if (this.freeTop === 0) {
      if (this.capacity < this.maxFlows) this.grow(Math.min(this.maxFlows, this.capacity * 2));
      else {
        const victim = this.head[LIST_CLOSING] >= 0 ? this.head[LIST_CLOSING] : this.head[LIST_OPEN];
        if (this.stats.evictions === 0) this.onFirstEviction?.();
        this.stats.evictions++;
        this.finish(victim, END_EVICTED);
      }
    }
    const slot = this.freeStack[--this.freeTop];
    this.keys.set(this.key, slot * KEY_WORDS);
    this.hashes[slot] = h;
    this.fwdIsA[slot] = srcIsA ? 1 : 0;
    this.tcpBits[slot] = 0;
    this.histMask[slot] = 0;
    this.histLen[slot] = 0;
    this.flowNo[slot] = ++this.flowCounter;
    const s = this.state;
    const o = slot * S.STRIDE;
    s.fill(0, o, o + S.STRIDE);
    s[o + S.FIRST_TS] = ts;
    s[o + S.LAST_TS] = ts;
    s[o + S.CONN_START] = connStart >= 0 ? connStart : ts;
    s[o + S.ACT_START] = ts;
    s[o + S.ACT_END] = ts;
    s[o + S.ICMP_TYPE] = -1;
    s[o + S.ICMP_CODE] = -1;
    this.insertIndex(slot);
    this.list[slot] = LIST_OPEN;
    this.append(slot, LIST_OPEN);
    this.size++;
    if (this.size > this.stats.peakFlows) this.stats.peakFlows = this.size;
    this.stats.flowsStarted++;
    return slot;
  }

  private update(slot: number, d: DecodedPacket, fwd: boolean): void {
    const ts = d.tsMicros;
    const s = this.state;
    const o = slot * S.STRIDE;
    const dirO = o + S.DIR0 + (fwd ? 0 : S.DIR_STRIDE);
    const othO = o + S.DIR0 + (fwd ? S.DIR_STRIDE : 0);
    const fo = o + S.DIR0;
    const total = s[fo + S.D_PKTS] + s[fo + S.DIR_STRIDE + S.D_PKTS];
    const len = d.payloadLen;
    if (total > 0) {
      S.addStat(s, o + S.FLOW_IAT, total, ts - s[o + S.LAST_TS]);
      // active and idle periods (CICFlowMeter's updateActiveIdleTime)
      if (ts - s[o + S.ACT_END] > this.activityTimeout) {
        const active = s[o + S.ACT_END] - s[o + S.ACT_START];
        if (active > 0) S.addStat(s, o + S.ACTIVE, ++s[o + S.ACT_N], active);
        S.addStat(s, o + S.IDLE, ++s[o + S.IDLE_N], ts - s[o + S.ACT_END]);
        s[o + S.ACT_START] = ts;
      }
      s[o + S.ACT_END] = ts;
    } else {
      s[o + S.ICMP_TYPE] = d.icmpType;
      s[o + S.ICMP_CODE] = d.icmpCode;
      s[o + S.FWD_TTL] = d.ttl;
    }
    if (ts > s[o + S.LAST_TS]) s[o + S.LAST_TS] = ts;
    S.addStat(s, o + S.ALL_LEN, total + 1, len);
    const n = ++s[dirO + S.D_PKTS];
    s[dirO + S.D_BYTES] += len;
    s[dirO + S.D_IP_BYTES] += d.ipLen;
    S.addStat(s, dirO + S.D_LEN, n, len);
    if (n > 1) {
      const iat = ts - s[dirO + S.D_LAST_TS];
      S.addStat(s, dirO + S.D_IAT, n - 1, iat);
      s[dirO + S.D_IAT_SUM] += iat;
    }
    s[dirO + S.D_LAST_TS] = ts;
    const hdr = d.l4HeaderLen;
    s[dirO + S.D_HDR] += hdr;
    if (n === 1 || hdr < s[dirO + S.D_MIN_SEG]) s[dirO + S.D_MIN_SEG] = hdr;
    // CICFlowMeter never counts the flow's first packet as "active data" (it is handled apart)
    if (len >= 1 && total > 0) s[dirO + S.D_ACT_DATA]++;
    const flags = d.tcpFlags;
    if (d.proto === PROTO_TCP) {
      // (a segment whose header a tiny first fragment split: its window comes with its flags, fragment-headers.ts)
      if (n === 1 || (d.fragment === FRAGMENT_HEADER_REST && s[dirO + S.D_INIT_WIN] === -1)) s[dirO + S.D_INIT_WIN] = d.tcpWindow;
      if (flags & TCP_FIN) s[o + S.FLAG_FIN]++;
      if (flags & TCP_SYN) s[o + S.FLAG_SYN]++;
      if (flags & TCP_RST) {
        s[o + S.FLAG_RST]++;
        s[dirO + S.D_RST]++;
      }
      // PSH comes and goes from segment to segment (no branch to mispredict: 0 or 1 added)
      const psh = (flags & TCP_PSH) >>> 3;
      s[o + S.FLAG_PSH] += psh;
      s[dirO + S.D_PSH] += psh;
      if (flags & TCP_ACK) s[o + S.FLAG_ACK]++;
      if (flags & TCP_URG) {
        s[o + S.FLAG_URG]++;
        s[dirO + S.D_URG]++;
      }
      if (flags & TCP_CWR) s[o + S.FLAG_CWR]++;
      if (flags & TCP_ECE) s[o + S.FLAG_ECE]++;
    }
    // bulk (CICFlowMeter's updateForwardBulk / updateBackwardBulk)
    if (s[othO + S.D_BULK_LAST] > s[dirO + S.D_BULK_START]) s[dirO + S.D_BULK_START] = 0;
    if (len > 0) {
      if (s[dirO + S.D_BULK_START] === 0 || ts - s[dirO + S.D_BULK_LAST] > 1e6) {
        s[dirO + S.D_BULK_START] = ts;
        s[dirO + S.D_BULK_LAST] = ts;
        s[dirO + S.D_BULK_PKT_H] = 1;
        s[dirO + S.D_BULK_SIZE_H] = len;
      } else {
        const c = ++s[dirO + S.D_BULK_PKT_H];
        s[dirO + S.D_BULK_SIZE_H] += len;
        if (c === 4) {
          s[dirO + S.D_BULK_STATES]++;
          s[dirO + S.D_BULK_PKTS] += c;
          s[dirO + S.D_BULK_SIZE] += s[dirO + S.D_BULK_SIZE_H];
          s[dirO + S.D_BULK_DUR] += ts - s[dirO + S.D_BULK_START];
        } else if (c > 4) {
          s[dirO + S.D_BULK_PKTS]++;
          s[dirO + S.D_BULK_SIZE] += len;
          s[dirO + S.D_BULK_DUR] += ts - s[dirO + S.D_BULK_LAST];
        }
        s[dirO + S.D_BULK_LAST] = ts;
      }
    }
    // history letters, each once per side in order of first appearance
    let letter = -1;
    const side = fwd ? 0 : 8;
    if (d.proto === PROTO_TCP) {
      if (flags & TCP_RST) letter = 5;
      else if (flags & TCP_SYN) letter = flags & TCP_ACK ? 1 : 0;
      else if (flags & TCP_FIN) letter = 4;
      else if (len > 0) letter = 3;
      else if (flags & TCP_ACK) letter = 2;
      if (letter !== 5 && letter !== 3 && len > 0 && (this.histMask[slot] & (1 << (3 + side))) === 0) this.historyLetter(slot, 3, fwd);
    } else if (len > 0) letter = 3;
    // (the letter is nearly always there already: asked here, the call is made only for a new one)
    if (letter >= 0 && (this.histMask[slot] & (1 << (letter + side))) === 0) this.historyLetter(slot, letter, fwd);
  }

  private historyLetter(slot: number, letter: number, fwd: boolean): void {
    const bit = 1 << (letter + (fwd ? 0 : 8));
    const m = this.histMask[slot];
    if (m & bit) return;
    this.histMask[slot] = m | bit;
    const n = this.histLen[slot];
    if (n >= HISTORY_MAX) return;
    const c = H_LETTERS.charCodeAt(letter);
    this.hist[slot * HISTORY_MAX + n] = fwd ? c : c | 0x20;
    this.histLen[slot] = n + 1;
  }

  private finish(slot: number, reason: number): void {
    if (slot === this.lastSlot) this.lastSlot = -1;
    this.sink(this, slot, reason);
    const name = END_REASONS[reason];
    this.stats.byReason[name] = (this.stats.byReason[name] ?? 0) + 1;
    this.stats.flowsFinished++;
    this.removeIndex(slot);
    this.unlink(slot);
    this.list[slot] = LIST_FREE;
    this.freeStack[this.freeTop++] = slot;
    this.size--;
  }

  /** Finish flows idle past their timeout at time `now` (µs). */
  expire(now: number): void {
    for (let s = this.head[LIST_CLOSING]; s >= 0 && now - this.state[s * S.STRIDE + S.LAST_TS] > this.closeLinger; s = this.head[LIST_CLOSING]) this.finish(s, END_TCP_CLOSE);
    for (let s = this.head[LIST_OPEN]; s >= 0 && now - this.state[s * S.STRIDE + S.LAST_TS] > this.idleTimeout; s = this.head[LIST_OPEN]) this.finish(s, END_IDLE_TIMEOUT);
  }

  /** Finish every flow held (end of the capture), oldest first. */
  flush(): void {
    for (let s = this.head[LIST_CLOSING]; s >= 0; s = this.head[LIST_CLOSING]) this.finish(s, END_TCP_CLOSE);
    for (let s = this.head[LIST_OPEN]; s >= 0; s = this.head[LIST_OPEN]) this.finish(s, END_CAPTURE);
  }
}
