import assert from 'node:assert/strict';
import { test } from 'node:test';
import { thousands } from './thousands.js';

test('thousands: separators from 1,000 on, either sign; small counts as they are', () => {
  assert.deepEqual([0, 7, 999, 1000, 1996, 2500, 1234567, -999, -1000].map(thousands), ['0', '7', '999', '1,000', '1,996', '2,500', '1,234,567', '-999', '-1,000']);
});
