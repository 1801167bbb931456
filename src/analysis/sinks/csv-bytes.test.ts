/**
 * flows_scored.csv is written as bytes (csv-bytes.ts): every cell must be the very text the string
 * forms gave (sig6, String, UTF-8 of any text), or the outputs analyze promises would change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvBytes } from './csv-bytes.js';
import { sig6 } from '../numbers.js';
import { csvCell } from '../../report/csv.js';

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
  // around every power of ten sig6's fast range spans: where a decade found by comparison and
  // one found by Math.log10 could disagree (the adjacent doubles, and a little further off)
  const f = new Float64Array(1);
  const bits = new BigInt64Array(f.buffer);
  const step = (x: number, by: bigint): number => {
    f[0] = x;
    bits[0] += by;
    return f[0];
  };
  for (let e = -5; e <= 6; e++) {
    const p = 10 ** e;
    for (const x of [p, 1 / 10 ** -e, Number(`1e${e}`)]) {
      for (let k = -3n; k <= 3n; k++) values.push(step(x, k), -step(x, k));
      for (const rel of [1e-15, 1e-13, 1e-12, 1e-11, 1e-9, 1e-7]) values.push(x * (1 + rel), x * (1 - rel), 0.5 * x * (1 - rel) * 2);
    }
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

test('a joined cell is csvCell of the joined text: quoted only when needed, quotes doubled, any length and script', () => {
  const long = 'unusual for autoencoder (above 100.00 % of baseline), one-class-svm (above 99.95 % of baseline)';
  const cases: string[][] = [
    [],
    ['one'],
    ['plain reason', 'another plain one without commas'],
    [long, 'Bwd RST Flags 1 (baseline median 0, 99th pct 0)'],
    ['a "quoted" word', 'x'],
    ['line\nbreak'],
    ['carriage\rreturn', '"'],
    ['Connection flood – ×2 ü, ' + 'é'.repeat(40), 'ascii only but longer than thirty-two characters'],
    ['"', '""', ''],
  ];
  // three rounds: parts met for the first time, met again (copied from their bytes), and after
  // more distinct parts than the writer keeps (it forgets them and starts over)
  const many = Array.from({ length: 5000 }, (_, i) => [`part ${i}, of many`, `é ${i}`]);
  for (let round = 0; round < 3; round++) {
    for (const parts of cases) {
      for (const sep of ['; ', ', ', '"']) {
        assert.equal(written((w) => w.joinedCell(parts, sep)), parts.length ? csvCell(parts.join(sep)) : '', JSON.stringify({ round, parts, sep }));
      }
    }
    if (round === 1) for (const parts of many) assert.equal(written((w) => w.joinedCell(parts, '; ')), csvCell(parts.join('; ')));
  }
  // long text goes through the native encoder: the same bytes as short text's loop
  for (const t of [long, 'é'.repeat(50), 'x'.repeat(33) + '\u{1F600}' + 'y', 'a\ud800b'.repeat(20)]) assert.deepEqual(written((w) => w.text(t)), Buffer.from(t, 'utf8').toString('utf8'));
});

test('bytes encoded beforehand are copied as they are, short or long, after a take()', () => {
  const w = new CsvBytes(16);
  const short = Buffer.from('/data/ü.csv', 'utf8');
  const long = Buffer.from('/a/long/path/'.repeat(10) + 'flows, "x".csv', 'utf8');
  w.bytes(short);
  w.byte(44);
  w.bytes(long);
  assert.equal(w.take().toString('utf8'), `${short},${long}`);
  w.bytes(long);
  w.bytes(short);
  assert.equal(w.take().toString('utf8'), `${long}${short}`);
});

test('isoTime as bytes is Date#toISOString: leap days, centuries, eras, negative and fractional times, each second met again; nothing when unknown', () => {
  const iso = (ms: number): string => written((w) => w.isoTime(ms));
  let s = 0x2545f491;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const day = 86400000;
  const times = [0, -0, -1, 1, 999, 1000, -1000, -1001, 0.5, -0.5, 1.9, -1.9, 951782400000, 951868799999, 4107542400000, 253402300799999, -62167219200000, -62162035200000, 1.7e12 + 0.123];
  // every day of the years around leap rules (1900, 2000, 2100, 2400, year 0), at several hours
  for (const y of [0, 1, 4, 100, 1600, 1899, 1900, 1970, 1999, 2000, 2016, 2100, 2400, 9999]) {
    // setUTCFullYear, not Date.UTC, which reads years below 100 as 19xx
    const t0 = new Date(0);
    t0.setUTCFullYear(y, 0, 1);
    for (let d = 0; d < 366; d++) for (const h of [0, 13, 23]) times.push(t0.getTime() + d * day + h * 3600000 + 59 * 60000 + 59000 + 999);
  }
  for (let i = 0; i < 100_000; i++) times.push(Math.floor((rnd() * 2 - 0.2) * 2.6e14) + rnd());
  // rows out of time order and rows in the same second as the one before
  for (let i = 0; i < 1000; i++) times.push(1.7e12 + Math.floor(rnd() * 5000));
  for (const t of times) assert.equal(iso(t), new Date(t).toISOString(), String(t));
  for (const t of [NaN, Infinity, -Infinity]) assert.equal(iso(t), '');
  // beyond four-digit years Date writes a sign and six digits: still its text
  for (const t of [253402300800000, -62167219200001, 8.64e15, -8.64e15]) assert.equal(iso(t), new Date(t).toISOString());
});

test('a reasons cell met again is its own text: same first parts with other parts, lengths or separators, a list ending inside another, more cells than kept', () => {
  const lists: string[][] = [];
  for (let i = 0; i < 40; i++) lists.push(['unusual for isolation-forest', `Flow IAT ${i}`]);
  for (let i = 0; i < 5; i++) lists.push(['unusual for isolation-forest', 'Flow IAT 1', `more ${i}`]);
  lists.push(['unusual for isolation-forest'], ['unusual for isolation-forest', 'a, "b"'], ['x', 'y'], ['x', 'y', 'z'], ['x']);
  // more distinct cells than the writer keeps in all (it forgets them and starts over)
  for (let i = 0; i < 5000; i++) lists.push([`only once ${i}`, 'and again']);
  for (let round = 0; round < 4; round++) {
    for (const parts of lists) {
      for (const sep of ['; ', ', ', ' | ']) {
        // a copy each time: cells are known by their texts, not by the list they came in
        assert.equal(written((w) => w.joinedCell(parts.slice(), sep)), csvCell(parts.join(sep)), JSON.stringify({ round, parts, sep }));
      }
    }
  }
  // in one buffer, cells from their bytes between other cells
  const w = new CsvBytes(8);
  let want = '';
  for (let i = 0; i < 300; i++) {
    const parts = lists[(i * 7) % 50];
    w.joinedCell(parts, '; ');
    w.byte(10);
    want += csvCell(parts.join('; ')) + '\n';
  }
  assert.equal(w.take().toString('utf8'), want);
});
