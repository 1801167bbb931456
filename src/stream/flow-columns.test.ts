/**
 * The binary columns publish sends: a subset of a table's rows decodes to exactly those rows (values
 * with NaN and ±Infinity, missing categories, origin), in fewer CPU steps than JSON but the same
 * FlowTable; a cut or padded message is refused naming the byte offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { categoricalFrom, numericColumn, type FlowTable } from '../flows/table.js';
import { UserError } from '../util/errors.js';
import { decodeFlows, encodeRowCompact, schemaOf, type WireSchema } from './flow-codec.js';
import { decodeColumns, encodeColumns, encodeSegments } from './flow-columns.js';

/** the schema header publish sends with encodeColumns' messages */
const wire = (t: FlowTable): WireSchema => ({ ...schemaOf(t), layout: 'narrow-columns' });

function cells(t: FlowTable, rows?: readonly number[]): unknown {
  const at = rows ?? Array.from({ length: t.rowCount }, (_, r) => r);
  return {
    format: t.format,
    normalClass: t.normalClass,
    columns: t.columns.map((c) => [c.name, c.kind, c.role, at.map((r) => (c.kind === 'numeric' ? c.values[r] : c.codes[r] < 0 ? null : c.dictionary[c.codes[r]]))]),
    origin: at.map((r) => [t.origin!.files[t.origin!.file[r]], t.origin!.line[r]]),
  };
}

const handMade: FlowTable = {
  rowCount: 4,
  format: 'csv',
  normalClass: 'BENIGN',
  columns: [
    numericColumn('Flow Duration', 'feature', Float64Array.from([1.5, NaN, Infinity, 7])),
    numericColumn('Fwd Bytes', 'feature', Float64Array.from([-Infinity, 0, 1e-300, -0.25])),
    categoricalFrom('Src IP', 'meta', ['10.0.0.1', null, '10.0.0.1', 'fe80::1']),
    categoricalFrom('Label', 'label', ['BENIGN', 'PortScan', null, 'DDoS ✓']),
  ],
  origin: { files: ['a.csv', 'b,"c".csv'], file: Int32Array.from([0, 1, 0, 1]), line: Float64Array.from([2, 7, 9, 11]) },
};

test('rows of a table encode to columns that decode to exactly those rows', () => {
  const schema = wire(handMade);
  for (const rows of [[0, 1, 2, 3], [3, 1], [2]]) {
    const t = decodeColumns(encodeColumns(handMade, rows), 'm#1', schema);
    assert.equal(t.rowCount, rows.length);
    assert.deepEqual(cells(t), cells(handMade, rows));
    // the dictionaries hold only what these rows use
    assert.ok(t.columns.every((c) => c.kind === 'numeric' || c.dictionary.length <= rows.length));
  }
});

