/**
 * The original CIC-IDS2017 CSVs write times on a 12-hour clock without AM/PM (`5/7/2017 12:59`, then
 * `5/7/2017 1:00` for 13:00). Read as written, the afternoon's flows came before the morning's.
 * Within one file: when the hour drops from 8 or later to 7 or earlier on one day, hours 1 to 7
 * are afternoon from there on that day; said in one warning naming the line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { CIC_FEATURES } from './cicflowmeter.js';
import { readDataset } from './read-dataset.js';
import { parseTimestamp } from './parse-timestamp.js';
import { TwelveHourClock } from './twelve-hour-clock.js';
import { numbers } from '../testing/table-values.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-12h-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

const HEADER = ['Flow ID', 'Source IP', 'Source Port', 'Destination IP', 'Destination Port', 'Protocol', 'Timestamp', ...CIC_FEATURES, 'Label'].join(',');
function row(i: number, ts: string): string {
  const stats = CIC_FEATURES.map((_, k) => String(k === 0 ? 1000 + i : k));
  return [`f${i}`, `192.168.10.${5 + (i % 3)}`, String(50000 + i), '10.0.0.9', '80', '6', ts, ...stats, 'BENIGN'].join(',');
}
const TIMES = ['5/7/2017 8:58', '5/7/2017 11:59', '5/7/2017 12:59', '5/7/2017 12:30', '5/7/2017 1:00', '5/7/2017 11:50', '5/7/2017 3:05', '5/7/2017 5:02', '6/7/2017 8:55', '6/7/2017 9:10'];
const EXPECTED = [[8, 58], [11, 59], [12, 59], [12, 30], [13, 0], [11, 50], [15, 5], [17, 2], [8, 55], [9, 10]].map(([h, m], i) => Date.UTC(2017, 6, i < 8 ? 5 : 6, h, m));

const parse = (s: string, clock?: TwelveHourClock) => parseTimestamp(Buffer.from(s), 0, s.length, undefined, clock);

test('the clock: a drop from 8 or later to 7 or earlier on one day turns it to the afternoon; a new day, a 24-hour hour or AM/PM stop it', () => {
  const c = new TwelveHourClock();
  assert.deepEqual(TIMES.map((t) => parse(t, c)), EXPECTED);
  assert.equal(c.moved, 3);
  // without a clock (other callers) times read as written
  assert.equal(parse('5/7/2017 1:00'), Date.UTC(2017, 6, 5, 1, 0));
  // a 24-hour clock: 13:05 seen, then a drop is a drop, not noon
  const d = new TwelveHourClock();
  assert.deepEqual(['5/7/2017 13:05', '5/7/2017 9:00', '5/7/2017 2:00'].map((t) => parse(t, d)), [Date.UTC(2017, 6, 5, 13, 5), Date.UTC(2017, 6, 5, 9), Date.UTC(2017, 6, 5, 2)]);
  // AM/PM written: the file says its half of the day
  const e = new TwelveHourClock();
  assert.deepEqual(['5/7/2017 9:00 AM', '5/7/2017 9:30', '5/7/2017 2:00'].map((t) => parse(t, e)), [Date.UTC(2017, 6, 5, 9), Date.UTC(2017, 6, 5, 9, 30), Date.UTC(2017, 6, 5, 2)]);
  // a 24-hour morning written as flows end: 8:00 then 7:58 (a flow begun two minutes earlier) is
  // a late flow, not noon passing; the morning stays morning
  const g = new TwelveHourClock();
  assert.deepEqual(['5/7/2017 7:55', '5/7/2017 8:00', '5/7/2017 7:58', '5/7/2017 7:59'].map((t) => parse(t, g)), [Date.UTC(2017, 6, 5, 7, 55), Date.UTC(2017, 6, 5, 8), Date.UTC(2017, 6, 5, 7, 58), Date.UTC(2017, 6, 5, 7, 59)]);
  assert.equal(g.moved, 0);
  // ISO dates (year first) are not this layout
  const f = new TwelveHourClock();
  assert.deepEqual(['2017-07-05 9:00', '2017-07-05 2:00'].map((t) => parse(t, f)), [Date.UTC(2017, 6, 5, 9), Date.UTC(2017, 6, 5, 2)]);
});

test('reading an original CIC-IDS2017 file: the afternoon read as afternoon, across batches, said once with the line', async () => {
  const file = join(dir, 'Tuesday-WorkingHours.pcap_ISCX.csv');
  writeFileSync(file, [HEADER, ...TIMES.map((t, i) => row(i, t))].join('\n') + '\n');
  for (const batchRows of [3, 1000]) {
    const warnings: string[] = [];
    const t = await readDataset([file], { warn: (m) => warnings.push(m), batchRows });
    assert.deepEqual(numbers(t, 'Timestamp'), EXPECTED);
    assert.deepEqual(
      warnings,
      [`${file}: "Timestamp" is a 12-hour clock without AM/PM (no hour 0 or above 12): at line 6 the hour drops from 12:30 to 1:00 on one day, so there and after it that day hours 1 to 7 are read as afternoon (1:00 as 13:00); 3 times read so`],
    );
  }
  // each file has its own clock: a second file starting at 1:00 is not "after noon" of the first
  const other = join(dir, 'other.csv');
  writeFileSync(other, [HEADER, row(0, '5/7/2017 1:00'), row(1, '5/7/2017 2:00')].join('\n') + '\n');
  const both = await readDataset([file, other], { warn: () => {} });
  assert.deepEqual(numbers(both, 'Timestamp').slice(-2), [Date.UTC(2017, 6, 5, 1), Date.UTC(2017, 6, 5, 2)]);
});

test('stream --stdin reads such a file’s afternoon as afternoon across its batches, and says so', () => {
  // each time 30 times: the turn at row 120 (line 122), in the second batch of 100
  const text = [HEADER, ...TIMES.flatMap((t, i) => Array.from({ length: 30 }, (_, k) => row(i * 30 + k, t)))].join('\n') + '\n';
  const file = join(dir, 'train.csv');
  writeFileSync(file, text);
  const baseline = join(dir, 'b.nsb');
  const b = spawnSync(process.execPath, [CLI, 'baseline', file, '-o', baseline, '--detectors', 'isolation-forest', '-q'], { encoding: 'utf8' });
  if (b.status !== 0) assert.fail(b.stderr);
  const s = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--batch-rows', '100'], { input: text, encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  const notes = s.stderr.split('\n').filter((l) => l.includes('12-hour clock'));
  assert.deepEqual(notes, [
    // when first met (the second batch: 30 at 1:00, 20 at 3:05), then the total at the end
    'netsentinel: stream: input: stdin: "Timestamp" is a 12-hour clock without AM/PM (no hour 0 or above 12): at line 122 the hour drops from 12:30 to 1:00 on one day, so there and after it that day hours 1 to 7 are read as afternoon (1:00 as 13:00); 50 times read so',
    'netsentinel: stream: input: stdin: "Timestamp" is a 12-hour clock without AM/PM (no hour 0 or above 12): at line 122 the hour drops from 12:30 to 1:00 on one day, so there and after it that day hours 1 to 7 are read as afternoon (1:00 as 13:00); 90 times read so',
  ], s.stderr);
});
