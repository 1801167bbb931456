/**
 * Finished flows gathered into FlowTable batches with exactly the columns the CICFlowMeter reader
 * gives an unlabelled corrected-CIC-IDS2017 CSV (same names, kinds, roles and order: identity
 * columns, the 83 statistics, `Attempted Category`), so everything downstream (models, baselines,
 * rules, reports) treats a capture as the CSV CICFlowMeter would have written, plus Zeek-style meta
 * columns (`uid`, `conn_state`, `history`, `service`, `orig_ip_bytes`, `resp_ip_bytes`) and the
 * originator's first `ttl`, which rules read and `flows --format zeek` writes.
 */
import { CIC_FEATURES } from '../sources/cicflowmeter.js';
import { CategoricalBuilder, categoricalColumn, numericColumn, type Column, type FlowTable } from '../flows/table.js';
import { addressText } from './decoded-packet.js';
import { cicFeaturesInto, CIC_FEATURE_COUNT } from './cic-features.js';
import type { FlowMeter } from './flow-meter.js';
import * as S from './flow-state.js';
import { connState, flowUid, serviceGuess } from './zeek-conn.js';

export const ZEEK_META_COLUMNS = ['uid', 'conn_state', 'history', 'service', 'orig_ip_bytes', 'resp_ip_bytes', 'ttl'] as const;

/** Texts of a column whose values are (nearly) all different (Flow ID, uid): coded by row, no lookup. */
class RowTexts {
  values: string[] = [];
  push(v: string): void {
    this.values.push(v);
  }
  column(name: string): Column {
    const n = this.values.length;
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = i;
    return categoricalColumn(name, 'meta', codes, this.values);
  }
}

const NUM = 8; // id, src port, dst port, timestamp, orig_ip_bytes, resp_ip_bytes, ttl, file index

export class CaptureFlowBatch {
  rows = 0;
  private cap: number;
  private feats: Float64Array[];
  private num: Float64Array[];
  private ids = new RowTexts();
  private uids = new RowTexts();
  private cat: CategoricalBuilder[]; // Src IP, Dst IP, Protocol, conn_state, history, service
  /** IPv4 address texts already made (addresses repeat across flows) */
  private readonly v4 = new Map<number, string>();

  constructor(
    private readonly files: readonly string[],
    capacity = 4096,
  ) {
    this.cap = capacity;
    this.feats = Array.from({ length: CIC_FEATURE_COUNT }, () => new Float64Array(capacity));
    this.num = Array.from({ length: NUM }, () => new Float64Array(capacity));
    this.cat = Array.from({ length: 6 }, () => new CategoricalBuilder());
  }

  private address(m: FlowMeter, fam: number, word: number): string {
    if (fam !== 4) return addressText(m.keys, fam, word);
    const a = m.keys[word + 3];
    let t = this.v4.get(a);
    if (t === undefined) {
      if (this.v4.size >= 65536) this.v4.clear();
      t = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
      this.v4.set(a, t);
    }
    return t;
  }

  /** Add the flow in `slot` (called by the meter's sink). */
  add(m: FlowMeter, slot: number, fileIndex: number): void {
    if (this.rows === this.cap) {
      const grow = (a: Float64Array): Float64Array => {
        const b = new Float64Array(this.cap * 2);
        b.set(a);
        return b;
      };
      this.feats = this.feats.map(grow);
      this.num = this.num.map(grow);
      this.cap *= 2;
    }
    const r = this.rows++;
    cicFeaturesInto(m, slot, this.feats, r);
    const fam = m.family(slot);
    const src = this.address(m, fam, m.srcWord(slot));
    const dst = this.address(m, fam, m.dstWord(slot));
    const sp = m.srcPort(slot);
    const dp = m.dstPort(slot);
    const proto = m.proto(slot);
    const s = m.state;
    const o = slot * S.STRIDE;
    const nu = this.num;
    nu[0][r] = m.flowNo[slot];
    nu[1][r] = sp;
    nu[2][r] = dp;
    nu[3][r] = s[o + S.FIRST_TS] / 1000;
    nu[4][r] = s[o + S.DIR0 + S.D_IP_BYTES];
    nu[5][r] = s[o + S.DIR0 + S.DIR_STRIDE + S.D_IP_BYTES];
    nu[6][r] = s[o + S.FWD_TTL];
    nu[7][r] = fileIndex;
    this.ids.push(src + '-' + dst + '-' + sp + '-' + dp + '-' + proto);
    this.uids.push(flowUid(m, slot));
    const c = this.cat;
    c[0].push(src);
    c[1].push(dst);
    c[2].push(proto === 6 ? '6' : proto === 17 ? '17' : String(proto));
    c[3].push(connState(m, slot));
    c[4].push(m.historyText(slot));
    c[5].push(serviceGuess(proto, dp) || null);
  }

  /** The flows added since the last flush, as a table. */
  flush(): FlowTable {
    const n = this.rows;
    const whole = n === this.cap;
    const take = (a: Float64Array): Float64Array => (whole ? a : a.slice(0, n));
    const num = this.num.map(take);
    const catCol = (j: number, name: string, role: 'meta' | 'feature'): Column => {
      const b = this.cat[j];
      return categoricalColumn(name, role, b.finish(), [...b.dictionary]);
    };
    const columns: Column[] = [
      numericColumn('id', 'meta', num[0]),
      this.ids.column('Flow ID'),
      catCol(0, 'Src IP', 'meta'),
      numericColumn('Src Port', 'meta', num[1]),
      catCol(1, 'Dst IP', 'meta'),
      numericColumn('Dst Port', 'feature', num[2]),
      catCol(2, 'Protocol', 'feature'),
      numericColumn('Timestamp', 'meta', num[3]),
    ];
    CIC_FEATURES.forEach((name, j) => columns.push(numericColumn(name, 'feature', take(this.feats[j]))));
    columns.push(numericColumn('Attempted Category', 'meta', new Float64Array(n).fill(NaN)));
    columns.push(this.uids.column('uid'), catCol(3, 'conn_state', 'meta'), catCol(4, 'history', 'meta'), catCol(5, 'service', 'meta'));
    columns.push(numericColumn('orig_ip_bytes', 'meta', num[4]), numericColumn('resp_ip_bytes', 'meta', num[5]), numericColumn('ttl', 'meta', num[6]));
    const file = Int32Array.from(num[7]);
    const table: FlowTable = { rowCount: n, columns, format: 'cicflowmeter', origin: { files: this.files, file, line: num[0] } };
    this.rows = 0;
    if (whole) {
      this.feats = Array.from({ length: CIC_FEATURE_COUNT }, () => new Float64Array(this.cap));
      this.num = Array.from({ length: NUM }, () => new Float64Array(this.cap));
    }
    this.ids = new RowTexts();
    this.uids = new RowTexts();
    this.cat = Array.from({ length: 6 }, () => new CategoricalBuilder());
    return table;
  }
}
