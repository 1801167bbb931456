/**
 * The CICFlowMeter CSV writer's fast paths against the plain formulas they replace: the timestamp
 * text with its minute prefix kept from one call to the next equals a Date's ISO text every time
 * (minute and second edges, time going back, years at the ends of four digits, NaN), and each CSV
 * row equals its cells written one by one and joined (integers small and large, -0, fractions,
 * NaN, ±Infinity, texts that need quoting, missing categorical cells).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categoricalColumn, cellText, numericColumn, type Column, type FlowTable } from '../flows/table.js';
import { csvCell } from '../report/csv.js';
import { CIC_COLUMNS, cicTimestamp, cicTimestampOf, formatFlows } from './flow-records.js';

const either = (f: () => string): string => {
  try {
    return f();
  } catch (e) {
    return `threw ${(e as Error).constructor.name}`;
  }
};

test('cicTimestamp with its kept minute equals the Date-made text, whatever order times come in', () => {
  const values: number[] = [NaN, Infinity, -Infinity, 0, -0, -0.0004, -1, -60000, -60000.5, 59999.9996, 60000, 1.5e12 + 0.9996, 1.5e12 + 0.0004];
  // the first and last milliseconds of four-digit years, and just outside
  values.push(-62167219200000, -62167219200000.5, -62167219200001, 253402300799999, 253402300799999.9, 253402300800000);
  // flows in time order (a minute's prefix reused), fractions of a millisecond included
  let t = 1.7e12 + 59_000;
  for (let i = 0; i < 20000; i++) {
    t += ((i * 7919) % 4001) / 7;
    values.push(t, Math.round(t * 1000) / 1000);
  }
  // and going back and forth
  for (let i = 0; i < 5000; i++) values.push(((i * 2654435761) % 4294967296) * 1e5 - 1e14, 1.7e12 + ((i * 40503) % 120000));
  let differ = 0;
  for (const v of values) if (either(() => cicTimestamp(v)) !== either(() => cicTimestampOf(v))) differ++;
  assert.equal(differ, 0);
  assert.equal(cicTimestamp(1499432361088.203), '2017-07-07 12:59:21.088203');
  assert.equal(cicTimestamp(1499432399999.9996), '2017-07-07 12:59:59.999999');
});

test('a CIC CSV row is its cells written one by one and joined', () => {
  const rows = 7;
  const special = [0, -0, 1, 65535, 65536, 2 ** 31, -(2 ** 31) - 1, 1.5, -2.25, 1 / 3, NaN, Infinity, -Infinity, 1e21, 123456789012];
  const columns: Column[] = CIC_COLUMNS.map((name, j): Column => {
    if (name === 'Flow ID' || name === 'Src IP' || name === 'Dst IP' || name === 'Protocol') {
      const dictionary = ['10.0.0.1', 'a,b', 'say "x"', 'line\nbreak', ''];
      return categoricalColumn(name, 'meta', Int32Array.from({ length: rows }, (_, r) => ((r + j) % (dictionary.length + 1)) - 1), dictionary);
    }
    if (name === 'Timestamp') return numericColumn(name, 'meta', Float64Array.from({ length: rows }, (_, r) => 1.7e12 + r * 31_000.5 + 0.0007));
    return numericColumn(name, 'feature', Float64Array.from({ length: rows }, (_, r) => special[(r * 5 + j) % special.length]));
  });
  const t: FlowTable = { rowCount: rows, columns, format: 'cicflowmeter' };
  const plain = (v: number): string => (Number.isNaN(v) ? '' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v));
  const expected = Array.from({ length: rows }, (_, r) =>
    columns.map((c) => (c.name === 'Timestamp' && c.kind === 'numeric' ? cicTimestampOf(c.values[r]) : c.kind === 'numeric' ? plain(c.values[r]) : csvCell(cellText(c, r)))).join(','),
  );
  assert.equal(formatFlows(t, 'cic', 'csv'), expected.join('\n') + '\n');
  assert.match(formatFlows(t, 'cic', 'csv'), /,"a,b",|,"say ""x""",/);
  assert.equal(formatFlows({ ...t, rowCount: 0 }, 'cic', 'csv'), '');
});
