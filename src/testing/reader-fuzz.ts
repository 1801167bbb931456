/**
 * Fuzzing of what reads hostile bytes: the CSV tokenizer, the dataset readers (sniffing, encodings,
 * delimiters, every format reader, the assembler) and the model-file decoder. Shared by the short
 * run in `npm test` (src/sources/reader-fuzz.test.ts, src/models/model-file-fuzz.test.ts) and the
 * long run (`npm run fuzz`, src/bench/fuzz-readers.ts).
 *
 * The property, everywhere: the input is read, or refused with a UserError of one line of bounded
 * length; never another exception, never a hang (each input runs under a time limit), and memory
 * stays bounded (the long run checks the process's RSS). For the tokenizer also: cutting the input
 * into chunks anywhere, with a buffer that has to grow, gives exactly the records of reading it
 * whole (or both refuse).
 *
 * Inputs: random bytes; CSV built from fields covering every quoting case, delimiters, CR / LF /
 * CRLF, BOMs, UTF-16, huge and empty fields; real rows from ../shared/datasets and samples/
 * mutated (bytes flipped, inserted, deleted, duplicated, truncated); real model files mutated as
 * bytes, and as JSON with the checksum recomputed so the parser behind the checksum is reached.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { tokenizeCsv, tokenizeText } from '../sources/csv-tokenizer.js';
import { readDataset } from '../sources/read-dataset.js';
import { decodeModel, encodeModel } from '../models/model-file.js';
import { categoricalFrom, numericColumn, type FlowTable } from '../flows/table.js';
import { trainModel } from '../models/trained-model.js';
import { UserError } from '../util/errors.js';
import { sharedPath } from './shared-data.js';

/** A failure of the property: anything but a one-line UserError. */
export class FuzzFailure extends Error {}

/** Longest message a refusal may have (a field quoted whole would be far longer). */
const MAX_MESSAGE = 2000;

/** Rethrow what is not an acceptable refusal as a FuzzFailure carrying the original. */
export function checkRefusal(err: unknown, what: string): void {
  if (err instanceof UserError) {
    if (err.message.includes('\n') || err.message.length > MAX_MESSAGE) {
      throw new FuzzFailure(`${what}: a refusal that is not one short line (${err.message.length} chars): ${err.message.slice(0, 200)}`);
    }
    return;
  }
  const e = err as Error;
  throw new FuzzFailure(`${what}: ${e?.constructor?.name ?? typeof err}: ${e?.message?.slice(0, 300)}\n${e?.stack ?? ''}`);
}

// ------------------------------------------------------------------------------------------------
// CSV inputs

/** The first lines of real flow files: every format this project reads. */
export function seedTexts(lines = 40): Buffer[] {
  const files = [
    sharedPath('datasets', 'nsl-kdd', 'KDDTest+.txt'),
    sharedPath('datasets', 'cicids2017-sample', 'DDoS_2500.csv'),
    sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv'),
    resolve(process.cwd(), 'samples/loopback/normal.csv'),
  ].filter((p): p is string => p !== undefined);
  const out: Buffer[] = [];
  for (const f of files) {
    try {
      const text = readFileSync(f).subarray(0, 1 << 20).toString('latin1');
      out.push(Buffer.from(text.split('\n').slice(0, lines).join('\n') + '\n', 'latin1'));
    } catch {
      // a missing sample is not a failure of the fuzzer
    }
  }
  // an UNSW-NB15-shaped header and built-in rows, so every reader is reached without ../shared
  out.push(Buffer.from('srcip,sport,dstip,dsport,proto,state,dur,sbytes,dbytes,attack_cat,Label\n10.0.0.1,1234,10.0.0.2,80,tcp,FIN,0.1,100,200,,0\n10.0.0.3,999,10.0.0.2,22,tcp,CON,1.5,3000,10,Exploits,1\n'));
  out.push(Buffer.from('0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0.00,0.00,0.00,0.00,1.00,0.00,0.00,9,9,1.00,0.00,0.11,0.00,0.00,0.00,0.00,0.00,normal,20\n'));
  return out;
}

const fieldArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.oneof(fc.integer().map(String), fc.double().map(String), fc.constantFrom('0', '-1', '1e308', '1e-400', 'NaN', 'nan', 'inf', '-Infinity', '0x1F', '1,5', ' 7 ', '.', '1e', '--1')) },
  { weight: 4, arbitrary: fc.constantFrom('tcp', 'udp', 'normal', 'BENIGN', 'attack', 'DDoS', 'SF', 'http', 'Label', 'label', ' Label', 'Flow ID', 'Destination Port', 'proto', 'attack_cat', 'binary', 'family') },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom('', '""', '"', '"a,b"', '"a""b"', '"line\nbreak"', '"cr\r\nlf"', '"unclosed', 'a"b', '"x"y', '"""', '" "', '\r', '\t', ';', '|', '\u0000', '\ufeff') },
  { weight: 1, arbitrary: fc.nat({ max: 20_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.nat({ max: 5_000 }).map((n) => `"${'q,'.repeat(n)}"`) },
);

/** CSV text assembled from fields: any delimiter, any line ending, ragged or not, with a header. */
export const structuredCsvArb: fc.Arbitrary<Buffer> = fc
  .record({
    width: fc.integer({ min: 1, max: 12 }),
    rows: fc.array(fc.array(fieldArb, { minLength: 0, maxLength: 14 }), { minLength: 0, maxLength: 12 }),
    header: fc.boolean(),
    delimiter: fc.constantFrom(',', ',', ',', ';', '\t', '|'),
    eol: fc.constantFrom('\n', '\r\n', '\r', '\n\n'),
    ragged: fc.boolean(),
    finalEol: fc.boolean(),
    encoding: fc.constantFrom('utf8', 'utf8', 'utf8', 'utf8-bom', 'utf16le', 'utf16le-bom', 'utf16be', 'utf16be-bom', 'latin1'),
  })
  .map(({ width, rows, header, delimiter, eol, ragged, finalEol, encoding }) => {
    const lines: string[] = [];
    if (header) lines.push(Array.from({ length: width }, (_, i) => (i === width - 1 ? 'label' : `c${i}`)).join(delimiter));
    for (const r of rows) {
      const cells = ragged ? r : Array.from({ length: width }, (_, i) => r[i] ?? '');
      lines.push(cells.join(delimiter));
    }
    return encode(lines.join(eol) + (finalEol ? eol : ''), encoding);
  });

function encode(text: string, encoding: string): Buffer {
  switch (encoding) {
    case 'utf8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf16le':
      return Buffer.from(text, 'utf16le');
    case 'utf16le-bom':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be':
      return Buffer.from(text, 'utf16le').swap16();
    case 'utf16be-bom':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    case 'latin1':
      return Buffer.from(text, 'latin1');
    default:
      return Buffer.from(text, 'utf8');
  }
}

const mutationArb = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constantFrom(...[',', '"', '\n', '\r', '""', ',,', '\r\n', '\u0000', '\ufeff', 'NaN', 'inf', '-'].map((s) => new Uint8Array(Buffer.from(s))))) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('field' as const), at: fc.nat(), value: fieldArb }),
  fc.record({ op: fc.constant('field' as const), at: fc.nat(), value: fieldArb }),
);

type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

export function mutate(buf: Buffer, muts: readonly Mutation[]): Buffer {
  let b = Buffer.from(buf);
  for (const m of muts) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.op) {
      case 'flip':
        b[at] ^= m.bits;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'field': {
        // replace one whole field (between delimiters), keeping the record's shape
        let s0 = at;
        while (s0 > 0 && b[s0 - 1] !== 44 && b[s0 - 1] !== 10) s0--;
        let e0 = at;
        while (e0 < b.length && b[e0] !== 44 && b[e0] !== 10 && b[e0] !== 13) e0++;
        b = Buffer.concat([b.subarray(0, s0), Buffer.from(m.value, 'utf8'), b.subarray(e0)]);
        break;
      }
    }
  }
  return b;
}

/** Real rows with a few mutations. */
export function mutatedSeedArb(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc.record({ seed: fc.constantFrom(...seeds), muts: fc.array(mutationArb, { minLength: 1, maxLength: 6 }) }).map(({ seed, muts }) => mutate(seed, muts));
}

/** Every kind of CSV input. */
export function csvInputArb(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 3000 }).map((u) => Buffer.from(u)) },
    { weight: 4, arbitrary: structuredCsvArb },
    { weight: 4, arbitrary: mutatedSeedArb(seeds) },
    { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(0), Buffer.from('\n'), Buffer.from('\r\n\r\n'), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff, 0xfe]), Buffer.from([0x1f, 0x8b]), Buffer.from(',')) },
  );
}

/** Read options a user could give. */
const mostly = <T>(usual: T, ...rare: T[]): fc.Arbitrary<T> => fc.oneof({ weight: 6, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constantFrom(...rare) });

