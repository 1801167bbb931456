/**
 * A JSON array of records (POST /v1/predict with application/json) straight from the request's
 * bytes into model rows, as JSON lines are (jsonl-scanner.ts): the array is cut at its top-level
 * object boundaries exactly as batch-reader.ts cuts it (strings and escapes tracked, the same
 * structural errors), and each object goes through the JSON lines scanner (a record is a line
 * that may hold newlines), or JSON.parse + encode when the scanner cannot read it exactly; errors
 * name the element, as before. A record of the scanner's layout (the previous record's keys and
 * spacing) is read as soon as its "{" is seen, without cutting it first: the layout's records are
 * flat, their strings without escapes, so the layout's closing "}" is the one the cutting finds.
 *
 * Batches are exactly batchRows records (batch-reader.ts made a batch of whatever whole chunks
 * held): an error's place is the same, whether it is a 4xx or the stream's last line can differ for
 * a record near a batch boundary, as it did with the network's chunk sizes.
 */
import type { Readable } from 'node:stream';
import { BatchInputError, batchTooLarge, jsonArrayError } from './batch-reader.js';
import type { RowEncoder } from './row-encoder.js';
import { encodeParsed, scannerOf, viewOf, type EncodedBatch } from './jsonl-scanner.js';

/** the text's character (UTF-16 unit) starting at byte i, for messages as batch-reader.ts gives them */
function charAt(b: Buffer, i: number): string {
  return b.toString('utf8', i, Math.min(b.length, i + 4))[0];
}

export async function* scanJsonArray(body: Readable, enc: RowEncoder, maxBytes: number, batchRows: number): AsyncGenerator<EncodedBatch> {
  const w = enc.width;
  const scan = scannerOf(enc);
  const data = new Float64Array(batchRows * w);
  const where = new Int32Array(batchRows);
  let rows = 0;
  let bytes = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let started = false;
  let ended = false;
  let element = 0;
  // the start of the object being read in this chunk (-1: between objects); an object that began
  // in an earlier chunk has its bytes so far in `pieces`
  let objStart = -1;
  let pieces: Buffer[] = [];
  // a stray character the chunk cut: its first bytes and the message it ends (thrown once the
  // character is whole, as batch-reader.ts's text decoder saw it)
  let stray: { bytes: Buffer; need: number; message: string } | undefined;
  const strayMessage = (): string => jsonArrayError.strayBefore(!started || ended, element + 1);

  const take = (b: Buffer, dv: DataView, s: number, e: number): void => {
    element++;
    const base = rows * w;
    if (!scan.line(b, dv, s, e, data, base)) encodeParsed(enc, b.toString('utf8', s, e), element, data, base, 'element');
    where[rows++] = element;
  };
  const batch = (): EncodedBatch => {
    const n = rows;
    rows = 0;
    return { data, rows: n, where };
  };

  for await (const chunk of body) {
    bytes += (chunk as Buffer).length;
    if (bytes > maxBytes) {
      body.destroy();
      throw batchTooLarge(maxBytes);
    }
    const b = chunk as Buffer;
    if (stray) {
      stray.bytes = Buffer.concat([stray.bytes, b]);
      if (stray.bytes.length < stray.need) continue;
      throw new BatchInputError(400, `${stray.message}${charAt(stray.bytes, 0)}"`);
    }
    const dv = viewOf(b);
    for (let i = 0; i < b.length; i++) {
      const ch = b[i];
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
          // a record of the layout is read at once, its end found by reading it
          const end = scan.layoutRecord(b, dv, i, b.length, data, rows * w);
          if (end >= 0) {
            where[rows++] = ++element;
            i = end - 1;
            if (rows === batchRows) yield batch();
            continue;
          }
          objStart = i;
        }
        depth++;
      } else if (ch === 93 || ch === 125) {
        depth--;
        if (depth === 1 && ch === 125) {
          if (pieces.length > 0) {
            const whole = Buffer.concat([...pieces, b.subarray(0, i + 1)]);
            pieces = [];
            take(whole, viewOf(whole), 0, whole.length);
          } else take(b, dv, objStart, i + 1);
          objStart = -1;
          if (rows === batchRows) yield batch();
        } else if (depth === 0) ended = true;
        else if (depth < 0) throw jsonArrayError.unbalanced();
      } else if (ch > 32 && ch !== 44 && depth < 2) {
        const need = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
        if (i + need > b.length) {
          stray = { bytes: Buffer.from(b.subarray(i)), need, message: strayMessage() };
          break;
        }
        throw new BatchInputError(400, `${strayMessage()}${charAt(b, i)}"`);
      }
    }
    if (depth >= 2) {
      // an object goes on into the next chunk
      pieces.push(objStart >= 0 ? b.subarray(objStart) : b);
      objStart = -1;
    }
  }
  if (stray) throw new BatchInputError(400, `${stray.message}${charAt(stray.bytes, 0)}"`);
  if (!started) throw jsonArrayError.empty();
  if (!ended) throw jsonArrayError.notClosed(element);
  if (rows > 0) yield batch();
}
