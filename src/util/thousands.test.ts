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
