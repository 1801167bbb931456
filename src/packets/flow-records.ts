/**
 * Metered flows written out for other tools: the CICFlowMeter CSV layout (the corrected
 * CIC-IDS2017 columns, so the file reads back, and into any tool built for those CSVs) or Zeek's
 * conn.log fields (as CSV, JSON lines like Zeek's JSON logs, or Zeek's own TSV with #fields/#types
 * header lines). Rows come from the capture FlowTables (capture-flow-batch.ts), one batch at a time.
 */
import { CIC_FEATURES } from '../sources/cicflowmeter.js';
import { cellText, getColumn, type Column, type FlowTable } from '../flows/table.js';
import { csvCell } from '../report/csv.js';
import { protoName } from './zeek-conn.js';

export type FlowRecordFormat = 'cic' | 'zeek';
export type FlowOutputFormat = 'csv' | 'jsonl' | 'tsv';

const CIC_IDENTITY = ['id', 'Flow ID', 'Src IP', 'Src Port', 'Dst IP', 'Dst Port', 'Protocol', 'Timestamp'];
export const CIC_COLUMNS: readonly string[] = [...CIC_IDENTITY, ...CIC_FEATURES];

export const ZEEK_FIELDS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes',
  'conn_state', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes',
] as const;
const ZEEK_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count', 'count', 'string', 'count', 'string', 'count', 'count', 'count', 'count'];

/** "2017-07-07 12:59:21.088203" (UTC, microseconds), as the CIC-IDS2017 CSVs write times. */
export function cicTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString(); // 2017-07-07T12:59:21.088Z
  const micros = Math.round((ms - whole) * 1000);
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(Math.min(999, micros)).padStart(3, '0')}`;
}

function num(v: number): string {
  if (Number.isNaN(v)) return '';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}

export function headerLine(rec: FlowRecordFormat, out: FlowOutputFormat): string {
  if (out === 'jsonl') return '';
  if (rec === 'cic') return CIC_COLUMNS.map(csvCell).join(',') + '\n';
  if (out === 'tsv') {
    return ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn', `#fields\t${ZEEK_FIELDS.join('\t')}`, `#types\t${ZEEK_TYPES.join('\t')}`].join('\n') + '\n';
  }
  return ZEEK_FIELDS.join(',') + '\n';
}

/** The rows of one capture flow batch in the chosen layout. */
export function formatFlows(t: FlowTable, rec: FlowRecordFormat, out: FlowOutputFormat): string {
  const col = (name: string): Column => {
    const c = getColumn(t, name);
    if (!c) throw new Error(`capture flow table without column "${name}"`);
    return c;
  };
  const parts: string[] = [];
  if (rec === 'cic') {
    const cols = CIC_COLUMNS.map(col);
    const ts = cols[7];
    for (let r = 0; r < t.rowCount; r++) {
      if (out === 'jsonl') {
        const o: Record<string, unknown> = {};
        cols.forEach((c, j) => {
          if (j === 7 && c.kind === 'numeric') o[c.name] = cicTimestamp(c.values[r]);
          else if (c.kind === 'numeric') o[c.name] = Number.isFinite(c.values[r]) ? c.values[r] : num(c.values[r]) || null;
          else o[c.name] = cellText(c, r);
        });
        parts.push(JSON.stringify(o));
      } else {
        parts.push(cols.map((c, j) => (c === ts && c.kind === 'numeric' ? cicTimestamp(c.values[r]) : c.kind === 'numeric' ? num(c.values[r]) : csvCell(cellText(c, r)))).join(','));
      }
    }
    return parts.length ? parts.join('\n') + '\n' : '';
  }
  const n = (name: string): Float64Array => {
    const c = col(name);
    return c.kind === 'numeric' ? c.values : new Float64Array(t.rowCount);
  };
  const txt = (name: string): Column => col(name);
  const ts = n('Timestamp');
  const dur = n('Flow Duration');
  const sp = n('Src Port');
  const dp = n('Dst Port');
  const fB = n('Total Length of Fwd Packet');
  const bB = n('Total Length of Bwd Packet');
  const fP = n('Total Fwd Packet');
  const bP = n('Total Bwd packets');
  const oIp = n('orig_ip_bytes');
  const rIp = n('resp_ip_bytes');
  const icmpType = n('ICMP Type');
  const icmpCode = n('ICMP Code');
  const [uid, src, dst, proto, service, state, history] = ['uid', 'Src IP', 'Dst IP', 'Protocol', 'service', 'conn_state', 'history'].map(txt);
  for (let r = 0; r < t.rowCount; r++) {
    const p = Number(cellText(proto, r));
    const icmp = p === 1 || p === 58;
    const values: (string | number)[] = [
      ts[r] / 1000, cellText(uid, r), cellText(src, r), icmp ? icmpType[r] : sp[r], cellText(dst, r), icmp ? icmpCode[r] : dp[r], protoName(p), cellText(service, r),
      dur[r] / 1e6, fB[r], bB[r], cellText(state, r), 0, cellText(history, r), fP[r], oIp[r], bP[r], rIp[r],
    ];
    if (out === 'jsonl') {
      const o: Record<string, unknown> = {};
      ZEEK_FIELDS.forEach((f, j) => {
        const v = values[j];
        if (v !== '') o[f] = v;
      });
      parts.push(JSON.stringify(o));
    } else if (out === 'tsv') {
      parts.push(values.map((v, j) => (j === 0 ? (v as number).toFixed(6) : j === 8 ? (v as number).toFixed(6) : v === '' ? '-' : String(v))).join('\t'));
    } else parts.push(values.map((v, j) => (j === 0 || j === 8 ? (v as number).toFixed(6) : typeof v === 'number' ? String(v) : csvCell(v))).join(','));
  }
  return parts.length ? parts.join('\n') + '\n' : '';
}
