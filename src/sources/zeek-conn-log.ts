/**
 * Zeek's conn.log as a flow source: the TSV form Zeek writes by default (`#separator`, `#fields`,
 * `#types` header lines, `-` for unset and `(empty)` for empty fields, `#close` at the end, possibly
 * several header blocks when logs are concatenated) and the JSON-lines form (`LogAscii::use_json`),
 * plain or gzip-compressed. Records become FlowTable rows under Zeek's own field names, which the
 * canonical flow view (flows/flow-fields.ts) and the rules already know (`id.orig_h`, `conn_state`,
 * `history`, ...). Times become epoch milliseconds, as every other source gives them.
 *
 * Roles: what describes the connection's behaviour is a feature (responder port, proto, service,
 * duration, bytes and packets each way, conn_state, history); what identifies it (addresses,
 * originator port, uid, ts) is meta, for the same reason as in the CICFlowMeter reader.
 *
 * Our own reader rather than the CSV tokenizer: Zeek's TSV has header directives and escapes of its
 * own, and JSON lines are not CSV.
 */
import { StringDecoder } from 'node:string_decoder';
import { CategoricalBuilder, categoricalColumn, numericColumn, type Column, type ColumnRole, type FlowTable } from '../flows/table.js';
import { InputError } from '../util/errors.js';
import type { ByteSource } from './byte-source.js';

export const ZEEK_FORMAT = 'zeek-conn';
export const ZEEK_TITLE = "a Zeek conn.log (TSV or JSON)";

