/**
 * flows_scored.csv is written as bytes (csv-bytes.ts): every cell must be the very text the string
 * forms gave (sig6, String, UTF-8 of any text), or the outputs analyze promises would change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvBytes } from './csv-bytes.js';
import { sig6 } from '../numbers.js';

function written(f: (w: CsvBytes) => void): string {
  const w = new CsvBytes(4);
  f(w);
  return w.take().toString('utf8');
}

test('sig6 as bytes is sig6 as text, across magnitudes, signs, rounding edges and non-finite values', () => {
  // a fixed generator: the same values every run
  let s = 0x9e3779b9;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const values = [0, -0, NaN, Infinity, -Infinity, 1e-4, -1e-4, 9.999995, 0.9999995, 99999.5, 99999.4, 1e5, 12345.65, 0.5, 1, 10, 100000.3, 5e-324, 1.7976931348623157e308, 0.999999, 0.9999999];
  for (let i = 0; i < 200_000; i++) {
    const e = Math.floor(rnd() * 14) - 6;
    values.push((rnd() < 0.5 ? -1 : 1) * rnd() * 10 ** e);
    values.push(Math.round(rnd() * 1e6) / 10 ** Math.floor(rnd() * 10));
  }
  let bad = 0;
  for (const x of values) {
    if (written((w) => w.sig6(x)) !== sig6(x) && bad++ < 5) assert.equal(written((w) => w.sig6(x)), sig6(x), `sig6(${x})`);
  }
  assert.equal(bad, 0);
});

test('integers, missing numbers and text are written as String and UTF-8 would', () => {
  for (const v of [0, 7, 10, 65535, 123456789, 9999999999, 1e10, -3, 2.5, NaN]) assert.equal(written((w) => w.int(v)), String(v));
  for (const v of [0, 443, 2.5, -1, NaN, Infinity, undefined]) assert.equal(written((w) => w.num(v)), v === undefined || !Number.isFinite(v) ? '' : String(v));
  const text = ['10.0.0.1', 'fe80::1', 'Connection flood – ×2 ü', '"quoted, cell"', ''];
  assert.equal(written((w) => text.forEach((t) => (w.text(t), w.byte(44)))), text.join(',') + ',');
});

test('a buffer taken is not written over by the rows after it', () => {
  const w = new CsvBytes(8);
  w.text('first row that outgrows the buffer');
  const a = w.take();
  w.text('second');
  assert.equal(a.toString(), 'first row that outgrows the buffer');
  assert.equal(w.take().toString(), 'second');
});