export const readOptionsArb = fc.record({
  format: mostly<string | undefined>(undefined, 'csv', 'nsl-kdd', 'cicflowmeter', 'unsw-nb15'),
  label: fc.constantFrom(undefined, undefined, undefined, 'label', 'label', 'Label', 'c0'),
  batchRows: fc.constantFrom(undefined, 1, 2, 7),
  maxColumns: mostly<number | undefined>(undefined, 3, 50),
  maxLineBytes: mostly<number | undefined>(undefined, 64, 4096),
});

export type FuzzReadOptions = typeof readOptionsArb extends fc.Arbitrary<infer T> ? T : never;

// ------------------------------------------------------------------------------------------------
// targets

/** Tokenise whole and in chunks: the same records, or both refuse. */
export async function fuzzTokenizer(bytes: Buffer, chunkWanted: number): Promise<void> {
  // long inputs in at most ~300 chunks, so a run stays fast
  const chunk = Math.max(chunkWanted, Math.ceil(bytes.length / 300));
  let whole: string[][] | undefined;
  let wholeErr: unknown;
  try {
    whole = tokenizeText(bytes, { file: 'fuzz' });
  } catch (e) {
    checkRefusal(e, 'tokenizeText');
    wholeErr = e;
  }
  const parts: string[][] = [];
  let partErr: unknown;
  try {
    const chunks = (async function* () {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    })();
    for await (const b of tokenizeCsv(chunks, { file: 'fuzz', chunkBytes: 16 })) for (let r = 0; r < b.count; r++) parts.push(b.record(r));
  } catch (e) {
    checkRefusal(e, 'tokenizeCsv');
    partErr = e;
  }
  if ((wholeErr === undefined) !== (partErr === undefined)) {
    throw new FuzzFailure(`tokenizer: whole ${wholeErr ? 'refused' : 'read'} but chunked (${chunk}) ${partErr ? 'refused' : 'read'}: ${String((wholeErr ?? partErr) as Error)}`);
  }
  if (whole && JSON.stringify(whole) !== JSON.stringify(parts)) {
    throw new FuzzFailure(`tokenizer: chunks of ${chunk} bytes give other records than the whole text`);
  }
}

/** Read bytes as a dataset from stdin, with options. */
export async function fuzzReadDataset(bytes: Buffer, o: FuzzReadOptions): Promise<FlowTable | undefined> {
  try {
    const stdin = Readable.from(bytes.length > 0 ? [bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)] : [], { objectMode: false });
    return await readDataset(['-'], {
      stdin,
      warn: () => {},
      format: o.format,
      label: o.label,
      batchRows: o.batchRows,
      limits: { maxColumns: o.maxColumns, maxLineBytes: o.maxLineBytes },
    });
  } catch (e) {
    checkRefusal(e, 'readDataset');
    return undefined;
  }
}

/** Decode a model file's bytes. */
export function fuzzModelDecode(buf: Buffer): void {
  try {
    decodeModel(buf, 'fuzz.nsm');
  } catch (e) {
    checkRefusal(e, 'decodeModel');
  }
}

// ------------------------------------------------------------------------------------------------
// model files

/** Real model files: small models of several kinds trained on a toy flow table. */
export async function seedModels(): Promise<Buffer[]> {
  const n = 120;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const proto: string[] = [];
  const label: string[] = [];
  for (let i = 0; i < n; i++) {
    const attack = i % 3 === 0;
    a[i] = (attack ? 50 : 5) + ((i * 37) % 11);
    b[i] = i % 4 === 0 ? NaN : (i * 13) % 7;
    proto.push(i % 2 ? 'tcp' : 'udp');
    label.push(attack ? 'attack' : i % 5 === 0 ? 'scan' : 'normal');
  }
  const table: FlowTable = {
    rowCount: n,
    format: 'csv',
    defaultTarget: 'label',
    normalClass: 'normal',
    columns: [numericColumn('bytes', 'feature', a), numericColumn('dur', 'feature', b), categoricalFrom('proto', 'feature', proto), categoricalFrom('label', 'label', label)],
  };
  const out: Buffer[] = [];
  for (const [model, params] of [
    ['decision-tree', { max_depth: 4 }],
    ['gradient-boosting', { n_estimators: 3 }],
    ['logistic-regression', {}],
    ['isolation-forest', { n_estimators: 5 }],
  ] as const) {
    const m = await trainModel(table, { model, params, seed: 1, threads: 1 });
    out.push(encodeModel({ netsentinel: 'model', ...m }));
  }
  return out;
}

