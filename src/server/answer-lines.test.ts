/**
 * The batch answer lines written as bytes are the text the string path wrote: every number as
 * String(Math.round(x * 1e6) / 1e6) (all six-decimal values, values rounding to 0 and 1, odd ones
 * falling back to String), and whole lines with their record number, class and score.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { answerLayout, writeAnswers, writeRounded6 } from './answer-lines.js';

const r6 = (x: number): string => String(Math.round(x * 1e6) / 1e6);

test('numbers are written exactly as String(Math.round(x * 1e6) / 1e6)', () => {
  const b = Buffer.alloc(64);
  const values = [0, 1, 0.5, 1e-7, 4.9e-7, 5e-7, 0.9999995, 0.99999949, 1.5, 2, NaN, Infinity, 123.456789, 1e-6, 0.1, 0.123456789, 1e21];
  for (let i = 0; i <= 1e6; i++) values.push(i / 1e6, (i + 0.5) / 1e6);
  let seed = 7;
  for (let i = 0; i < 200_000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    values.push((seed / 2 ** 32) ** (1 + (i % 9)));
  }
  let bad = 0;
  for (const x of values) {
    const end = writeRounded6(b, 0, x);
    if (b.toString('latin1', 0, end) !== r6(x) && bad++ < 3) assert.fail(`${x}: wrote ${b.toString('latin1', 0, end)}, String gives ${r6(x)}`);
  }
});

test('answer lines: record number, class, probability and score, one line each', () => {
  const L = answerLayout('line', ['DoS', 'Normal', 'a"b']);
  const proba = Float64Array.of(0.2, 0.7, 0.1, 0.9999999, 0, 0.0000001, 0.1, 0.2, 0.7);
  const text = writeAnswers(L, 3, [1, 12345, 7], Int32Array.of(1, 0, 2), proba, 3, Float64Array.of(0.3, 1, 0.9)).toString();
  assert.equal(text, '{"line":1,"prediction":"Normal","probability":0.7,"score":0.3}\n{"line":12345,"prediction":"DoS","probability":1,"score":1}\n{"line":7,"prediction":"a\\"b","probability":0.7,"score":0.9}\n');
  const E = answerLayout('element', ['x']);
  assert.equal(writeAnswers(E, 1, [3], Int32Array.of(0), Float64Array.of(1), 1, undefined).toString(), '{"element":3,"prediction":"x","probability":1}\n');
});

test('answer lines equal the string path for any unit, classes of any length, any record number', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('line', 'element', 'row', 'x'),
      fc.array(fc.string({ maxLength: 13 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.tuple(fc.oneof(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(1, 9, 10, 99, 100, 2 ** 31, 2 ** 40)), fc.nat(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 20 }),
      fc.boolean(),
      (unit, classes, rows, withScore) => {
        const k = classes.length;
        const n = rows.length;
        const where = rows.map((r) => r[0]);
        const predicted = Int32Array.from(rows, (r) => r[1] % k);
        const proba = new Float64Array(n * k);
        rows.forEach((r, i) => (proba[i * k + predicted[i]] = r[2]));
        const score = withScore ? Float64Array.from(rows, (r) => r[3]) : undefined;
        let want = '';
        for (let i = 0; i < n; i++) {
          want += `{"${unit}":${where[i]},"prediction":${JSON.stringify(classes[predicted[i]])},"probability":${r6(proba[i * k + predicted[i]])}`;
          if (score) want += ',"score":' + r6(score[i]);
          want += '}\n';
        }
        assert.equal(writeAnswers(answerLayout(unit, classes), n, where, predicted, proba, k, score).toString(), want);
      },
    ),
    { numRuns: 2000 },
  );
});
