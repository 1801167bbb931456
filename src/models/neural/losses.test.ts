import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowMeanSquaredError } from './losses.js';
import { Rng } from '../../util/rng.js';

test('rowMeanSquaredError: each row is the sum of its units in order, whatever the row count (rows go four at a time)', () => {
  const rng = new Rng(7);
  const units = 85;
  const pad = 88;
  for (let rows = 0; rows <= 11; rows++) {
    const out = Float32Array.from({ length: rows * pad }, () => rng.next());
    const target = Float32Array.from({ length: rows * pad }, () => (rng.next() < 0.3 ? 0 : rng.next()));
    const got = new Float64Array(rows + 2).fill(-1);
    rowMeanSquaredError(out, target, pad, units, rows, got, 2);
    const want = new Float64Array(rows + 2).fill(-1);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < units; c++) {
        const e = out[r * pad + c] - target[r * pad + c];
        s += e * e;
      }
      want[2 + r] = s / units;
    }
    assert.deepStrictEqual(got, want, `${rows} rows`);
  }
});