/** A model file rebuilt around an edited header, checksum recomputed: the decoder's checks are reached. */
export function rebuildModel(buf: Buffer, edit: (header: unknown) => unknown, raw = false): Buffer {
  const headerLen = buf.readUInt32LE(12);
  const header = JSON.parse(buf.subarray(16, 16 + headerLen).toString('utf8')) as unknown;
  const payload = buf.subarray(align8(16 + headerLen), buf.length - 32);
  const edited = edit(header);
  const h = Buffer.from(raw ? String(edited) : JSON.stringify(edited) ?? 'null', 'utf8');
  const start = align8(16 + h.length);
  const out = Buffer.alloc(start + payload.length + 32);
  buf.copy(out, 0, 0, 12);
  out.writeUInt32LE(h.length, 12);
  h.copy(out, 16);
  payload.copy(out, start);
  createHash('sha256').update(out.subarray(0, out.length - 32)).digest().copy(out, out.length - 32);
  return out;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

const jsonValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e300, '', 'Float64Array', 'toString', '__proto__', 'constructor', 'hasOwnProperty', [], {}, { $blob: 0 }, { $blob: -1 }, { $blob: 1e9 }, { $blob: '0' }, { $num: 'Infinity' }, { $num: {} }),
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 1, max: 300 }).map((d) => JSON.parse('['.repeat(d) + ']'.repeat(d))),
);

/** Edit one place of a JSON value, found by walking `path` (numbers pick keys modulo their count). */
function editAt(v: unknown, path: readonly number[], action: 'replace' | 'delete' | 'wrap', value: unknown): unknown {
  if (path.length === 0 || v === null || typeof v !== 'object') return action === 'wrap' ? [v] : value;
  const keys = Object.keys(v as object);
  if (keys.length === 0) return value;
  const k = keys[path[0] % keys.length];
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...(v as Record<string, unknown>) };
  if (path.length === 1 && action === 'delete') {
    if (Array.isArray(copy)) copy.splice(Number(k), 1);
    else delete copy[k];
    return copy;
  }
  (copy as Record<string, unknown>)[k] = editAt((v as Record<string, unknown>)[k], path.slice(1), action, value);
  return copy;
}

/** Mutated real model files: bytes, lengths, truncation, and JSON edits under a valid checksum. */
export function modelInputArb(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const seedArb = fc.constantFrom(...seeds);
  return fc.oneof(
    { weight: 2, arbitrary: fc.record({ seed: seedArb, muts: fc.array(mutationArb, { minLength: 1, maxLength: 4 }) }).map(({ seed, muts }) => mutate(seed, muts)) },
    {
      weight: 1,
      arbitrary: fc.record({ seed: seedArb, field: fc.constantFrom(8, 12), value: fc.oneof(fc.nat(), fc.constantFrom(0, 1, 2, 0xffffffff, 0x7fffffff)) }).map(({ seed, field, value }) => {
        const b = Buffer.from(seed);
        b.writeUInt32LE(value >>> 0, field);
        return b;
      }),
    },
    {
      weight: 5,
      arbitrary: fc
        .record({ seed: seedArb, path: fc.array(fc.nat(), { minLength: 0, maxLength: 8 }), action: fc.constantFrom('replace', 'delete', 'wrap') as fc.Arbitrary<'replace' | 'delete' | 'wrap'>, value: jsonValueArb })
        .map(({ seed, path, action, value }) => rebuildModel(seed, (h) => editAt(h, path, action, value))),
    },
    {
      weight: 1,
      arbitrary: fc.record({ seed: seedArb, text: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('null', '[]', '{}', '{"blobs":null,"doc":1}', '{"blobs":[{"type":"toString","offset":0,"length":1}],"doc":1}', '{"blobs":[{"type":"Float64Array","offset":"8","length":1}],"doc":1}', '{"blobs":[{"type":"Float64Array","offset":0,"length":-1}],"doc":1}', '{"blobs":[{"type":"Float64Array","offset":0,"length":0.5}],"doc":1}'), fc.nat({ max: 20_000 }).map((d) => `{"blobs":[],"doc":${'['.repeat(d)}${']'.repeat(d)}}`), fc.nat({ max: 20_000 }).map((d) => `{"blobs":[],"doc":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`)) }).map(({ seed, text }) => rebuildModel(seed, () => text, true)),
    },
  );
}
