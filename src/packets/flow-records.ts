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
  // the minute's "2017-07-07 12:59:" is made once (a Date and its ISO text per flow took a sixth of
  // writing a row): flows come in time order, so most of a minute's flows follow one another
  if (whole >= minuteStart && whole < minuteStart + 60000) {
    const inMinute = whole - minuteStart;
    const sec = Math.floor(inMinute / 1000);
    const milli = inMinute - sec * 1000;
    const micros = Math.min(999, Math.round((ms - whole) * 1000));
    return minutePrefix + (sec < 10 ? '0' : '') + sec + (milli < 10 ? '.00' : milli < 100 ? '.0' : '.') + milli + (micros < 10 ? '00' : micros < 100 ? '0' : '') + micros;
  }
  // years 0000-9999 only (toISOString writes others with a sign and six digits; NaN throws there)
  if (whole >= ISO_FIRST && whole < ISO_END) {
    minuteStart = whole - (((whole % 60000) + 60000) % 60000);
    const iso = new Date(minuteStart).toISOString();
    minutePrefix = `${iso.slice(0, 10)} ${iso.slice(11, 17)}`;
    return cicTimestamp(ms);
  }
  return cicTimestampOf(ms);
}

/** 0000-01-01T00:00:00.000Z and 10000-01-01T00:00:00.000Z in ms */
const ISO_FIRST = -62167219200000;
const ISO_END = 253402300800000;
let minuteStart = NaN;
let minutePrefix = '';

/** cicTimestamp the long way (a Date per call). */
export function cicTimestampOf(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString(); // 2017-07-07T12:59:21.088Z
  const micros = Math.round((ms - whole) * 1000);
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(Math.min(999, micros)).padStart(3, '0')}`;
}

/**
 * num(v) without boxing: a Float64Array's number given to String is first made a heap number (a
 * piece of garbage per cell, most of them integers), an int32 is not (and V8 keeps the texts of
 * recent small integers).
 */
function numCell(v: number): string {
  const i = v | 0;
  return i === v ? String(i) : num(v);
}

function num(v: number): string {
  if (Number.isNaN(v)) return '';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}

/**
 * The CICFlowMeter CSV rows: what `cols.map(cell).join(',')` per row wrote, made with a reused array
 * and each categorical value made a CSV cell once per batch (not tested with a regular expression
 * in every row): 91 closures, an array and 91 regular-expression tests a row were most of `flows`.
 */
function cicCsvRows(rows: number, cols: readonly Column[], ts: Column): string {
  const n = cols.length;
  const cells: string[][] = cols.map((c) => (c.kind === 'categorical' ? c.dictionary.map(csvCell) : []));
  const missing = csvCell('');
  const row: string[] = new Array<string>(n).fill('');
  const parts: string[] = new Array<string>(rows);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      const c = cols[j];
      if (c.kind === 'numeric') row[j] = c === ts ? cicTimestamp(c.values[r]) : numCell(c.values[r]);
      else {
        const code = c.codes[r];
        row[j] = code < 0 ? missing : cells[j][code];
      }
    }
    parts[r] = row.join(',');
  }
  return rows > 0 ? parts.join('\n') + '\n' : '';
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
    if (out === 'csv') return cicCsvRows(t.rowCount, cols, ts);
    for (let r = 0; r < t.rowCount; r++) {
      if (out === 'jsonl') {
        const o: Record<string, unknown> = {};
        cols.forEach((c, j) => {
          if (j === 7 && c.kind === 'numeric') o[c.name] = cicTimestamp(c.values[r]);
          else if (c.kind === 'numeric') o[c.name] = Number.isFinite(c.values[r]) ? c.values[r] : num(c.values[r]) || null;
          // the IP protocol number is a category to the models, but a number to jq and a SIEM
          // (`select(.Protocol == 6)`), as in the CSV; read back, a JSON number and a string give the same cell
          else if (j === 6 && /^\d+$/.test(cellText(c, r))) o[c.name] = Number(cellText(c, r));
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