test('rows of several batches encode to the message of one table of those rows (publish\'s held rows)', () => {
  // two read batches of one schema whose dictionaries hold the same texts under other codes
  const a: FlowTable = {
    rowCount: 3,
    format: 'csv',
    normalClass: 'BENIGN',
    columns: [
      numericColumn('Dst Port', 'feature', Float64Array.from([80, 443, 22])),
      numericColumn('Rate', 'feature', Float64Array.from([1, 2, 3])),
      categoricalFrom('Src IP', 'meta', ['10.0.0.1', 'fe80::1', 'café']),
    ],
    origin: { files: ['x.csv', 'y.csv'], file: Int32Array.from([0, 1, 1]), line: Float64Array.from([2, 3, 4]) },
  };
  const b: FlowTable = {
    ...a,
    rowCount: 4,
    columns: [
      numericColumn('Dst Port', 'feature', Float64Array.from([8080, 53, 3389, 1])),
      numericColumn('Rate', 'feature', Float64Array.from([0.5, 4, 5, 6])),
      categoricalFrom('Src IP', 'meta', ['café', null, '10.0.0.1', '10.0.0.9']),
    ],
    origin: { files: ['y.csv', 'z.csv'], file: Int32Array.from([0, 1, 0, 0]), line: Float64Array.from([5, 1, 6, 7]) },
  };
  // the same rows written as one table by hand: texts coded in order of first use
  const joined: FlowTable = {
    ...a,
    rowCount: 4,
    columns: [
      numericColumn('Dst Port', 'feature', Float64Array.from([22, 443, 8080, 3389])),
      numericColumn('Rate', 'feature', Float64Array.from([3, 2, 0.5, 5])),
      categoricalFrom('Src IP', 'meta', ['café', 'fe80::1', 'café', '10.0.0.1']),
    ],
    origin: { files: ['y.csv'], file: Int32Array.from([0, 0, 0, 0]), line: Float64Array.from([4, 3, 5, 6]) },
  };
  const bytes = encodeSegments([
    { table: a, rows: [2, 1] },
    { table: b, rows: [0, 2] },
  ]);
  assert.deepEqual(Buffer.from(bytes), Buffer.from(encodeColumns(joined, [0, 1, 2, 3])));
  const t = decodeColumns(bytes, 'm#1', wire(a));
  assert.deepEqual(cells(t), cells(joined));
  // one dictionary entry per text, the origin's files too; Dst Port as i16 (8080), Rate as f64 (0.5)
  assert.deepEqual((t.columns[2] as { dictionary: readonly string[] }).dictionary, ['café', 'fe80::1', '10.0.0.1']);
  assert.deepEqual(t.origin!.files, ['y.csv']);
});

test('a real CIC-IDS2017 file through columns gives the table JSON rows give', { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv') }, async () => {
  const table = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string], { warn: () => undefined });
  const schema = wire(table);
  const rows = Array.from({ length: 300 }, (_, i) => i * 7);
  const fromColumns = decodeColumns(encodeColumns(table, rows), 'm#1', schema);
  const fromJson = decodeFlows(rows.map((r) => encodeRowCompact(table, r)).join('\n'), 'm#1', schema);
  assert.deepEqual(cells(fromColumns), cells(fromJson));
  assert.deepEqual(cells(fromColumns), cells(table, rows));
});

