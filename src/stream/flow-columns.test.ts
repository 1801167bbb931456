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
import { decodeFlows, encodeRowCompact, schemaOf } from './flow-codec.js';
import { decodeColumns, encodeColumns } from './flow-columns.js';

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
  const schema = schemaOf(handMade);
  for (const rows of [[0, 1, 2, 3], [3, 1], [2]]) {
    const t = decodeColumns(encodeColumns(handMade, rows), 'm#1', schema);
    assert.equal(t.rowCount, rows.length);
    assert.deepEqual(cells(t), cells(handMade, rows));
    // the dictionaries hold only what these rows use
    assert.ok(t.columns.every((c) => c.kind === 'numeric' || c.dictionary.length <= rows.length));
  }
});

test('a real CIC-IDS2017 file through columns gives the table JSON rows give', { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv') }, async () => {
  const table = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string], { warn: () => undefined });
  const schema = schemaOf(table);
  const rows = Array.from({ length: 300 }, (_, i) => i * 7);
  const fromColumns = decodeColumns(encodeColumns(table, rows), 'm#1', schema);
  const fromJson = decodeFlows(rows.map((r) => encodeRowCompact(table, r)).join('\n'), 'm#1', schema);
  assert.deepEqual(cells(fromColumns), cells(fromJson));
  assert.deepEqual(cells(fromColumns), cells(table, rows));
});

test('a cut or padded message is refused naming the byte offset', () => {
  const schema = schemaOf(handMade);
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
