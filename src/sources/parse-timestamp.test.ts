import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimestamp } from './parse-timestamp.js';

const ts = (t: string): number | undefined => {
  const b = Buffer.from(t);
  return parseTimestamp(b, 0, b.length);
};

test('corrected CIC-IDS2017 timestamps (UTC, microseconds kept as a fraction of a millisecond)', () => {
  assert.equal(ts('2017-07-07 12:59:21.088203'), Date.UTC(2017, 6, 7, 12, 59, 21) + 88.203);
  assert.equal(ts('2017-07-07 12:59:21'), Date.UTC(2017, 6, 7, 12, 59, 21));
  assert.equal(ts('2017-07-07T12:59:21Z'), Date.UTC(2017, 6, 7, 12, 59, 21));
  assert.equal(ts('2017-07-07T12:59:21+02:00'), Date.UTC(2017, 6, 7, 10, 59, 21));
  assert.equal(ts('2017-07-07'), Date.UTC(2017, 6, 7));
});

test('CICFlowMeter and original CIC-IDS2017 day-first timestamps, with or without seconds and AM/PM', () => {
  assert.equal(ts('7/7/2017 8:59'), Date.UTC(2017, 6, 7, 8, 59));
  assert.equal(ts('3/7/2017 8:55:58'), Date.UTC(2017, 6, 3, 8, 55, 58));
  assert.equal(ts('03/07/2017 08:55:58 PM'), Date.UTC(2017, 6, 3, 20, 55, 58));
  assert.equal(ts('03/07/2017 12:05:00 AM'), Date.UTC(2017, 6, 3, 0, 5, 0));
});

test('empty is missing; anything else unknown is undefined', () => {
  assert.ok(Number.isNaN(ts('') as number));
  for (const t of ['yesterday', '2017-13-01 00:00:00', '2017-07-07 25:00:00', '1499432361', '7/7/2017 8', '2017-07-07 12:59:21 junk']) {
    assert.equal(ts(t), undefined, t);
  }
});
