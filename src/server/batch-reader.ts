/**
 * Reads the body of a batch request as it arrives, record by record, in batches: JSON lines
 * (one object per line), a JSON array of objects, or CSV with a header line. Nothing holds the
 * whole body: each batch is handed on before more is read, so a body of any size within
 * server.limits.batchBytes costs one batch of memory.
 *
 * Our own small scanners because the records are flat and the path is hot: JSON lines split on
 * newlines, a JSON array is cut at its top-level object boundaries (strings and escapes tracked)
 * and each object goes to JSON.parse; CSV lines are split on commas with RFC 4180 quotes (a
 * quoted field may not span lines here: flow records have none).
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export type BatchFormat = 'jsonl' | 'json' | 'csv';

export class BatchInputError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The 413 for a body past server.limits.batchBytes; one wording for every reader of a batch body. */
export function batchTooLarge(maxBytes: number): BatchInputError {
  return new BatchInputError(413, `body: larger than the batch limit of ${maxBytes} bytes (server.limits.batchBytes)`);
}

/** The 400 for a line (1-based) that runs past 1 MiB without a newline; one wording for every line reader. */
export function lineTooLong(line: number): BatchInputError {
  return new BatchInputError(400, `body line ${line}: longer than 1 MiB`);
}

/**
 * A JSON array body's framing errors, worded once for the two readers that must agree on them
 * (scanJson here, json-array-scanner.ts's byte scanner); `element` is the 1-based element at fault.
 */
export const jsonArrayError = {
  stringAt: (element: number) => new BatchInputError(400, `body: expected a JSON array of objects, found a string at element ${element}`),
  notAnArray: () => new BatchInputError(400, 'body: expected a JSON array of objects (send JSON lines as application/x-ndjson)'),
  afterEnd: () => new BatchInputError(400, 'body: text after the end of the JSON array'),
  arrayAt: (element: number) => new BatchInputError(400, `body element ${element}: expected a JSON object, got an array`),
  unbalanced: () => new BatchInputError(400, 'body: unbalanced brackets'),
  empty: () => new BatchInputError(400, 'body: empty, expected a JSON array of objects'),
  notClosed: (after: number) => new BatchInputError(400, `body: the JSON array is not closed (after element ${after})`),
  /** the message before the stray character and its closing quote; outside: before the array or after it */
  strayBefore: (outside: boolean, element: number): string => (outside ? 'body: expected a JSON array of objects, found "' : `body element ${element}: expected a JSON object, found "`),
};

export interface RecordBatch {
  /** JSON formats: the records */
  readonly objects?: Record<string, unknown>[];
  /** CSV: cells per record, and the header */
  readonly cells?: string[][];
  readonly header?: readonly string[];
  /** line (JSON lines, CSV) or element number (JSON array) of each record, 1-based */
  readonly where: number[];
  readonly unit: 'line' | 'element';
}

export function batchFormatOf(contentType: string | undefined): BatchFormat | undefined {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (t === 'application/x-ndjson' || t === 'application/jsonl' || t === 'application/json-lines' || t === 'application/x-jsonlines') return 'jsonl';
  if (t === 'application/json') return 'json';
  if (t === 'text/csv') return 'csv';
  return undefined;
}

