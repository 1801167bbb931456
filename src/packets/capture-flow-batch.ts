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

export class CaptureFlowBatch {
  rows = 0;
  private cap: number;
  private feats: Float64Array;
  private num: Float64Array; // id, src port, dst port, timestamp, orig_ip_bytes, resp_ip_bytes, ttl, file index
  private cat: CategoricalBuilder[]; // Flow ID, Src IP, Dst IP, Protocol, uid, conn_state, history, service

  constructor(
    private readonly files: readonly string[],
    capacity = 4096,
  ) {
    this.cap = capacity;
    this.feats = new Float64Array(capacity * CIC_FEATURE_COUNT);
    this.num = new Float64Array(capacity * 8);
    this.cat = Array.from({ length: 8 }, () => new CategoricalBuilder());
  }

  /** Add the flow in `slot` (called by the meter's sink). */
  add(m: FlowMeter, slot: number, fileIndex: number): void {
    if (this.rows === this.cap) {
      const f = new Float64Array(this.cap * 2 * CIC_FEATURE_COUNT);
      f.set(this.feats);
      this.feats = f;
      const n = new Float64Array(this.cap * 2 * 8);
      n.set(this.num);
      this.num = n;
      this.cap *= 2;
    }
    const r = this.rows++;
    cicFeaturesInto(m, slot, this.feats, r * CIC_FEATURE_COUNT);
    const fam = m.family(slot);
    const src = addressText(m.keys, fam, m.srcWord(slot));
    const dst = addressText(m.keys, fam, m.dstWord(slot));
    const sp = m.srcPort(slot);
    const dp = m.dstPort(slot);
    const proto = m.proto(slot);
    const s = m.state;
    const o = slot * S.STRIDE;
    const nu = this.num;
    const q = r * 8;
    nu[q] = m.flowNo[slot];
    nu[q + 1] = sp;
    nu[q + 2] = dp;
    nu[q + 3] = s[o + S.FIRST_TS] / 1000;
    nu[q + 4] = s[o + S.DIR0 + S.D_IP_BYTES];
    nu[q + 5] = s[o + S.DIR0 + S.DIR_STRIDE + S.D_IP_BYTES];
    nu[q + 6] = s[o + S.FWD_TTL];
    nu[q + 7] = fileIndex;
    const c = this.cat;
    c[0].push(`${src}-${dst}-${sp}-${dp}-${proto}`);
    c[1].push(src);
    c[2].push(dst);
    c[3].push(String(proto));
    c[4].push(flowUid(m, slot));
    c[5].push(connState(m, slot));
    c[6].push(m.historyText(slot));
    c[7].push(serviceGuess(proto, dp) || null);
  }

  /** The flows added since the last flush, as a table. */
  flush(): FlowTable {
    const n = this.rows;
    const numCol = (j: number): Float64Array => {
      const a = new Float64Array(n);
      for (let r = 0; r < n; r++) a[r] = this.num[r * 8 + j];
      return a;
    };
    const catCol = (j: number, name: string, role: 'meta' | 'feature'): Column => {
      const b = this.cat[j];
      return categoricalColumn(name, role, b.finish(), [...b.dictionary]);
    };
    const columns: Column[] = [
      numericColumn('id', 'meta', numCol(0)),
      catCol(0, 'Flow ID', 'meta'),
      catCol(1, 'Src IP', 'meta'),
      numericColumn('Src Port', 'meta', numCol(1)),
      catCol(2, 'Dst IP', 'meta'),
      numericColumn('Dst Port', 'feature', numCol(2)),
      catCol(3, 'Protocol', 'feature'),
      numericColumn('Timestamp', 'meta', numCol(3)),
    ];
    CIC_FEATURES.forEach((name, j) => {
      const a = new Float64Array(n);
      for (let r = 0; r < n; r++) a[r] = this.feats[r * CIC_FEATURE_COUNT + j];
      columns.push(numericColumn(name, 'feature', a));
    });
    columns.push(numericColumn('Attempted Category', 'meta', new Float64Array(n).fill(NaN)));
    columns.push(catCol(4, 'uid', 'meta'), catCol(5, 'conn_state', 'meta'), catCol(6, 'history', 'meta'), catCol(7, 'service', 'meta'));
    columns.push(numericColumn('orig_ip_bytes', 'meta', numCol(4)), numericColumn('resp_ip_bytes', 'meta', numCol(5)), numericColumn('ttl', 'meta', numCol(6)));
    const file = new Int32Array(n);
    for (let r = 0; r < n; r++) file[r] = this.num[r * 8 + 7];
    const table: FlowTable = { rowCount: n, columns, format: 'cicflowmeter', origin: { files: this.files, file, line: numCol(0) } };
    this.rows = 0;
    this.cat = Array.from({ length: 8 }, () => new CategoricalBuilder());
    return table;
  }
}
