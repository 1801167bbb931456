/**
 * CSV scanned from bytes gives, wherever the network cuts it, the rows batch-reader.ts's cells +
 * encodeCells give, bit for bit: numbers in every form Number() reads (and text it refuses),
 * empty cells, quotes, spaces, categories known and unknown, columns in any order, blank lines,
 * CRLF; and the first bad line is refused with the same message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRowEncoder, type UnknownCategory } from './row-encoder.js';
import { scanCsv } from './csv-scanner.js';
import { BatchInputError } from './batch-reader.js';
import { SCANNER_PIPELINE, batchReaderRows, scannedRows } from '../testing/scanner-fixtures.js';

const pipeline = SCANNER_PIPELINE;

function scanned(text: string, cuts: number[], mode: UnknownCategory, rows: number): Promise<{ data: number[]; where: number[] }> {
  return scannedRows(scanCsv, compileRowEncoder(pipeline, mode), text, cuts, rows);
}

/** batch-reader.ts's cells, encoded line by line: the rows, or the message for the first bad line */
async function readerRows(text: string, mode: UnknownCategory, lineOrder: boolean): Promise<{ data: number[]; where: number[] } | { error: string }> {
  // line order: the text cut into one-line pieces, so batch-reader.ts hands on each line before
  // reading the next (batches of one line)
  const body = lineOrder ? text.split(/(?<=\n)/).map((l) => Buffer.from(l)) : [Buffer.from(text)];
  return batchReaderRows(compileRowEncoder(pipeline, mode), body, 'csv', lineOrder ? 1 : 1 << 30);
}

const numberCell = fc.oneof(
  fc.integer({ min: -1e6, max: 1e9 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  // 16 and 17 significant digits without an exponent: past what the exact path takes
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 99999 })).map(([a, b]) => `${a}.${String(b).padStart(5, '0')}`),
  fc.constantFrom('', '0', '-0', '007', '1.50', '1e3', '2.5E-2', '1234567890123456789', '0.1000000000000000055511151231257827', '-12.75', ' 5', '5 ', '5.', '.5', '-', 'NaN', 'nan', 'Infinity', '0x1F', 'abc', '"3"', '"1,5"', '1_0', '+3'),
);
const categoryCell = fc.constantFrom('http', 'private', 'é€', '', 'nope', ' http', '"http"', '"a,b"', 'SF', 'REJ', '\u00a0');
const headers = fc.shuffledSubarray(['duration', 'src_bytes', 'srcbytes', 'service', 'flag', 'note'], { minLength: 1 });

test('CSV: the scanner makes the rows batch-reader + encodeCells make and names the first bad line, wherever the bytes are cut', async () => {
  let good = 0;
  await fc.assert(
    fc.asyncProperty(
      headers,
      fc.array(fc.record({ nums: fc.array(numberCell, { minLength: 6, maxLength: 6 }), cats: fc.array(categoryCell, { minLength: 6, maxLength: 6 }), cells: fc.integer({ min: -1, max: 1 }), blank: fc.constantFrom('', '', '', ' ', '\t', '\u00a0') }), { maxLength: 8 }),
      fc.boolean(),
      fc.array(fc.nat({ max: 400 }), { maxLength: 5 }),
      fc.integer({ min: 1, max: 4 }),
      async (header, lines, crlf, cuts, rows) => {
        const eol = crlf ? '\r\n' : '\n';
        const body = lines.map((l) => {
          if (l.blank) return l.blank;
          const cells = header.map((h, i) => (h === 'service' || h === 'flag' || h === 'note' ? l.cats[i] : l.nums[i]));
          if (l.cells < 0) cells.pop();
          if (l.cells > 0) cells.push('1');
          return cells.join(',');
        });
        const text = [header.join(','), ...body].join(eol) + eol;
        for (const mode of ['ignore', 'reject'] as const) {
          const want = await readerRows(text, mode, true);
          if ('error' in want) {
            await assert.rejects(scanned(text, cuts, mode, rows), (e: unknown) => e instanceof BatchInputError && e.statusCode === 400 && e.message === want.error, `want ${want.error} for ${JSON.stringify(text)}`);
          } else {
            const got = await scanned(text, cuts, mode, rows);
            const whole = await readerRows(text, mode, false);
            assert.deepEqual(whole, want);
            assert.deepEqual(got.where, want.where);
            assert.equal(got.data.length, want.data.length);
            got.data.forEach((v, i) => assert.ok(Object.is(v, want.data[i]), `value ${i}: ${v} vs ${want.data[i]} in ${JSON.stringify(text)}`));
            good++;
          }
        }
      },
    ),
    { numRuns: 600 },
  );
  assert.ok(good > 150, `only ${good} bodies were read without an error`);
});

test('CSV: no header, an unclosed quote, a line of the wrong width are named as batch-reader names them', async () => {
  for (const text of ['', '\n \n', 'duration,service\n1,"http\n', 'duration,service\n1,http\n2\n', 'duration,service\n1,http,3\n', 'duration\n"1"x\n']) {
    const want = await readerRows(text, 'reject', true);
    assert.ok('error' in want, JSON.stringify(text));
    await assert.rejects(scanned(text, [3], 'reject', 2), (e: unknown) => e instanceof BatchInputError && e.message === want.error);
  }
});

test('CSV of plain cells (the fast path): numbers of up to 17 digits, known categories, exactly as Number() and encodeCells', async () => {
  const plainNumber = fc.oneof(
    fc.integer({ min: -1e9, max: 1e9 }).map(String),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
    fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 99999 })).map(([a, b]) => `${a}.${String(b).padStart(5, '0')}`),
    fc.constantFrom('', '0', '-0', '007', '1.50', '999999999999999', '9999999999999999', '0.000000000000001'),
  );
  const plainCategory = fc.constantFrom('http', 'private', '', 'SF', 'REJ');
  await fc.assert(
    fc.asyncProperty(headers, fc.array(fc.tuple(fc.array(plainNumber, { minLength: 6, maxLength: 6 }), fc.array(plainCategory, { minLength: 6, maxLength: 6 })), { minLength: 1, maxLength: 12 }), fc.array(fc.nat({ max: 600 }), { maxLength: 4 }), async (header, lines, cuts) => {
      const text = [header.join(','), ...lines.map(([nums, cats]) => header.map((h, i) => (h === 'service' || h === 'flag' || h === 'note' ? cats[i] : nums[i])).join(','))].join('\n') + '\n';
      const want = await readerRows(text, 'ignore', true);
      assert.ok(!('error' in want), JSON.stringify(want));
      const got = await scanned(text, cuts, 'ignore', 5);
      assert.deepEqual(got.where, want.where);
      got.data.forEach((v, i) => assert.ok(Object.is(v, want.data[i]), `value ${i}: ${v} vs ${want.data[i]} in ${JSON.stringify(text)}`));
    }),
    { numRuns: 500 },
  );
});
