import assert from 'node:assert/strict';
import { test } from 'node:test';
import { thousands } from './thousands.js';

test('thousands: separators from 1,000 on, either sign; small counts as they are', () => {
  assert.deepEqual([0, 7, 999, 1000, 1996, 2500, 1234567, -999, -1000].map(thousands), ['0', '7', '999', '1,000', '1,996', '2,500', '1,234,567', '-999', '-1,000']);
});

test("thousands: whole numbers grouped without Intl are toLocaleString('en-US')'s text", () => {
  const values = [1000, 9999, 10_000, 99_999, 100_000, 999_999, 1_000_000, 12_345_678, 123_456_789, 2 ** 31, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER];
  for (const v of [...values, ...values.map((x) => -x)]) assert.equal(thousands(v), v.toLocaleString('en-US'), String(v));
  // past safe integers and fractions: Intl's text
  for (const v of [2 ** 60, 1234.5678, -98765.4321, Infinity, -Infinity, NaN]) assert.equal(thousands(v), v.toLocaleString('en-US'), String(v));
});

test("thousands: toLocaleString('en-US')'s text for whole numbers of every length and sign, and for others", () => {
  const values = [1e3, 9999, 10000, 99999, 100000, 999999, 1e6, 12345678, 123456789012, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21, 1234.5, 1234567.891, NaN, Infinity];
  for (let k = 1; k < 16; k++) values.push(10 ** k - 1, 10 ** k, 10 ** k + 1, Math.floor(1.234567890123 * 10 ** k));
  for (const v of [...values, ...values.map((x) => -x)]) assert.equal(thousands(v), v.toLocaleString('en-US'), String(v));
});
