/**
 * Finished flows gathered into FlowTable batches with exactly the columns the CICFlowMeter reader
 * gives an unlabelled corrected-CIC-IDS2017 CSV (same names, kinds, roles and order: identity
 * columns, the 83 statistics, `Attempted Category`), so everything downstream (models, baselines,
 * rules, reports) treats a capture as the CSV CICFlowMeter would have written, plus Zeek-style meta
 * columns (`uid`, `conn_state`, `history`, `service`, `orig_ip_bytes`, `resp_ip_bytes`) and the
 * originator's first `ttl`, which rules read and `flows --format zeek` writes.
 *
 * This runs once per flow (a flood makes a flow of every packet), so it is built for that: every
 * numeric column of a batch is a view into one Float64Array (one allocation per batch, not 91), and
 * the categorical columns are coded by numbers (an IPv4 address, the conn_state index, the packed
 * history letters, protocol and port) so that no text is made or hashed for a value the batch has
 * already seen. Codes are handed out in order of first appearance, as CategoricalBuilder does.
 */
import { CIC_FEATURES } from '../sources/cicflowmeter.js';
import { categoricalColumn, numericColumn, type Column, type FlowTable } from '../flows/table.js';
import { cicFeaturesInto, CIC_FEATURE_COUNT } from './cic-features.js';
import { HISTORY_MAX, type FlowMeter } from './flow-meter.js';
import * as S from './flow-state.js';
import { CONN_STATES, connStateIndex, flowUidInto, serviceGuess } from './zeek-conn.js';
import { Ipv4TextCache } from './ipv4-text.js';
import { Ipv6TextCache, writeAscii } from './ipv6-text.js';

export const ZEEK_META_COLUMNS = ['uid', 'conn_state', 'history', 'service', 'orig_ip_bytes', 'resp_ip_bytes', 'ttl'] as const;

const NUM = 8; // id, src port, dst port, timestamp, orig_ip_bytes, resp_ip_bytes, ttl, file index
const COLUMNS = CIC_FEATURE_COUNT + NUM;
/**
 * Columns lie `cap + PAD` numbers apart, not `cap`: with a power-of-two stride the 91 cells of one
 * row fall into the same cache set and evict each other on every flow (measured: 2.7 µs a flow in
 * cicFeaturesInto instead of 0.5).
 */
const PAD = 8;

const UNSEEN = -2;

const EMPTY = -3;