test('a cut or padded message is refused naming the byte offset', () => {
  const schema = wire(handMade);
  const bytes = encodeColumns(handMade, [0, 1, 2, 3]);
  const refused = (data: Uint8Array, message: RegExp): void => assert.throws(() => decodeColumns(data, 'flows.p0#5', schema), (e: unknown) => e instanceof UserError && message.test(e.message));
  refused(bytes.subarray(0, 2), /^flows\.p0#5: byte offset 0: the message ends inside the row count/);
  refused(bytes.subarray(0, bytes.length - 3), /^flows\.p0#5: byte offset \d+: the message ends inside a code of column "Label"/);
  const padded = new Uint8Array(bytes.length + 5);
  padded.set(bytes);
  refused(padded, new RegExp(`^flows\\.p0#5: byte offset ${bytes.length}: 5 bytes after the last column`));
  // a schema with one column fewer than the message: said, not read askew
  assert.throws(() => decodeColumns(bytes, 'flows.p0#5', { ...schema, columns: schema.columns.slice(0, 3) }), /bytes after the last column/);
});

test('strings: ASCII and UTF-8 read alike, bytes that are not UTF-8 refused naming their offset', () => {
  const schema = wire(handMade);
  const bytes = encodeColumns(handMade, [0, 1, 2, 3]);
  // the Label dictionary's 'DDoS ✓' (three UTF-8 bytes after the ASCII) reads back whole
  const t = decodeColumns(bytes, 'm#1', schema);
  const label = t.columns[3];
  assert.ok(label.kind !== 'numeric');
  assert.deepEqual(label.dictionary, ['BENIGN', 'PortScan', 'DDoS ✓']);
  // its first byte of ✓ (0xE2) made 0xFF: not UTF-8, never read as latin1
  const at = Buffer.from(bytes).indexOf(Buffer.from('DDoS ✓')) + 5;
  assert.equal(bytes[at], 0xe2);
  const bad = Uint8Array.from(bytes);
  bad[at] = 0xff;
  assert.throws(() => decodeColumns(bad, 'flows.p0#6', schema), (e: unknown) => e instanceof UserError && e.message === `flows.p0#6: byte offset ${at - 5}: the dictionary of column "Label" is not UTF-8`);
  // the same byte in an ASCII string's place (an address) is refused too
  const ip = Buffer.from(bytes).indexOf(Buffer.from('10.0.0.1'));
  const bad2 = Uint8Array.from(bytes);
  bad2[ip + 2] = 0x80;
  assert.throws(() => decodeColumns(bad2, 'flows.p0#6', schema), (e: unknown) => e instanceof UserError && e.message === `flows.p0#6: byte offset ${ip}: the dictionary of column "Src IP" is not UTF-8`);
});

/** numbers at each width's edges, and the ones only f64 holds (fractions, -0, NaN, ±Infinity, beyond int32) */
const edges: number[][] = [
  [0, 1, 255, 7],
  [0, 256, -1, 255],
  [-32768, 32767, 0, 1],
  [-32769, 0, 0, 0],
  [32768, 2 ** 31 - 1, -(2 ** 31), 0],
  [2 ** 31, 0, 0, 0],
  [0, -0, 0, 0],
  [0, NaN, 0, 0],
  [Infinity, 0, 0, 0],
  [0.5, 0, 0, 0],
  [-(2 ** 31) - 1, 0, 0, 0],
];
/** the width byte encodeColumns should choose for each of `edges` (0 f64, 1 u8, 2 i16, 3 i32) */
const expectedWidth = [1, 2, 2, 3, 3, 0, 0, 0, 0, 0, 0];

function edgeTable(): FlowTable {
  return {
    rowCount: 4,
    format: 'csv',
    columns: [...edges.map((v, i) => numericColumn(`n${i}`, 'feature', Float64Array.from(v))), categoricalFrom('Src IP', 'meta', ['10.0.0.1', null, '10.0.0.2', '10.0.0.1'])],
    origin: { files: ['a.csv'], file: Int32Array.from([0, 0, 0, 0]), line: Float64Array.from([2, 3, 4, 5]) },
  };
}

test('narrow columns: each numeric column in the narrowest exact width, decoded to the very same doubles (-0 and NaN included)', () => {
  const t = edgeTable();
  const bytes = encodeColumns(t, [0, 1, 2, 3]);
  const back = decodeColumns(bytes, 'm#1', wire(t));
  t.columns.forEach((c, i) => {
    const b = back.columns[i];
    if (c.kind !== 'numeric' || b.kind !== 'numeric') return;
    for (let r = 0; r < 4; r++) assert.ok(Object.is(b.values[r], c.values[r]), `column ${c.name} row ${r}: ${b.values[r]} for ${c.values[r]}`);
  });
  // the width bytes, read where the layout puts them: after the origin, one per numeric column
  let at = 4 + 4 + 4 + 'a.csv'.length + 4 * 4 + 4 * 8;
  const widths: number[] = [];
  for (const v of edges) {
    widths.push(bytes[at]);
    at += 1 + 4 * [8, 1, 2, 4][bytes[at]];
    void v;
  }
  assert.deepEqual(widths, expectedWidth);
  // a subset of rows is narrowed on its own values: rows 2 and 3 of column n2 (0, 1) fit a u8
  // (after n0 as u8 and n1, -1 and 255, as i16)
  const sub = encodeColumns(t, [2, 3]);
  assert.equal(sub[4 + 4 + 4 + 'a.csv'.length + 2 * 4 + 2 * 8 + (1 + 2) + (1 + 4)], 1);
  assert.equal(decodeColumns(sub, 'm#2', wire(t)).columns[2].kind === 'numeric' && [...(decodeColumns(sub, 'm#2', wire(t)).columns[2] as { values: Float64Array }).values].join(), '0,1');
});

test('narrow columns: a message of the CIC sample is less than half its f64 size, and decodes to the rows', { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv') }, async () => {
  const table = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string], { warn: () => undefined });
  const rows = Array.from({ length: 250 }, (_, i) => i * 9);
  const bytes = encodeColumns(table, rows);
  const f64 = encodeF64Columns(table, rows);
  assert.ok(bytes.length < f64.length / 2, `${bytes.length} bytes narrow, ${f64.length} as f64`);
  assert.deepEqual(cells(decodeColumns(bytes, 'm#1', wire(table))), cells(table, rows));
  // and the f64 layout of earlier publishers still reads, to the same rows
  assert.deepEqual(cells(decodeColumns(f64, 'm#1', { ...schemaOf(table), layout: 'columns' })), cells(table, rows));
});

