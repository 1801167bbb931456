import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitPipeline, transformTable, transformRows, encodeTarget, targetColumn, SLICE_ROWS, type NumericInputState, type PipelineState } from './pipeline.js';
import { categoricalFrom, numericColumn, type FlowTable } from '../flows/table.js';
import { InputError, UserError } from '../util/errors.js';

function table(nums: number[], cats: (string | null)[], labels: string[]): FlowTable {
  return {
    rowCount: nums.length,
    format: 'test',
    defaultTarget: 'label',
    columns: [numericColumn('bytes', 'feature', Float64Array.from(nums)), categoricalFrom('proto', 'feature', cats), categoricalFrom('label', 'label', labels)],
  };
}

test('standard scaling uses training mean and population std; NaN → median, ±Infinity → max/min', () => {
  const t = table([1, 2, 3, NaN, Infinity], ['tcp', 'udp', 'tcp', 'tcp', null], ['a', 'b', 'a', 'a', 'b']);
  const s = fitPipeline(t, { scaling: 'standard', categorical: 'onehot' });
  assert.deepEqual(s.outputNames, ['bytes', 'proto=tcp', 'proto=udp']);
  // filled column: [1,2,3,2,3] → mean 2.2, std sqrt(0.56)
  const X = transformTable(s, t);
  const sd = Math.sqrt(((1 - 2.2) ** 2 + (2 - 2.2) ** 2 + (3 - 2.2) ** 2 + (2 - 2.2) ** 2 + (3 - 2.2) ** 2) / 5);
  assert.ok(Math.abs(X.data[0] - (1 - 2.2) / sd) < 1e-12);
  assert.ok(Math.abs(X.data[3 * 3] - (2 - 2.2) / sd) < 1e-12, 'NaN filled with the median 2');
  assert.ok(Math.abs(X.data[4 * 3] - (3 - 2.2) / sd) < 1e-12, '+Infinity becomes the training maximum 3');
  assert.deepEqual(Array.from(X.data.subarray(4 * 3 + 1, 4 * 3 + 3)), [0, 0], 'missing category → all zeros');
});

test('standard scaling of values near the largest double (1e308 in a file) stays finite and exact', () => {
  const values = [1, 2, 3, 1e308, -1e308, 1e308, NaN];
  const t = table(values, values.map(() => 'tcp'), values.map((_, i) => (i % 2 ? 'a' : 'b')));
  const s = fitPipeline(t, { scaling: 'standard', categorical: 'onehot' });
  const inp = s.inputs[0] as NumericInputState;
  // by hand, in units of 1e308: filled column [1e-308, 2e-308, 3e-308, 1, -1, 1, 2e-308 (the median 2)]
  const u = [1e-308, 2e-308, 3e-308, 1, -1, 1, 2e-308];
  const mean = u.reduce((a, b) => a + b, 0) / u.length;
  const std = Math.sqrt(u.reduce((a, b) => a + (b - mean) ** 2, 0) / u.length);
  assert.ok(Number.isFinite(inp.center) && Number.isFinite(inp.scale), `center ${inp.center}, scale ${inp.scale}`);
  assert.ok(Math.abs(inp.center / 1e308 - mean) < 1e-12);
  assert.ok(Math.abs(inp.scale / 1e308 - std) < 1e-12);
  const X = transformTable(s, t);
  for (let r = 0; r < values.length; r++) assert.ok(Number.isFinite(X.data[r * 2]), `row ${r}: ${X.data[r * 2]}`);
  assert.ok(Math.abs(X.data[3 * 2] - (1 - mean) / std) < 1e-9);
});

test('min-max scaling of values near the largest double (-1e308 and 1e308 in one column) stays finite and in order', () => {
  const values = [1, 2, 3, 1e308, -1e308, 1.5e308, NaN, Infinity];
  const t = table(values, values.map(() => 'tcp'), values.map((_, i) => (i % 2 ? 'a' : 'b')));
  for (const clip of [false, true]) {
    const s = fitPipeline(t, { scaling: 'minmax', categorical: 'onehot', clip });
    const inp = s.inputs[0] as NumericInputState;
    assert.ok(Number.isFinite(inp.center) && Number.isFinite(inp.scale) && inp.scale > 0, `center ${inp.center}, scale ${inp.scale}`);
    const X = transformTable(s, t);
    const col = values.map((_, r) => X.data[r * 2]);
    for (const [r, v] of col.entries()) assert.ok(Number.isFinite(v) && v >= -1 && v <= 1, `clip ${clip}, row ${r}: ${v}`);
    if (!clip) {
      // the extremes at the ends of [-1, 1], the ordinary values in order between them
      assert.equal(col[4], -1);
      assert.equal(col[5], 1);
      assert.ok(col[4] < col[0] && col[0] <= col[1] && col[1] <= col[2] && col[2] < col[3] && col[3] < col[5]);
      assert.equal(col[7], 1, '+Infinity is the training maximum');
    }
  }
  // an ordinary column keeps its [0, 1] scaling, bit for bit
  const plain = fitPipeline(table([2, 4, 10], ['a', 'a', 'a'], ['x', 'y', 'x']), { scaling: 'minmax', categorical: 'onehot' });
  assert.deepEqual([(plain.inputs[0] as NumericInputState).center, (plain.inputs[0] as NumericInputState).scale], [2, 8]);
});

