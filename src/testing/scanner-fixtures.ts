/**
 * What the byte-scanner tests (JSON lines, JSON array, CSV) share, written once: the small
 * pipeline they encode with, a body cut into the pieces the network might deliver, the rows a
 * scanner gives for such a body, and the rows (or first refusal) JSON.parse + encode give.
 */
import { Readable } from 'node:stream';
import type { PipelineState } from '../features/pipeline.js';
import { FieldError, type RowEncoder } from '../server/row-encoder.js';
import { BatchInputError, readBatches } from '../server/batch-reader.js';
import type { EncodedBatch } from '../server/jsonl-scanner.js';

/** two numeric columns (one logged), a one-hot category with a non-ASCII value, an ordinal one */
export const SCANNER_PIPELINE: PipelineState = {
  options: { scaling: 'standard', categorical: 'onehot' } as PipelineState['options'],
  inputs: [
    { kind: 'numeric', name: 'duration', fill: 7, posInf: 1e9, negInf: -1e9, center: 2, scale: 3, clip: false },
    { kind: 'numeric', name: 'src_bytes', fill: 0.5, posInf: 99, negInf: -99, center: 0, scale: 1, clip: false, log: true },
    { kind: 'categorical', name: 'service', encoding: 'onehot', categories: ['http', 'private', 'é€'] },
    { kind: 'categorical', name: 'flag', encoding: 'ordinal', categories: ['SF', 'REJ'] },
  ],
  outputNames: ['duration', 'src_bytes', 'service=http', 'service=private', 'service=é€', 'flag'],
  outputSource: Int32Array.of(0, 1, 2, 2, 2, 3),
};

/** the bytes of `text` cut at the given byte offsets (any order, repeats and out-of-range ones ignored) */
export function cutPieces(text: string, cuts: number[]): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (c > at && c < bytes.length) {
      out.push(bytes.subarray(at, c));
      at = c;
    }
  }
  out.push(bytes.subarray(at));
  return out;
}

export type ByteScanner = (body: Readable, enc: RowEncoder, maxBytes: number, batchRows: number) => AsyncGenerator<EncodedBatch>;

/** every row (and its line or element number) `scan` gives for `text` cut at `cuts`, in batches of `rows` */
export async function scannedRows(scan: ByteScanner, enc: RowEncoder, text: string, cuts: number[], rows: number): Promise<{ data: number[]; where: number[] }> {
  const data: number[] = [];
  const where: number[] = [];
  for await (const b of scan(Readable.from(cutPieces(text, cuts)), enc, 1 << 30, rows)) {
    data.push(...b.data.subarray(0, b.rows * enc.width));
    where.push(...b.where.subarray(0, b.rows));
  }
  return { data, where };
}

/**
 * The rows JSON.parse + encode make of `records` (numbered from 1, blank ones skipped as JSON lines
 * skips blank lines), or the 400 message for the first record either refuses; parseDetail: the
 * message of a record that is not JSON ends with JSON.parse's own reason, as the endpoint's does.
 */
export function encodedOrFirstError(
  enc: RowEncoder,
  records: readonly string[],
  unit: 'line' | 'element',
  parseDetail: boolean,
): { data: number[]; where: number[] } | { error: string; syntax: boolean } {
  const data: number[] = [];
  const where: number[] = [];
  for (let i = 0; i < records.length; i++) {
    if (records[i].trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(records[i]);
    } catch (e) {
      return { error: `body ${unit} ${i + 1}: not valid JSON${parseDetail ? ` (${(e as Error).message.slice(0, 120)})` : ''}`, syntax: true };
    }
    const row = new Float64Array(enc.width);
    try {
      enc.encode(v as Record<string, unknown>, row, 0);
    } catch (e) {
      return { error: `body ${unit} ${i + 1}: ${(e as Error).message}`, syntax: false };
    }
    data.push(...row);
    where.push(i + 1);
  }
  return { data, where };
}

/**
 * The rows batch-reader.ts's batches give once encoded (the reference the byte scanners are held
 * to), or the message of the first refusal: batch-reader's own, or the encoder's for a record,
 * named as the endpoint names it ("body line N: ..." for CSV, "body element N: ..." for a JSON array).
 */
export async function batchReaderRows(
  enc: RowEncoder,
  body: Buffer[],
  format: 'csv' | 'json',
  batchRows: number,
): Promise<{ data: number[]; where: number[] } | { error: string }> {
  const data: number[] = [];
  const where: number[] = [];
  const unit = format === 'csv' ? 'line' : 'element';
  try {
    for await (const b of readBatches(Readable.from(body), format, 1 << 30, batchRows)) {
      const cols = format === 'csv' ? enc.columnsFor(b.header!) : undefined;
      const n = format === 'csv' ? b.cells!.length : b.objects!.length;
      for (let i = 0; i < n; i++) {
        const row = new Float64Array(enc.width);
        try {
          if (cols) enc.encodeCells(b.cells![i], cols, row, 0);
          else enc.encode(b.objects![i], row, 0);
        } catch (e) {
          if (e instanceof FieldError) throw new BatchInputError(400, `body ${unit} ${b.where[i]}: ${e.message}`);
          throw e;
        }
        data.push(...row);
        where.push(b.where[i]);
      }
    }
  } catch (e) {
    if (e instanceof BatchInputError) return { error: e.message };
    throw e;
  }
  return { data, where };
}