test('narrow columns: an unknown width byte is refused naming its offset', () => {
  const t = edgeTable();
  const bytes = encodeColumns(t, [0, 1, 2, 3]);
  const at = 4 + 4 + 4 + 'a.csv'.length + 4 * 4 + 4 * 8;
  bytes[at] = 9;
  assert.throws(
    () => decodeColumns(bytes, 'flows.p1#3', wire(t)),
    (e: unknown) => e instanceof UserError && e.message === `flows.p1#3: byte offset ${at}: the width of column "n0" is 9, not 0 to 3 (narrow-columns layout)`,
  );
});

test('the f64 "columns" layout of earlier publishers: the hand-made table reads back whole', () => {
  const t = decodeColumns(encodeF64Columns(handMade, [0, 1, 2, 3]), 'm#1', { ...schemaOf(handMade), layout: 'columns' });
  assert.deepEqual(cells(t), cells(handMade));
});

/** The "columns" layout as publishers before narrow widths wrote it (every number f64), written out here by its specification. */
function encodeF64Columns(t: FlowTable, rows: readonly number[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const u32 = (v: number): void => void parts.push(new Uint8Array(Uint32Array.of(v).buffer));
  const list = (items: readonly string[]): void => {
    u32(items.length);
    for (const s of items) {
      const b = new TextEncoder().encode(s);
      u32(b.length);
      parts.push(b);
    }
  };
  u32(rows.length);
  const files = [...new Set(rows.map((r) => t.origin!.file[r]))];
  list(files.map((f) => t.origin!.files[f]));
  parts.push(new Uint8Array(Int32Array.from(rows, (r) => files.indexOf(t.origin!.file[r])).buffer));
  parts.push(new Uint8Array(Float64Array.from(rows, (r) => t.origin!.line[r]).buffer));
  for (const c of t.columns) {
    if (c.kind === 'numeric') {
      parts.push(new Uint8Array(Float64Array.from(rows, (r) => c.values[r]).buffer));
      continue;
    }
    const used = [...new Set(rows.map((r) => c.codes[r]).filter((k) => k >= 0))];
    list(used.map((k) => c.dictionary[k]));
    parts.push(new Uint8Array(Int32Array.from(rows, (r) => (c.codes[r] < 0 ? -1 : used.indexOf(c.codes[r]))).buffer));
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test("the schema carries how the publisher read the times (a capture's exact times, --timezone's zone) to the worker's table", () => {
  const t: FlowTable = {
    rowCount: 1,
    format: 'cicflowmeter',
    columns: [categoricalFrom('Src IP', 'meta', ['::ffff:8.8.8.8']), numericColumn('Timestamp', 'meta', Float64Array.from([1.5e12]))],
    origin: { files: ['a.pcap'], file: Int32Array.from([0]), line: Float64Array.from([1]) },
  };
  for (const marks of [{}, { exactTimes: true as const }, { timeZone: 'America/Moncton' }]) {
    const table = { ...t, ...marks };
    const schema = JSON.parse(JSON.stringify({ ...schemaOf(table), layout: 'narrow-columns' })) as WireSchema;
    const back = decodeColumns(encodeColumns(table, [0]), 'm#1', schema);
    assert.equal(back.exactTimes, table.exactTimes);
    assert.equal(back.timeZone, table.timeZone);
  }
  // a zone this process does not know is dropped, not an error per message
  const odd = decodeColumns(encodeColumns(t, [0]), 'm#1', { ...(JSON.parse(JSON.stringify({ ...schemaOf(t), layout: 'narrow-columns' })) as WireSchema), timeZone: 'Mars/Olympus' });
  assert.equal(odd.timeZone, undefined);
});