test('standard scaling whose mean lies near one end of a range past the largest double stays finite and in order', () => {
  const values = [1.7e308, -1.7e308, -1.7e308, 5, 1.7e308 * 0.5];
  const t = table(values, values.map(() => 'tcp'), values.map((_, i) => (i % 2 ? 'a' : 'b')));
  const s = fitPipeline(t, { scaling: 'standard', categorical: 'onehot' });
  const X = transformTable(s, t);
  const col = values.map((_, r) => X.data[r * 2]);
  for (const [r, v] of col.entries()) assert.ok(Number.isFinite(v), `row ${r}: ${v}`);
  assert.ok(col[1] < col[3] && col[3] < col[4] && col[4] < col[0], col.join(' '));
  // an ordinary column keeps its mean as center
  const plain = fitPipeline(table([1, 2, 3, 1e308 / 1e300], ['a', 'a', 'a', 'a'], ['x', 'y', 'x', 'y']), { scaling: 'standard', categorical: 'onehot' });
  assert.equal((plain.inputs[0] as NumericInputState).center, (1 + 2 + 3 + 1e8) / 4);
});

test('categories unseen in training give an all-zero one-hot block; ordinal gives −1', () => {
  const t = table([1, 2], ['tcp', 'udp'], ['a', 'b']);
  const onehot = fitPipeline(t, { scaling: 'none', categorical: 'onehot' });
  const ordinal = fitPipeline(t, { scaling: 'none', categorical: 'ordinal' });
  const fresh = table([5], ['icmp'], ['a']);
  assert.deepEqual(Array.from(transformTable(onehot, fresh).data), [5, 0, 0]);
  assert.deepEqual(Array.from(transformTable(ordinal, fresh).data), [5, -1]);
});

test('min-max scaling with clip keeps values in [0, 1] for new data', () => {
  const t = table([0, 10], ['a', 'a'], ['x', 'y']);
  const s = fitPipeline(t, { scaling: 'minmax', categorical: 'onehot', clip: true });
  const X = transformTable(s, table([5, 20, -3], ['a', 'a', 'a'], ['x', 'x', 'x']));
  assert.deepEqual([X.data[0], X.data[2], X.data[4]], [0.5, 1, 0]);
});

test('fitted on training rows only: transforming other rows does not change the state', () => {
  const tr = table([0, 10], ['a', 'b'], ['x', 'y']);
  const s = fitPipeline(tr, { scaling: 'standard', categorical: 'onehot' });
  const before = JSON.stringify(s.inputs);
  transformTable(s, table([1000, -1000], ['c', 'd'], ['x', 'y']));
  assert.equal(JSON.stringify(s.inputs), before);
});

test('a missing input column is an InputError naming it', () => {
  const s = fitPipeline(table([1, 2], ['a', 'b'], ['x', 'y']), { scaling: 'none', categorical: 'onehot' });
  const other: FlowTable = { rowCount: 1, format: 'test', columns: [numericColumn('other', 'feature', Float64Array.of(1))] };
  assert.throws(() => transformTable(s, other, 'new.csv'), (e: unknown) => e instanceof InputError && /new\.csv: the model needs column "bytes"/.test(e.message));
});

test('target encoding: sorted classes; unknown values → −1 and counted', () => {
  const t = table([1, 2, 3], ['a', 'a', 'a'], ['zeta', 'alpha', 'zeta']);
  const e = encodeTarget(targetColumn(t));
  assert.deepEqual(e.classes, ['alpha', 'zeta']);
  assert.deepEqual(Array.from(e.y), [1, 0, 1]);
  const e2 = encodeTarget(targetColumn(table([1], ['a'], ['new'])), ['alpha', 'zeta']);
  assert.deepEqual(Array.from(e2.y), [-1]);
  assert.deepEqual(e2.unknownValues, ['new']);
  assert.throws(() => targetColumn(t, 'nope'), (e: unknown) => e instanceof UserError && /no label column "nope"; label columns here: label/.test(e.message));
});

test('--select and --drop name real columns or fail clearly', () => {
  const t = table([1, 2], ['a', 'b'], ['x', 'y']);
  assert.deepEqual(fitPipeline(t, { scaling: 'none', categorical: 'onehot', drop: ['proto'] }).outputNames, ['bytes']);
  assert.throws(() => fitPipeline(t, { scaling: 'none', categorical: 'onehot', drop: ['nope'] }), /--drop names column "nope"/);
  assert.throws(() => fitPipeline(t, { scaling: 'none', categorical: 'onehot', select: ['label'] }), /label column/);
});