const NUMERIC = new Set(['ts', 'id.orig_p', 'id.resp_p', 'duration', 'orig_bytes', 'resp_bytes', 'missed_bytes', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes']);
const NUMERIC_TYPES = new Set(['time', 'interval', 'count', 'int', 'double', 'port']);
const FEATURES = new Set(['id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state', 'history', 'missed_bytes', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes']);
const MAX_LINE = 1 << 20;

/** Whether these first bytes are a Zeek conn.log. */
export function looksLikeZeekConn(head: Uint8Array): 'tsv' | 'json' | undefined {
  const text = withoutBom(Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 8192)).toString('utf8'));
  if (text.startsWith('#separator') || text.startsWith('#fields')) return /#fields\t.*id\.orig_h/.test(text) || /#path\s+conn/.test(text) ? 'tsv' : undefined;
  const first = text.split('\n', 1)[0].trim();
  if (first.startsWith('{') && first.includes('"id.orig_h"') && first.includes('"id.resp_h"')) return 'json';
  return undefined;
}

/**
 * The text without a UTF-8 byte order mark (an editor or a Windows tool saving the log adds one):
 * kept, it hid `#separator` and the log was read as a one-column CSV that failed at line 2.
 */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

interface Builder {
  name: string;
  numeric: boolean;
  values: number[];
  cat?: CategoricalBuilder;
}

/** Stream a conn.log (already identified) as FlowTable batches of at most batchRows rows. */
export async function* streamZeekConn(source: ByteSource, display: string, batchRows: number): AsyncGenerator<FlowTable> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lineNo = 0;
  let fields: string[] | undefined;
  let types: string[] | undefined;
  let sep = '\t';
  let unset = '-';
  let empty = '(empty)';
  let builders: Builder[] = [];
  let byName = new Map<string, Builder>();
  let lines: number[] = [];
  let rows = 0;
  let json = false;
  let yielded = false;

  const builder = (name: string, numeric: boolean): Builder => {
    let b = byName.get(name);
    if (!b) {
      b = { name, numeric, values: [], cat: numeric ? undefined : new CategoricalBuilder() };
      // a column first seen late (JSON objects may omit fields) is missing in earlier rows
      for (let i = 0; i < rows; i++) numeric ? b.values.push(NaN) : b.cat!.push(null);
      byName.set(name, b);
      builders.push(b);
    }
    return b;
  };
  const flush = (): FlowTable => {
    const columns: Column[] = builders.map((b) => {
      const role: ColumnRole = FEATURES.has(b.name) ? 'feature' : 'meta';
      return b.numeric ? numericColumn(b.name, role, Float64Array.from(b.values)) : categoricalColumn(b.name, role, b.cat!.finish(), [...b.cat!.dictionary]);
    });
    const t: FlowTable = { rowCount: rows, columns, format: ZEEK_FORMAT, origin: { files: [display], file: new Int32Array(rows), line: Float64Array.from(lines) } };
    builders = builders.map((b) => ({ name: b.name, numeric: b.numeric, values: [], cat: b.numeric ? undefined : new CategoricalBuilder() }));
    byName = new Map(builders.map((b) => [b.name, b]));
    lines = [];
    rows = 0;
    return t;
  };
  const number = (raw: string, name: string): number => {
    if (raw === unset || raw === empty || raw === '') return NaN;
    const v = Number(raw);
    if (Number.isNaN(v)) {
      if (name === 'ts') {
        const d = Date.parse(raw);
        if (!Number.isNaN(d)) return d / 1000;
      }
      throw new InputError({ file: display, line: lineNo, column: name }, `${JSON.stringify(raw)} is not a number`);
    }
    return v;
  };
  const put = (name: string, numeric: boolean, raw: unknown): void => {
    const b = builder(name, numeric);
    if (numeric) {
      let v = typeof raw === 'number' ? raw : raw === undefined || raw === null ? NaN : number(String(raw), name);
      if (name === 'ts' && !Number.isNaN(v)) v *= 1000;
      b.values.push(v);
    } else {
      const s = raw === undefined || raw === null ? null : Array.isArray(raw) ? raw.join(',') : String(raw);
      b.cat!.push(s === null || s === unset ? null : s === empty ? '' : s);
    }
  };
  const record = (line: string): void => {
    if (json) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new InputError({ file: display, line: lineNo }, 'not a JSON object (every line of a JSON conn.log must be one)');
      }
      if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new InputError({ file: display, line: lineNo }, 'not a JSON object');
      const seen = new Set<string>();
      for (const [k, v] of Object.entries(o)) {
        const numeric = NUMERIC.has(k) || (byName.get(k)?.numeric ?? (typeof v === 'number'));
        put(k, numeric, v);
        seen.add(k);
      }
      for (const b of builders) if (!seen.has(b.name)) b.numeric ? b.values.push(NaN) : b.cat!.push(null);
    } else {
      if (!fields) throw new InputError({ file: display, line: lineNo }, 'a record before the #fields line');
      const cells = line.split(sep);
      if (cells.length !== fields.length) throw new InputError({ file: display, line: lineNo }, `expected ${fields.length} fields (as #fields names), found ${cells.length}`);
      for (let i = 0; i < fields.length; i++) {
        const name = fields[i];
        const numeric = NUMERIC.has(name) || (types !== undefined && NUMERIC_TYPES.has(types[i]));
        put(name, numeric, cells[i]);
      }
    }
    lines.push(lineNo);
    rows++;
  };
  const handle = (raw: string): void => {
    lineNo++;
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo === 1) line = withoutBom(line);
    if (line === '') return;
    if (lineNo === 1 && line.startsWith('{')) json = true;
    if (!json && line.startsWith('#')) {
      const [key, ...vals] = line.split(line.startsWith('#separator') ? ' ' : sep);
      const val = vals.join(sep);
      if (key === '#separator') sep = val.replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      else if (key === '#unset_field') unset = val;
      else if (key === '#empty_field') empty = val;
      else if (key === '#fields') {
        const next = vals;
        if (fields && next.join('\t') !== fields.join('\t')) throw new InputError({ file: display, line: lineNo }, 'a second #fields line with other fields; read the logs separately');
        fields = next;
      } else if (key === '#types') types = vals;
      return;
    }
    record(line);
  };

  for await (const chunk of source.chunks()) {
    const text = rest + decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    const parts = text.split('\n');
    rest = parts.pop() as string;
    if (rest.length > MAX_LINE) throw new InputError({ file: display, line: lineNo + 1 }, `a line longer than ${MAX_LINE} bytes; is this really a conn.log?`);
    for (const p of parts) {
      handle(p);
      if (rows >= batchRows) {
        yield flush();
        yielded = true;
      }
    }
  }
  rest += decoder.end();
  if (rest !== '') handle(rest);
  if (rows > 0 || !yielded) yield flush();
}
