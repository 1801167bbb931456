/** EVE timestamps and alert keys: the per-second timestamp cache and the key text must never change a byte. */
import { test } from 'node:test';
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
