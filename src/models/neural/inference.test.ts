import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkInput } from './inference.js';
import { matrix } from '../../features/matrix.js';

test('checkInput passes finite cells and names the first NaN or infinite one, in the four-cell runs and past them', () => {
  // 3 × 3 = 9 cells: two runs of four, one cell after them
  const X = matrix(3, 3);
  X.data.set([0, -0, 1e308, -1e-320, 5, -5, 1, 2, 3]);
  assert.doesNotThrow(() => checkInput('m', X));
  const at = (i: number, v: number): void => {
    const Y = { ...X, data: X.data.slice() };
    Y.data[i] = v;
    if (i + 1 < 9) Y.data[8] = NaN; // a later bad cell: the first one is named
    assert.throws(() => checkInput('m', Y), new RegExp(`Input X contains ${Number.isNaN(v) ? 'NaN' : 'infinity'} \\(row ${Math.floor(i / 3)}, column ${i % 3}\\)`));
  };
  at(8, Infinity);
  at(8, NaN);
  at(5, -Infinity);
  at(0, NaN);
});