test('logged slices, interleaved across pipelines and tables in the shared slab, are the whole table’s bits', () => {
  // two tables with the same columns (positions) and different values, pipelines that differ in one
  // fill value only: a slice must never be served logged cells of another table, rows or fills
  const rows = 2 * SLICE_ROWS + 37;
  const make = (seed: number): FlowTable => {
    const col = (k: number): Float64Array =>
      Float64Array.from({ length: rows }, (_, r) => {
        const h = Math.floor(Math.abs(Math.sin(r * 12.9898 + k * 78.233 + seed)) * 1e6) % 1000;
        return h === 0 ? NaN : h === 1 ? Infinity : h === 2 ? -Infinity : h < 500 ? h % 40 : (h * 1234.567) / (k + 1) - 200;
      });
    return { rowCount: rows, format: 'test', columns: [numericColumn('a', 'feature', col(1)), numericColumn('b', 'feature', col(2))] };
  };
  const t1 = make(1);
  const t2 = make(2);
  const p = fitPipeline(t1, { scaling: 'standard', categorical: 'onehot', log: true });
  const other = (change: (i: NumericInputState) => Partial<NumericInputState>): PipelineState => ({ ...p, inputs: p.inputs.map((i) => ({ ...(i as NumericInputState), ...change(i as NumericInputState) })) });
  // each variant right after p: only the one changed number tells their logged cells apart
  const pairs: [PipelineState, FlowTable][] = [
    [p, t1],
    [other((i) => ({ fill: i.fill + 1 })), t1],
    [p, t1],
    [other((i) => ({ posInf: i.posInf + 1 })), t1],
    [p, t1],
    [other((i) => ({ negInf: i.negInf - 1 })), t1],
    [p, t1],
    [p, t2],
  ];
  const whole = pairs.map(([q, t]) => transformTable(q, t).data);
  const sliced = (order: 'interleaved' | 'one pair after another'): Float64Array[] => {
    const got = whole.map((m) => new Float64Array(m.length));
    const one = (i: number, r0: number): void => {
      const r1 = Math.min(rows, r0 + 1000);
      got[i].set(transformRows(pairs[i][0], pairs[i][1], r0, r1).data, r0 * 2);
    };
    if (order === 'interleaved') for (let r0 = 0; r0 < rows; r0 += 1000) pairs.forEach((_, i) => one(i, r0));
    else pairs.forEach((_, i) => {
      for (let r0 = 0; r0 < rows; r0 += 1000) one(i, r0);
    });
    return got;
  };
  for (const order of ['interleaved', 'one pair after another'] as const) {
    const got = sliced(order);
    whole.forEach((m, i) => assert.deepStrictEqual(got[i], m, `${order}: pipeline/table pair ${i}`));
  }
});

test('reused scratch memory: one-hot blocks and every other cell are rewritten, not left from the slice before', () => {
  const t = table([1, -0, 3, 4], ['tcp', 'udp', 'icmp', 'udp'], ['a', 'b', 'a', 'b']);
  for (const scaling of ['none', 'standard'] as const) {
    for (const log of [false, true]) {
      const s = fitPipeline(t, { scaling, categorical: 'onehot', log });
      const whole = transformTable(s, t).data;
      // scratch filled with garbage, then the rows one slice at a time into it (as the flow scorer does)
      const scratch = new Float64Array(4 * s.outputNames.length).fill(7);
      for (let r = 0; r < 4; r++) {
        const got = transformRows(s, t, r, r + 1, undefined, scratch).data;
        const want = whole.subarray(r * s.outputNames.length, (r + 1) * s.outputNames.length);
        assert.deepStrictEqual(Array.from(got), Array.from(want), `${scaling}, log ${log}, row ${r}`);
      }
    }
  }
  // scaling 'none' copies cells as they are: −0 stays −0 (Object.is, which deepEqual of numbers checks)
  const none = fitPipeline(t, { scaling: 'none', categorical: 'onehot' });
  assert.ok(Object.is(transformTable(none, t).data[1 * none.outputNames.length], -0));
});

test('tables with the same column names in another order, one after another, read their own columns', () => {
  const s = fitPipeline(table([1, 2], ['a', 'b'], ['x', 'y']), { scaling: 'none', categorical: 'ordinal' });
  const make = (order: 'bytes first' | 'proto first', bytes: number): FlowTable => {
    const b = numericColumn('bytes', 'feature', Float64Array.of(bytes));
    const p = categoricalFrom('proto', 'feature', ['b']);
    return { rowCount: 1, format: 'test', columns: order === 'bytes first' ? [b, p] : [p, b] };
  };
  // each table is new (its own column list), as a stream's batches are
  for (const [order, bytes] of [['bytes first', 5], ['bytes first', 6], ['proto first', 7], ['proto first', 8], ['bytes first', 9]] as const) {
    assert.deepEqual(Array.from(transformTable(s, make(order, bytes)).data), [bytes, 1], `${order}, bytes ${bytes}`);
  }
  // a table that lacks a column after tables that had it is still refused
  const lacking: FlowTable = { rowCount: 1, format: 'test', columns: [categoricalFrom('proto', 'feature', ['b'])] };
  assert.throws(() => transformTable(s, lacking, 'x.csv'), (e: unknown) => e instanceof InputError && /needs column "bytes"/.test(e.message));
});
