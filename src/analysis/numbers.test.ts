import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoTime } from './numbers.js';

test('isoTime is Date#toISOString: fractions, day and year edges, out-of-range times', () => {
  const cases = [
    0, 0.999, 1, 999.5, 1000, 59_999, 86_399_999, 86_400_000, 86_400_000.25, 951_782_400_000 /* 2000-02-29 */,
    1_731_672_000_123.456, 1_731_672_000_123.999, 253_402_300_799_999, 253_402_300_799_999.9,
    // outside the fast path: before 1970, years past 9999, the end of Date's range
    -1, -0.5, -86_400_001, 253_402_300_800_000, 8.64e15,
  ];
  // and the same times again in another order: the cached day must not leak into the next
  for (const ms of [...cases, ...cases.reverse()]) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const ms = (x / 2147483648) * 4e12 + (i % 7) * 0.37;
    assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  }
});

test('isoTime throws RangeError where toISOString does', () => {
  for (const bad of [NaN, Infinity, -Infinity, 8.64e15 + 1]) assert.throws(() => isoTime(bad), RangeError);
});