function parseObject(text: string, unit: string, n: number): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BatchInputError(400, `body ${unit} ${n}: not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BatchInputError(400, `body ${unit} ${n}: expected a JSON object, got ${Array.isArray(v) ? 'an array' : JSON.stringify(v)?.slice(0, 40)}`);
  return v as Record<string, unknown>;
}

export function splitCsvLine(line: string, n: number): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new BatchInputError(400, `body line ${n}: a quoted field is not closed (a field may not span lines)`);
        s += line.slice(i, q);
        if (line[q + 1] === '"') {
          s += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(s);
      if (i < line.length && line[i] !== ',') throw new BatchInputError(400, `body line ${n}: unexpected text after a quoted field`);
      i++;
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

export async function* readBatches(body: Readable, format: BatchFormat, maxBytes: number, batchRows: number): AsyncGenerator<RecordBatch> {
  const dec = new StringDecoder('utf8');
  let bytes = 0;
  let carry = '';
  let lineNo = 0;
  let header: string[] | undefined;
  let objects: Record<string, unknown>[] = [];
  let cells: string[][] = [];
  let where: number[] = [];
  // JSON array scanner state
  let depth = 0;
  let inString = false;
  let escaped = false;
  let objStart = -1;
  let started = false;
  let ended = false;
  let element = 0;
  const unit = format === 'json' ? 'element' : 'line';

  const flush = (): RecordBatch => {
    const b: RecordBatch = format === 'csv' ? { cells, header, where, unit } : { objects, where, unit };
    objects = [];
    cells = [];
    where = [];
    return b;
  };
  const takeLine = (line: string): void => {
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') return;
    if (format === 'jsonl') {
      objects.push(parseObject(line, 'line', lineNo));
      where.push(lineNo);
    } else if (!header) {
      header = splitCsvLine(line, lineNo).map((h) => h.trim());
    } else {
      const c = splitCsvLine(line, lineNo);
      if (c.length !== header.length) throw new BatchInputError(400, `body line ${lineNo}: ${c.length} fields, the header has ${header.length}`);
      cells.push(c);
      where.push(lineNo);
    }
  };
  const scanJson = (text: string): void => {
    // text = carry + new chunk; positions before `from` were scanned already
    let from = carry.length;
    let buf = carry + text;
    if (objStart < 0) {
      buf = buf.slice(from);
      from = 0;
    }
    for (let i = from; i < buf.length; i++) {
      const ch = buf.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === 92) escaped = true;
        else if (ch === 34) inString = false;
        continue;
      }
      if (ch === 34) {
        if (depth < 2) throw jsonArrayError.stringAt(element + 1);
        inString = true;
      } else if (ch === 91 || ch === 123) {
        if (!started) {
          if (ch !== 91) throw jsonArrayError.notAnArray();
          started = true;
          depth = 1;
          continue;
        }
        if (ended) throw jsonArrayError.afterEnd();
        if (depth === 1) {
          if (ch !== 123) throw jsonArrayError.arrayAt(element + 1);
          objStart = i;
        }
        depth++;
      } else if (ch === 93 || ch === 125) {
        depth--;
        if (depth === 1 && ch === 125) {
          element++;
          objects.push(parseObject(buf.slice(objStart, i + 1), 'element', element));
          where.push(element);
          objStart = -1;
        } else if (depth === 0) ended = true;
        else if (depth < 0) throw jsonArrayError.unbalanced();
      } else if (ch > 32 && ch !== 44 && depth < 2) {
        throw new BatchInputError(400, `${jsonArrayError.strayBefore(!started || ended, element + 1)}${buf[i]}"`);
      }
    }
    carry = objStart >= 0 ? buf.slice(objStart) : '';
    if (objStart >= 0) objStart = 0;
  };

  for await (const chunk of body) {
    const b = chunk as Buffer;
    bytes += b.length;
    if (bytes > maxBytes) {
      body.destroy();
      throw batchTooLarge(maxBytes);
    }
    const text = dec.write(b);
    if (format === 'json') scanJson(text);
    else {
      const all = carry + text;
      let start = 0;
      for (;;) {
        const nl = all.indexOf('\n', start);
        if (nl < 0) break;
        takeLine(all.slice(start, nl));
        start = nl + 1;
      }
      carry = all.slice(start);
      if (carry.length > 1 << 20) throw lineTooLong(lineNo + 1);
    }
    if (where.length >= batchRows) yield flush();
  }
  const rest = dec.end();
  if (format === 'json') {
    if (rest) scanJson(rest);
    if (!started) throw jsonArrayError.empty();
    if (!ended) throw jsonArrayError.notClosed(element);
  } else {
    if (carry + rest) takeLine(carry + rest);
    if (format === 'csv' && !header) throw new BatchInputError(400, 'body: empty, expected a CSV header line');
  }
  if (where.length > 0) yield flush();
}
