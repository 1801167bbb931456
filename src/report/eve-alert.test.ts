/** EVE timestamps and alert keys: the per-second timestamp cache and the key text must never change a byte. */
import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { alertKey, eveTimestamp, type EveAlertInput } from './eve-alert.js';

test('eveTimestamp gives Suricata form with microseconds, also when the cached second changes and comes back', () => {
  assert.equal(eveTimestamp(Date.UTC(2017, 6, 7, 12, 59, 0) + 123.456), '2017-07-07T12:59:00.123456+0000');
  assert.equal(eveTimestamp(Date.UTC(2017, 6, 7, 12, 59, 0) + 999.5), '2017-07-07T12:59:00.999500+0000');
  assert.equal(eveTimestamp(Date.UTC(2017, 6, 7, 12, 59, 1)), '2017-07-07T12:59:01.000000+0000');
  assert.equal(eveTimestamp(Date.UTC(2017, 6, 7, 12, 59, 0) + 5), '2017-07-07T12:59:00.005000+0000');
  assert.equal(eveTimestamp(-1500), '1969-12-31T23:59:58.500000+0000');
  assert.throws(() => eveTimestamp(NaN), RangeError);
  assert.equal(eveTimestamp(0.25), '1970-01-01T00:00:00.000250+0000');
});

test('alertKey hashes the fields joined by "|", nulls as empty', () => {
  const input: EveAlertInput = { timeMs: 1499432340123.5, srcIp: '10.0.0.1', srcPort: 4242, destIp: null, destPort: 80, proto: 6, signature: 'netsentinel: risky flow', source: 'risk:flow', category: 'Anomalous traffic', severity: 2, netsentinel: {} };
  const expect = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 40);
  assert.equal(alertKey(input, 'a.csv:7'), expect('risk:flow|netsentinel: risky flow|10.0.0.1|4242||80|6|1499432340123.5|a.csv:7'));
  assert.equal(alertKey({ ...input, timeMs: null, proto: null, srcPort: null }), expect('risk:flow|netsentinel: risky flow|10.0.0.1|||80|||'));
});

/** eveTimestamp as it was before the per-day prefix: a Date and toISOString per second (its own cache) */
let refSecond = NaN;
let refPrefix = '';
function referenceTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  const second = Math.floor(whole / 1000);
  if (second !== refSecond) {
    refPrefix = new Date(whole).toISOString().slice(0, 19);
    refSecond = second;
  }
  const micro = Math.round((ms - Math.floor(ms / 1000) * 1000) * 1000);
  return `${refPrefix}.${String(micro).padStart(6, '0')}+0000`;
}

const sameAsReference = (ms: number): void => {
  let want: string | Error;
  try {
    want = referenceTimestamp(ms);
  } catch (e) {
    want = e as Error;
  }
  if (want instanceof Error) assert.throws(() => eveTimestamp(ms), RangeError, `ms ${ms}`);
  else assert.equal(eveTimestamp(ms), want, `ms ${ms}`);
};

test('eveTimestamp equals the toISOString form on any time, in any order (day and second caches)', () => {
  // day and second boundaries, before 1970, years 0 and 9999 and beyond (the "+YYYYYY" form), the limits of Date
  const day = 86_400_000;
  const edges = [0, -1, -0.4, 999.9999, 1000, day - 0.0001, day, -day, -day - 0.5, Date.UTC(0, 0, 1) - 1, Date.UTC(2000, 1, 29, 23, 59, 59, 999), -62167219200000, -62167219200001, 253402300799999, 253402300800000, 8.64e15, -8.64e15, 8.64e15 + 1, -8.64e15 - 1, NaN, Infinity, -Infinity, 1e21];
  for (const ms of edges) sameAsReference(ms);
  for (const ms of edges.slice().reverse()) sameAsReference(ms);
  const anyTime = fc.oneof(
    fc.double({ min: -8.7e15, max: 8.7e15, noNaN: false }),
    fc.integer({ min: -62167219200000 - 5 * day, max: 253402300800000 + 5 * day }),
    fc.double({ min: 1.4e12, max: 1.6e12, noNaN: true }),
    fc.constantFrom(...edges),
  );
  // sequences: close times (same second, same day, next day) and far ones, so both caches hit and miss
  fc.assert(
    fc.property(fc.array(fc.tuple(anyTime, fc.double({ min: -2 * day, max: 2 * day, noNaN: true })), { maxLength: 20 }), (pairs) => {
      for (const [a, d] of pairs) {
        sameAsReference(a);
        sameAsReference(a + d);
        sameAsReference(a);
      }
    }),
    { numRuns: 2000 },
  );
});