/** Spreads an integer key (up to 2^53, or negative) over 32 bits. */
function keyHash(key: number): number {
  let h = Math.imul((key >>> 0) ^ Math.imul((key / 4294967296) | 0, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return h;
}

/**
 * A categorical column whose values are known by a number key (texts made once per batch and value).
 * The key → code index is open addressing over typed arrays, not a Map: in a flood every source
 * address is new, and a Map of numbers above 2^30 boxes every key and rehashes as it grows.
 */
class NumberCoded {
  codes: Int32Array;
  readonly dictionary: string[] = [];
  private keys = new Float64Array(64);
  private vals = new Int32Array(64).fill(EMPTY);
  private used = 0;
  constructor(cap: number) {
    this.codes = new Int32Array(cap);
  }
  /** The code of `key` (-1: a missing cell), or UNSEEN when the batch has not met it yet (then call `learn`). */
  code(key: number): number {
    const mask = this.vals.length - 1;
    for (let i = keyHash(key) & mask; ; i = (i + 1) & mask) {
      const v = this.vals[i];
      if (v === EMPTY) return UNSEEN;
      if (this.keys[i] === key) return v;
    }
  }
  /** Code `key` (not yet known) as `text`, or as a missing cell when text is null. */
  learn(key: number, text: string | null): number {
    const c = text === null ? -1 : this.dictionary.length;
    if (text !== null) this.dictionary.push(text);
    if (++this.used * 2 > this.vals.length) this.rehash(this.vals.length * 2);
    this.put(key, c);
    return c;
  }
  /** As learn, for values whose keys are many to one (ports → service): an existing text keeps its code. */
  learnShared(key: number, text: string | null): number {
    const known = text === null ? -1 : this.dictionary.indexOf(text);
    if (known < 0) return this.learn(key, text);
    if (++this.used * 2 > this.vals.length) this.rehash(this.vals.length * 2);
    this.put(key, known);
    return known;
  }
  private put(key: number, c: number): void {
    const mask = this.vals.length - 1;
    let i = keyHash(key) & mask;
    while (this.vals[i] !== EMPTY) i = (i + 1) & mask;
    this.keys[i] = key;
    this.vals[i] = c;
  }
  private rehash(size: number): void {
    const keys = this.keys;
    const vals = this.vals;
    this.keys = new Float64Array(size);
    this.vals = new Int32Array(size).fill(EMPTY);
    for (let i = 0; i < vals.length; i++) if (vals[i] !== EMPTY) this.put(keys[i], vals[i]);
  }
  grow(cap: number): void {
    const b = new Int32Array(cap);
    b.set(this.codes);
    this.codes = b;
  }
  column(name: string, n: number, role: 'meta' | 'feature' = 'meta'): Column {
    return categoricalColumn(name, role, this.codes.subarray(0, n), this.dictionary);
  }
}

/** Texts of a column whose values are (nearly) all different (Flow ID, uid): coded by row, no lookup. */
function rowTextColumn(name: string, values: string[]): Column {
  const codes = new Int32Array(values.length);
  for (let i = 0; i < codes.length; i++) codes[i] = i;
  return categoricalColumn(name, 'meta', codes, values);
}

/** Decimal digits of a non-negative integer below 100,000 (ports, protocol) at `at`; returns the end. */
function writeDecimal(b: Uint8Array, at: number, n: number): number {
  if (n >= 10000) b[at++] = 48 + (((n / 10000) | 0) % 10);
  if (n >= 1000) b[at++] = 48 + (((n / 1000) | 0) % 10);
  if (n >= 100) b[at++] = 48 + (((n / 100) | 0) % 10);
  if (n >= 10) b[at++] = 48 + (((n / 10) | 0) % 10);
  b[at++] = 48 + (n % 10);
  return at;
}

const V4_CACHE = 65536;
const PROTO_TEXT = Array.from({ length: 256 }, (_, p) => String(p));
/** history letter (char code) → its base-13 digit, 1-12 */
const HISTORY_CODE = new Uint8Array(128);
Array.from('SHADFRshadfr').forEach((c, i) => (HISTORY_CODE[c.charCodeAt(0)] = i + 1));

export class CaptureFlowBatch {
  rows = 0;
  private cap: number;
  /** column-major: numeric column j is block[j * stride, j * stride + rows), stride = cap + PAD */
  private block!: Float64Array;
  private ids: string[] = [];
  private uids: string[] = [];
  private src!: NumberCoded;
  private dst!: NumberCoded;
  private proto!: NumberCoded;
  private state!: NumberCoded;
  private history!: NumberCoded;
  private service!: NumberCoded;
  /** scratch for a row's texts (two addresses of at most 39 characters, ports and protocol) */
  private readonly text = Buffer.alloc(256);
  /** IPv6 addresses by text (IPv4 ones are coded by their number) */
  private v6Codes = [new Map<string, number>(), new Map<string, number>()];
  /** IPv4 address texts already made (addresses repeat across flows and batches): a direct-mapped cache */
  private readonly v4Texts = new Ipv4TextCache(V4_CACHE);
  /** IPv6 address texts already made, the same way (ipv6-text.ts) */
  private readonly v6Texts = new Ipv6TextCache(16384);

  constructor(
    private readonly files: readonly string[],
    capacity = 4096,
  ) {
    this.cap = Math.max(1, capacity);
    this.fresh();
  }

  /** false after a flush until the next flow arrives (no block is allocated for a batch that never comes) */
  private ready = true;

  private fresh(): void {
    this.ready = true;
    this.block = new Float64Array(COLUMNS * (this.cap + PAD));
    this.ids = [];
    this.uids = [];
    this.src = new NumberCoded(this.cap);
    this.dst = new NumberCoded(this.cap);
    this.proto = new NumberCoded(this.cap);
    this.state = new NumberCoded(this.cap);
    this.history = new NumberCoded(this.cap);
    this.service = new NumberCoded(this.cap);
    this.v6Codes = [new Map(), new Map()];
  }

  private grow(): void {
    const old = this.block;
    const oldCap = this.cap;
    this.cap *= 2;
    const b = new Float64Array(COLUMNS * (this.cap + PAD));
    for (let j = 0; j < COLUMNS; j++) b.set(old.subarray(j * (oldCap + PAD), j * (oldCap + PAD) + this.rows), j * (this.cap + PAD));
    this.block = b;
    for (const c of [this.src, this.dst, this.proto, this.state, this.history, this.service]) c.grow(this.cap);
  }

  /** Code the address at `word` of the meter's keys into column `col` (0 source, 1 destination); returns its text. */
  private address(m: FlowMeter, fam: number, word: number, col: NumberCoded, side: number, r: number): string {
    if (fam === 4) {
      const a = m.keys[word + 3];
      let c = col.code(a);
      if (c === UNSEEN) c = col.learn(a, this.v4Texts.text(a));
      col.codes[r] = c;
      return col.dictionary[c];
    }
    const t = this.v6Texts.text(m.keys, word);
    const map = this.v6Codes[side];
    let c = map.get(t);
    if (c === undefined) {
      // a key no IPv4 address can take (those are below 2^32)
      c = col.learn(-1 - map.size, t);
      map.set(t, c);
    }
    col.codes[r] = c;
    return t;
  }

  /** Add the flow in `slot` (called by the meter's sink). */
  add(m: FlowMeter, slot: number, fileIndex: number): void {
    if (!this.ready) this.fresh();
    if (this.rows === this.cap) this.grow();
    const r = this.rows++;
    cicFeaturesInto(m, slot, this.block, r, this.cap + PAD);
    const fam = m.family(slot);
    const src = this.address(m, fam, m.srcWord(slot), this.src, 0, r);
    const dst = this.address(m, fam, m.dstWord(slot), this.dst, 1, r);
    const sp = m.srcPort(slot);
    const dp = m.dstPort(slot);
    const proto = m.proto(slot);
    const s = m.state;
    const o = slot * S.STRIDE;
    // the NUM columns after the features, in flush's order
    const bl = this.block;
    const stride = this.cap + PAD;
    let i = CIC_FEATURE_COUNT * stride + r;
    bl[i] = m.flowNo[slot];
    bl[(i += stride)] = sp;
    bl[(i += stride)] = dp;
    bl[(i += stride)] = s[o + S.FIRST_TS] / 1000;
    bl[(i += stride)] = s[o + S.DIR0 + S.D_IP_BYTES];
    bl[(i += stride)] = s[o + S.DIR0 + S.DIR_STRIDE + S.D_IP_BYTES];
    bl[(i += stride)] = s[o + S.FWD_TTL];
    bl[(i += stride)] = fileIndex;
    const protoText = PROTO_TEXT[proto];
    // Flow ID "src-dst-sport-dport-proto" and uid written as bytes and read out as one flat string
    // each: concatenation makes a tree of five strings per flow that the collector copies and
    // every writer later flattens (measured: 2.5 times the time)
    // (the addresses' texts, made or found above, copied by a loop: Buffer.write is a call into C++
    // per address; one way for both families keeps this function small, and it runs cold for a
    // capture's first tens of thousands of flows: V8's optimising compiler spent more on a copy of
    // the digit writer inlined per address than the copy saved)
    const t = this.text;
    let at = writeAscii(t, 0, src);
    t[at++] = 45;
    at = writeAscii(t, at, dst);
    t[at++] = 45;
    at = writeDecimal(t, at, sp);
    t[at++] = 45;
    at = writeDecimal(t, at, dp);
    t[at++] = 45;
    at = writeDecimal(t, at, proto);
    this.ids.push(t.toString('latin1', 0, at));
    flowUidInto(m, slot, t, 0);
    this.uids.push(t.toString('latin1', 0, 18));
    let c = this.proto.code(proto);
    if (c === UNSEEN) c = this.proto.learn(proto, protoText);
    this.proto.codes[r] = c;
    const st = connStateIndex(m, slot);
    c = this.state.code(st);
    if (c === UNSEEN) c = this.state.learn(st, CONN_STATES[st]);
    this.state.codes[r] = c;
    // history letters packed base 13 (12 letters, 0 = none): at most 12 of them fit a double exactly
    const hl = m.histLen[slot];
    const ho = slot * HISTORY_MAX;
    let hk = 0;
    for (let i = 0; i < hl; i++) hk = hk * 13 + HISTORY_CODE[m.hist[ho + i]];
    c = this.history.code(hk);
    if (c === UNSEEN) c = this.history.learn(hk, m.historyText(slot));
    this.history.codes[r] = c;
    const sk = proto * 65536 + dp;
    c = this.service.code(sk);
    // a port without a known service is a missing cell
    // (a few dozen services: the dictionary is searched when a new port appears)
    if (c === UNSEEN) c = this.service.learnShared(sk, serviceGuess(proto, dp) || null);
    this.service.codes[r] = c;
  }

  /** The flows added since the last flush, as a table. */
  flush(): FlowTable {
    if (!this.ready) this.fresh();
    const n = this.rows;
    const cap = this.cap;
    const block = this.block;
    const col = (j: number): Float64Array => block.subarray(j * (cap + PAD), j * (cap + PAD) + n);
    const num = (j: number): Float64Array => col(CIC_FEATURE_COUNT + j);
    const columns: Column[] = [
      numericColumn('id', 'meta', num(0)),
      rowTextColumn('Flow ID', this.ids),
      this.src.column('Src IP', n),
      numericColumn('Src Port', 'meta', num(1)),
      this.dst.column('Dst IP', n),
      numericColumn('Dst Port', 'feature', num(2)),
      this.proto.column('Protocol', n, 'feature'),
      numericColumn('Timestamp', 'meta', num(3)),
    ];
    CIC_FEATURES.forEach((name, j) => columns.push(numericColumn(name, 'feature', col(j))));
    columns.push(numericColumn('Attempted Category', 'meta', new Float64Array(n).fill(NaN)));
    columns.push(rowTextColumn('uid', this.uids), this.state.column('conn_state', n), this.history.column('history', n), this.service.column('service', n));
    columns.push(numericColumn('orig_ip_bytes', 'meta', num(4)), numericColumn('resp_ip_bytes', 'meta', num(5)), numericColumn('ttl', 'meta', num(6)));
    const fileCol = num(7);
    const file = new Int32Array(n);
    for (let i = 0; i < n; i++) file[i] = fileCol[i];
    // Timestamp: the first packet's time, an exact instant (no 'read as UTC' note)
    const table: FlowTable = { rowCount: n, columns, format: 'cicflowmeter', origin: { files: this.files, file, line: num(0) }, exactTimes: true };
    this.rows = 0;
    this.ready = false;
    return table;
  }
}
