/**
 * The wire codec: the array rows publish sends and the object rows other programs write decode to
 * the same FlowTable the reader produced (values, missing and infinite cells, dictionaries, origin),
 * and rows that cannot be read are refused naming the message and line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { categoricalFrom, numericColumn, type FlowTable } from '../flows/table.js';
import { UserError } from '../util/errors.js';
import { decodeFlows, encodeRow, encodeRowCompact, schemaOf } from './flow-codec.js';

/** the cells of a table as plain data (categorical cells by value, so dictionaries may differ in order) */
function cells(t: FlowTable): unknown {
  return {
    rows: t.rowCount,
    format: t.format,
    normalClass: t.normalClass,
    columns: t.columns.map((c) => [c.name, c.kind, c.role, c.kind === 'numeric' ? Array.from(c.values) : Array.from(c.codes, (k) => (k < 0 ? null : c.dictionary[k]))]),
    origin: t.origin ? Array.from({ length: t.rowCount }, (_, r) => [t.origin!.files[t.origin!.file[r]], t.origin!.line[r]]) : undefined,
  };
}

const handMade: FlowTable = {
  rowCount: 3,
  format: 'csv',
  normalClass: 'BENIGN',
  columns: [
    numericColumn('Flow Duration', 'feature', Float64Array.from([1.5, NaN, Infinity])),
    numericColumn('Fwd Bytes', 'feature', Float64Array.from([-Infinity, 0, 1e-300])),
    categoricalFrom('Src IP', 'meta', ['10.0.0.1', null, '10.0.0.1']),
    categoricalFrom('Label', 'label', ['BENIGN', 'PortScan', null]),
  ],
  origin: { files: ['a.csv', 'b,"c".csv'], file: Int32Array.from([0, 1, 0]), line: Float64Array.from([2, 7, 9]) },
};

test('array rows and object rows decode to the cells that were encoded (NaN, ±Infinity, missing categories, origin)', () => {
  const schema = schemaOf(handMade);
  const compact = Array.from({ length: 3 }, (_, r) => encodeRowCompact(handMade, r)).join('\n');
  const objects = Array.from({ length: 3 }, (_, r) => encodeRow(handMade, r)).join('\n');
  assert.deepEqual(cells(decodeFlows(compact, 'm#1', schema)), cells(handMade));
  assert.deepEqual(cells(decodeFlows(objects, 'm#1', schema)), cells(handMade));
  // one message mixing both layouts (another publisher) reads the same
  const mixed = [encodeRowCompact(handMade, 0), encodeRow(handMade, 1), encodeRowCompact(handMade, 2)].join('\n');
  assert.deepEqual(cells(decodeFlows(mixed, 'm#1', schema)), cells(handMade));
});

test('a real CIC-IDS2017 file round-trips through the array rows exactly, in fewer bytes than object rows', { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv') }, async () => {
  const table = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string], { warn: () => undefined });
  const schema = schemaOf(table);
  const compact = Array.from({ length: table.rowCount }, (_, r) => encodeRowCompact(table, r)).join('\n');
  const objects = Array.from({ length: table.rowCount }, (_, r) => encodeRow(table, r)).join('\n');
  const fromCompact = decodeFlows(compact, 'm#1', schema);
  assert.deepEqual(cells(fromCompact), cells(table));
  assert.deepEqual(cells(fromCompact), cells(decodeFlows(objects, 'm#1', schema)));
  assert.ok(compact.length * 2 < objects.length, `array rows ${compact.length} bytes, object rows ${objects.length}`);
});

test('unreadable rows are refused naming the message and line', () => {
  const schema = schemaOf(handMade);
  const row = encodeRowCompact(handMade, 0);
  const refused = (text: string, s: typeof schema | undefined, message: RegExp): void =>
    assert.throws(() => decodeFlows(text, 'flows.p0#5', s), (e: unknown) => e instanceof UserError && message.test(e.message), text);
  refused(`${row}\n[1,2]`, schema, /^flows\.p0#5 line 2: an array row must have 6 cells .* got 2$/);
  refused(row, undefined, /^flows\.p0#5 line 1: a flow must be a JSON object, got an array \(array rows need the Netsentinel-Schema header/);
  refused(`\n${row.replace('1.5', '"x"')}`, schema, /^flows\.p0#5 line 2, field "Flow Duration": expected a number, got "x"$/);
  refused('null', schema, /line 1: a flow must be a JSON object, got null$/);
  refused('{"a":', schema, /line 1: not JSON/);
});

test('a message read whole (what publish sends) and read line by line (blank lines, CRLF) decode alike; a bad cell still names its line', () => {
  const schema = schemaOf(handMade);
  const rows = Array.from({ length: 3 }, (_, r) => encodeRowCompact(handMade, r));
  const whole = decodeFlows(rows.join('\n'), 'm#1', schema);
  assert.deepEqual(cells(decodeFlows(`${rows[0]}\n\n${rows[1]}\r\n${rows[2]}\n`, 'm#1', schema)), cells(whole));
  assert.deepEqual(cells(whole), cells(handMade));
  // rows without an origin get the message as their file and their line in it, both ways
  const bare = rows.map((r) => r.replace(/^\["[^"]*(\\"[^"]*)*",\d+/, '[null,null'));
  const noOrigin = decodeFlows(bare.join('\n'), 'flows.p1#9', schema, 10);
  assert.deepEqual((cells(noOrigin) as { origin: unknown }).origin, [['flows.p1#9', 10], ['flows.p1#9', 11], ['flows.p1#9', 12]]);
  assert.deepEqual(cells(decodeFlows(` ${bare.join('\n')}`, 'flows.p1#9', schema, 10)), cells(noOrigin));
  assert.throws(
    () => decodeFlows([rows[0], rows[1].replace('0,', '"x",')].join('\n'), 'flows.p0#5', schema),
    (e: unknown) => e instanceof UserError && /^flows\.p0#5 line 2, field "Fwd Bytes": expected a number, got "x"$/.test(e.message),
  );
});
