import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../util/errors.js';
import { tokenizeCsv, tokenizeText, type CsvBatch } from './csv-tokenizer.js';

interface Rec {
  fields: string[];
  line: number;
  offset: number;
}

/** Tokenise `text` fed in chunks of `chunk` bytes through a tokenizer whose buffer is `buffer` bytes. */
async function records(text: string | Uint8Array, chunk: number, buffer = 16): Promise<Rec[]> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.slice(i, i + chunk);
  }
  const out: Rec[] = [];
  for await (const b of tokenizeCsv(chunks(), { file: 'x.csv', chunkBytes: buffer })) {
    for (let r = 0; r < b.count; r++) out.push({ fields: b.record(r), line: b.line[r], offset: b.offset[r] });
  }
  return out;
}

const TRICKY = '\uFEFFa,b,c\r\n1,"x, y",3\r\n\r\n"multi\nline","he said ""hi""",\n"",,"last"';
const TRICKY_FIELDS = [
  ['a', 'b', 'c'],
  ['1', 'x, y', '3'],
  ['multi\nline', 'he said "hi"', ''],
  ['', '', 'last'],
];

test('tokenizes BOM, CRLF, quotes, escapes, embedded newlines and a last line without newline', () => {
  assert.deepEqual(tokenizeText(TRICKY), TRICKY_FIELDS);
});

test('gives every record its physical line and byte offset', async () => {
  const recs = await records(TRICKY, 1 << 20, 1 << 20);
  assert.deepEqual(
    recs.map((r) => r.line),
    [1, 2, 4, 6],
  );
  // offsets count the 3-byte BOM: "a" is at 3, "1" after "a,b,c\r\n"
  assert.deepEqual(
    recs.map((r) => r.offset),
    [3, 10, 24, 55],
  );
});

test('the same records whatever the chunk and buffer sizes (records split anywhere)', async () => {
  const expected = await records(TRICKY, 1 << 20, 1 << 20);
  for (const chunk of [1, 2, 3, 5, 7, 64]) {
    for (const buffer of [16, 17, 31, 64]) {
      assert.deepEqual(await records(TRICKY, chunk, buffer), expected, `chunk ${chunk}, buffer ${buffer}`);
    }
  }
});

test('a record longer than the buffer makes it grow', async () => {
  const long = 'x'.repeat(1000);
  const recs = await records(`a,${long}\n"${long}\n${long}",b\n`, 7, 16);
  assert.deepEqual(
    recs.map((r) => r.fields),
    [
      ['a', long],
      [`${long}\n${long}`, 'b'],
    ],
  );
  assert.deepEqual(
    recs.map((r) => r.line),
    [1, 2],
  );
});

test('blank lines are skipped but counted in line numbers', async () => {
  const recs = await records('a\n\n\r\nb\n\n', 3);
  assert.deepEqual(
    recs.map((r) => [r.fields[0], r.line]),
    [
      ['a', 1],
      ['b', 4],
    ],
  );
});

test('a quote inside an unquoted field is an ordinary character', () => {
  assert.deepEqual(tokenizeText('ab"c,d\n'), [['ab"c', 'd']]);
});

test('empty fields, trailing comma, CR only before LF', () => {
  assert.deepEqual(tokenizeText(',\n,,x\r\n'), [
    ['', ''],
    ['', '', 'x'],
  ]);
  assert.deepEqual(tokenizeText('a\rb,c\n'), [['a\rb', 'c']]);
});

test('UTF-8 text survives chunk boundaries inside a character', async () => {
  const recs = await records('città,Dvořák\n"日本",x\n', 1);
  assert.deepEqual(
    recs.map((r) => r.fields),
    [
      ['città', 'Dvořák'],
      ['日本', 'x'],
    ],
  );
});

test('an unclosed quote is an InputError with the line and byte where it opened', async () => {
  await assert.rejects(records('a,b\nc,"open\nmore\n', 4), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.message, 'x.csv line 2, byte 6: a quoted field is never closed (a closing quote " is missing)');
    return true;
  });
});

test('text after a closing quote is an InputError naming the character', async () => {
  await assert.rejects(records('a,b\n"x"y,z\n', 2), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.message, `x.csv line 2, byte 7: unexpected character 'y' after a closing quote; quote the whole field and write a quote inside it as ""`);
    return true;
  });
});

test('a batch holds a stretch of records and the quote flags say which fields need unescaping', async () => {
  const bytes = new TextEncoder().encode('a,"b""c"\n');
  async function* one(): AsyncGenerator<Uint8Array> {
    yield bytes;
  }
  const batches: CsvBatch[] = [];
  for await (const b of tokenizeCsv(one())) {
    assert.equal(b.count, 1);
    assert.equal(b.fieldCount(0), 2);
    assert.equal(b.fieldQuote[0], 0);
    assert.equal(b.fieldQuote[1], 2);
    assert.equal(b.text(1), 'b"c');
    batches.push(b);
  }
  assert.equal(batches.length, 1);
});

test('fieldQuote is reset between batches (a plain record after a quoted one)', async () => {
  // buffer of 16: the first batch has the quoted record, the next ones plain records at the same field indexes
  const recs: { q: number[]; f: string[] }[] = [];
  const bytes = new TextEncoder().encode('"a","b"\nc,d\ne,f\ng,h\ni,j\nk,l\n');
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += 5) yield bytes.slice(i, i + 5);
  }
  for await (const b of tokenizeCsv(chunks(), { chunkBytes: 16 })) {
    for (let r = 0; r < b.count; r++) {
      const f0 = b.recordField[r];
      recs.push({ q: [b.fieldQuote[f0], b.fieldQuote[f0 + 1]], f: b.record(r) });
    }
  }
  assert.deepEqual(recs[0], { q: [1, 1], f: ['a', 'b'] });
  for (const r of recs.slice(1)) assert.deepEqual(r.q, [0, 0]);
  assert.equal(recs.length, 6);
});

test('no quote flag leaks from an unfinished quoted record into later plain fields', async () => {
  // the first buffer (16 bytes) ends inside "m\n...": the flag of "p""q" was set past the last
  // complete record, and the plain record that later sits at that field index must read 0
  const bytes = new TextEncoder().encode('x,x,x\n"p""q","m\nn"\na,a,a,a\n');
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i++) yield bytes.slice(i, i + 1);
  }
  const flags: number[][] = [];
  for await (const b of tokenizeCsv(chunks(), { chunkBytes: 16 })) {
    for (let r = 0; r < b.count; r++) flags.push(Array.from(b.fieldQuote.subarray(b.recordField[r], b.recordField[r + 1])));
  }
  assert.deepEqual(flags, [
    [0, 0, 0],
    [2, 1],
    [0, 0, 0, 0],
  ]);
});

test('a buffer whose lines turn from a few long fields to many short ones still gives every field', async () => {
  // the field arrays are sized from the density of the lines before: here it rises tenfold
  const sparse = Array.from({ length: 200 }, (_, i) => `${'a'.repeat(40)}${i},${'b'.repeat(40)}`);
  const dense = Array.from({ length: 200 }, (_, i) => Array.from({ length: 60 }, (_, k) => String((i + k) % 10)).join(','));
  const text = [...sparse, ...dense].join('\n') + '\n';
  const recs = await records(text, 1 << 20, 1 << 20);
  assert.equal(recs.length, 400);
  assert.deepEqual(recs[0].fields, [`${'a'.repeat(40)}0`, 'b'.repeat(40)]);
  for (let i = 0; i < 200; i++) assert.deepEqual(recs[200 + i].fields, dense[i].split(','));
  assert.equal(recs[399].line, 400);
});
