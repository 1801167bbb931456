import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeZone } from './time-zone.js';
import { parseTimestamp } from '../sources/parse-timestamp.js';
import { UserError } from './errors.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const iso = (s: string, zone?: string): string => new Date(parseTimestamp(bytes(s), 0, s.length, zone ? parseTimeZone(zone) : undefined)!).toISOString();

test('--timezone: times without an offset in an IANA zone (daylight saving included) or a fixed offset; times with one keep it', () => {
  // CIC-IDS2017's PortScan, 13:55 in New Brunswick on 7 July 2017 (ADT, UTC-3); in January AST, UTC-4
  assert.equal(iso('2017-07-07 13:55:00', 'America/Moncton'), '2017-07-07T16:55:00.000Z');
  assert.equal(iso('7/7/2017 1:55 PM', 'America/Moncton'), '2017-07-07T16:55:00.000Z');
  assert.equal(iso('2017-01-07 13:55:00', 'America/Moncton'), '2017-01-07T17:55:00.000Z');
  assert.equal(iso('2017-07-07 13:55:00', '-03:00'), '2017-07-07T16:55:00.000Z');
  assert.equal(iso('2017-07-07 13:55:00', '+0530'), '2017-07-07T08:25:00.000Z');
  assert.equal(iso('2017-07-07', 'UTC+02'), '2017-07-06T22:00:00.000Z');
  // without a zone: UTC, as before
  assert.equal(iso('2017-07-07 13:55:00'), '2017-07-07T13:55:00.000Z');
  // an offset or Z in the text wins
  assert.equal(iso('2017-07-07T13:55:00Z', 'America/Moncton'), '2017-07-07T13:55:00.000Z');
  assert.equal(iso('2017-07-07T13:55:00+02:00', 'America/Moncton'), '2017-07-07T11:55:00.000Z');
  assert.equal(parseTimeZone('utc').toUtc(5), 5);
  for (const bad of ['Mars/Olympus', '+25:00', 'local']) assert.throws(() => parseTimeZone(bad), (e: unknown) => e instanceof UserError && /--timezone/.test((e as Error).message), bad);
});
