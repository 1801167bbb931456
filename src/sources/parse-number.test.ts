import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { parseNumber, parseNumberInto, parsePort } from './parse-number.js';

const num = (t: string): number | undefined => {
  const b = Buffer.from(t, 'latin1');
  return parseNumber(b, 0, b.length);
};

test('reads the forms numbers take in flow CSVs', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['491', 491],
    ['-3', -3],
    ['+7', 7],
    ['0.17', 0.17],
    ['1.', 1],
    ['.5', 0.5],
    ['54.0', 54],
    ['1e5', 1e5],
    ['1.5E-05', 1.5e-5],
    ['-2.5e+3', -2500],
    ['  12 ', 12],
    ['\t3\t', 3],
    ['13110.093192228716', 13110.093192228716],
    ['1e400', Infinity],
  ];
  for (const [t, v] of cases) assert.equal(num(t), v, t);
  assert.ok(Object.is(num('-0'), -0));
});

test('empty, NaN and infinities are accepted as missing / infinite', () => {
  assert.ok(Number.isNaN(num('') as number));
  assert.ok(Number.isNaN(num('   ') as number));
  assert.ok(Number.isNaN(num('NaN') as number));
  assert.ok(Number.isNaN(num('nan') as number));
  assert.equal(num('Infinity'), Infinity);
  assert.equal(num('-Infinity'), -Infinity);
  assert.equal(num('inf'), Infinity);
  assert.equal(num('-INF'), -Infinity);
  assert.equal(num('+inf'), Infinity);
});

test('text that is not a number is undefined (the caller names the cell)', () => {
  for (const t of ['abc', '1,5', '1e', '.', '-', '1.2.3', '0x10', 'tcp', '12a', 'infinit', '1 2', 'e5', '--1']) {
    assert.equal(num(t), undefined, t);
  }
});

test('parseNumberInto writes in place and reports failure', () => {
  const out = new Float64Array(2);
  const b = Buffer.from('42,x');
  assert.equal(parseNumberInto(b, 0, 2, out, 1), true);
  assert.equal(out[1], 42);
  assert.equal(parseNumberInto(b, 3, 4, out, 0), false);
});

test('bit-identical to Number() on random decimals of 1 to 20 digits (all three paths)', () => {
  const rng = new Rng(7);
  let n = 0;
  for (let i = 0; i < 60000; i++) {
    const nd = 1 + rng.int(20);
    let d = '';
    for (let k = 0; k < nd; k++) d += String(rng.int(10));
    const dot = rng.int(nd + 1);
    let t = d.slice(0, dot) + '.' + d.slice(dot);
    if (t === '.') continue;
    if (rng.next() < 0.2) t = '-' + t;
    if (rng.next() < 0.2) t += 'e' + (rng.int(40) - 20);
    const x = (rng.next() - 0.5) * Math.pow(10, rng.int(24) - 10);
    for (const s of [t, String(x), x.toPrecision(17), x.toPrecision(16)]) {
      assert.ok(Object.is(num(s), Number(s)), s);
      n++;
    }
  }
  assert.ok(n > 200000);
});

test('exact half-way integers of 16 to 19 digits round to even like Number()', () => {
  for (let k = 53; k <= 63; k++) {
    const base = 2n ** BigInt(k);
    const half = 2n ** BigInt(k - 53);
    for (const m of [1n, 3n, 5n, 1001n]) {
      const t = (base + m * 2n * half + half).toString(); // exactly between two doubles
      if (t.length > 19) continue;
      assert.ok(Object.is(num(t), Number(t)), t);
      assert.ok(Object.is(num(t + '.0'), Number(t)), t + '.0');
      assert.ok(Object.is(num(t.slice(0, -2) + '.' + t.slice(-2) + 'e2'), Number(t)), `${t} as x.yye2`);
    }
  }
});

test('ports: decimal, hexadecimal 0x (UNSW-NB15), - and empty as missing', () => {
  const port = (t: string): number | undefined => {
    const b = Buffer.from(t);
    return parsePort(b, 0, b.length);
  };
  assert.equal(port('80'), 80);
  assert.equal(port('0x000b'), 11);
  assert.equal(port('0XcC09'), 0xcc09);
  assert.ok(Number.isNaN(port('-') as number));
  assert.ok(Number.isNaN(port('') as number));
  assert.equal(port('0xzz'), undefined);
  assert.equal(port('http'), undefined);
});
