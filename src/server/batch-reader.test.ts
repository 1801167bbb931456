/**
 * The batch body readers cut records correctly wherever the network splits the bytes: JSON lines,
 * a JSON array (strings holding brackets, quotes and escapes; a multi-byte character split across
 * chunks) and CSV with quotes; limits and malformed bodies fail with the place named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { BatchInputError, readBatches, splitCsvLine, type BatchFormat } from './batch-reader.js';
import { cutPieces } from '../testing/scanner-fixtures.js';

async function all(text: string, format: BatchFormat, cuts: number[], max = 1 << 30, rows = 3) {
  const pieces = cutPieces(text, cuts);
  const got: unknown[] = [];
  const where: number[] = [];
  for await (const b of readBatches(Readable.from(pieces), format, max, rows)) {
    got.push(...(b.objects ?? b.cells ?? []));
    where.push(...b.where);
  }
  return { got, where };
}

const records = [{ a: 1, s: 'x]}{"\\' }, { a: 2, s: 'é€😀' }, { a: 3, s: '' }, { a: 4, s: 'line\nbreak' }];

test('JSON lines and JSON arrays: the same records whatever the chunk boundaries', async () => {
  const jsonl = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const array = ' [ ' + records.map((r) => JSON.stringify(r, null, 2)).join(' ,\n') + ' ]\n';
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat({ max: 400 }), { maxLength: 12 }), async (cuts) => {
      const a = await all(jsonl, 'jsonl', cuts);
      assert.deepEqual(a.got, records);
      assert.deepEqual(a.where, [1, 2, 3, 4]);
      const b = await all(array, 'json', cuts);
      assert.deepEqual(b.got, records);
      assert.deepEqual(b.where, [1, 2, 3, 4]);
    }),
    { numRuns: 200 },
  );
});

test('CSV: header, quoted fields, CRLF, blank lines', async () => {
  const r = await all('a,b\r\n1,"x,""y"""\r\n\r\n2,z\n', 'csv', [5, 9]);
  assert.deepEqual(r.got, [['1', 'x,"y"'], ['2', 'z']]);
  assert.deepEqual(r.where, [2, 4]);
  assert.deepEqual(splitCsvLine('a,,b', 1), ['a', '', 'b']);
  await assert.rejects(all('a,b\n1\n', 'csv', []), /body line 2: 1 fields, the header has 2/);
  await assert.rejects(all('a,b\n"1,2\n', 'csv', []), /body line 2: a quoted field is not closed/);
});

test('malformed bodies and limits name the place', async () => {
  await assert.rejects(all('{"a":1}\n{"a":\n', 'jsonl', []), /body line 2: not valid JSON/);
  await assert.rejects(all('{"a":1}\n[1]\n', 'jsonl', []), /body line 2: expected a JSON object, got an array/);
  await assert.rejects(all('[{"a":1},', 'json', []), /the JSON array is not closed \(after element 1\)/);
  await assert.rejects(all('{"a":1}', 'json', []), /expected a JSON array of objects/);
  await assert.rejects(all('[{"a":1}] x', 'json', []), /found "x"/);
  await assert.rejects(all('[{"a":1}, 7]', 'json', []), /element 2: expected a JSON object, found "7"/);
  await assert.rejects(all('', 'json', []), /empty/);
  await assert.rejects(all('{"a":1}\n'.repeat(100), 'jsonl', [], 300), (e: unknown) => e instanceof BatchInputError && e.statusCode === 413);
});
