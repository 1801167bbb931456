import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../models/all.js';
import { categoricalFrom, numericColumn, type FlowTable } from '../flows/table.js';
import { gridCandidates, gridSize, planSearch, randomCandidates, searchParams, searchRecord } from './search.js';
import { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';

/** Four classes along one axis: a tree needs depth 2 to tell them apart, depth 1 cannot. */
function table(n: number, seed: number): FlowTable {
  const rng = new Rng(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const label: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    a[i] = k * 4 + rng.normal();
    b[i] = rng.normal();
    label.push(k === 0 ? 'normal' : `attack${k}`);
  }
  return {
    rowCount: n,
    format: 'synthetic',
    defaultTarget: 'label',
    normalClass: 'normal',
    columns: [numericColumn('a', 'feature', a), numericColumn('b', 'feature', b), categoricalFrom('label', 'label', label)],
  };
}

const grid = [
  { name: 'max_depth', values: [1, 2, 4] },
  { name: 'criterion', values: ['gini', 'entropy'] },
];

test('grid candidates: every combination, first parameter slowest', () => {
  assert.equal(gridSize(grid), 6);
  const c = gridCandidates(grid);
  assert.deepEqual(c[0], { max_depth: 1, criterion: 'gini' });
  assert.deepEqual(c[1], { max_depth: 1, criterion: 'entropy' });
  assert.deepEqual(c[5], { max_depth: 4, criterion: 'entropy' });
  assert.equal(new Set(c.map((x) => JSON.stringify(x))).size, 6);
});

test('random candidates: distinct draws from the grid, repeatable with the seed, all of it when asked for more', () => {
  const a = randomCandidates(grid, 4, 7);
  const b = randomCandidates(grid, 4, 7);
  assert.deepEqual(a, b);
  assert.equal(new Set(a.map((x) => JSON.stringify(x))).size, 4);
  const all = new Set(gridCandidates(grid).map((x) => JSON.stringify(x)));
  for (const x of a) assert.ok(all.has(JSON.stringify(x)));
  assert.notDeepEqual(randomCandidates(grid, 4, 8), a);
  assert.equal(randomCandidates(grid, 99, 1).length, 6);
});

test('search finds the depth the data needs, and records every candidate', async () => {
  const r = await searchParams(table(240, 1), {
    train: { model: 'decision-tree', seed: 3, threads: 1 },
    grid: [{ name: 'max-depth', values: [1, 3] }],
    k: 3,
  });
  assert.equal(r.metric, 'macro-f1');
  assert.equal(r.candidates.length, 2);
  assert.deepEqual(r.best.params, { max_depth: 3 }, 'names are spelled as the model spells them');
  assert.equal(r.best.rank, 1);
  assert.equal(r.best.folds.length, 3);
  const stump = r.candidates.find((c) => c.params.max_depth === 1)!;
  assert.ok(r.best.mean > stump.mean + 0.2, `depth 3 (${r.best.mean}) should clearly beat depth 1 (${stump.mean})`);
  const rec = searchRecord(r) as { candidates: unknown[]; best: { params: unknown } };
  assert.equal(rec.candidates.length, 2);
  assert.deepEqual(rec.best.params, { max_depth: 3 });
});

test('a detector is searched by ROC-AUC against the labels, fitted on normal rows', async () => {
  const r = await searchParams(table(240, 2), {
    train: { model: 'isolation-forest', seed: 3, threads: 1, normalOnly: true },
    grid: [{ name: 'n_estimators', values: [10, 30] }],
    k: 2,
  });
  assert.equal(r.metric, 'roc-auc');
  for (const c of r.candidates) assert.ok(c.status === 'ok' && c.mean > 0.7, `AUC ${c.mean} (${c.error ?? ''})`);
});

test('usage mistakes are found before any fitting', () => {
  const base = { train: { model: 'decision-tree' }, k: 3 };
  assert.throws(() => planSearch({ ...base, grid: [{ name: 'max_depth', values: [0, 2] }] }), (e: unknown) => e instanceof UserError && /candidate max_depth=0/.test(e.message));
  assert.throws(() => planSearch({ ...base, grid: [{ name: 'bogus', values: [1] }] }), (e: unknown) => e instanceof UserError && /no parameter "bogus"/.test(e.message));
  assert.throws(
    () => planSearch({ ...base, train: { model: 'decision-tree', params: { max_depth: 2 } }, grid: [{ name: 'max_depth', values: [3] }] }),
    (e: unknown) => e instanceof UserError && /both fixed/.test(e.message),
  );
  assert.throws(() => planSearch({ ...base, grid: [] }), (e: unknown) => e instanceof UserError && /--grid/.test(e.message));
});

/** Normal near 0; attack1 in groups at 5, 15, 25 and attack2 at 10, 20, 30 along `a`: a held-out group sits between groups of the other class. */
function groupedTable(perGroup: number, seed: number): FlowTable {
  const rng = new Rng(seed);
  const a: number[] = [];
  const b: number[] = [];
  const label: string[] = [];
  const kind: string[] = [];
  const add = (center: number, l: string, g: string, n: number): void => {
    for (let i = 0; i < n; i++) {
      a.push(center + rng.normal() * 0.5);
      b.push(rng.normal());
      label.push(l);
      kind.push(g);
    }
  };
  add(0, 'normal', 'normal', perGroup * 4);
  for (const c of [5, 15, 25]) add(c, 'attack1', `a1-${c}`, perGroup);
  for (const c of [10, 20, 30]) add(c, 'attack2', `a2-${c}`, perGroup);
  return {
    rowCount: a.length,
    format: 'synthetic',
    defaultTarget: 'label',
    normalClass: 'normal',
    columns: [
      numericColumn('a', 'feature', Float64Array.from(a)),
      numericColumn('b', 'feature', Float64Array.from(b)),
      categoricalFrom('label', 'label', label),
      categoricalFrom('kind', 'meta', kind),
    ],
  };
}

test('--cv-group: held-out groups are unseen, so the grouped score is the honest, lower one; pooled and recorded', async () => {
  const t = groupedTable(30, 4);
  const base = { train: { model: 'decision-tree', seed: 3, threads: 1 }, grid: [{ name: 'max_depth', values: [8] }], k: 3 };
  const plain = await searchParams(t, base);
  const grouped = await searchParams(t, { ...base, group: 'kind' });
  assert.ok(plain.best.mean > 0.95, `plain stratified folds see every group: ${plain.best.mean}`);
  assert.ok(grouped.best.mean < plain.best.mean - 0.2, `grouped ${grouped.best.mean} vs plain ${plain.best.mean}`);
  assert.equal(grouped.group, 'kind');
  assert.equal(grouped.pooled, true);
  assert.equal(plain.pooled, false);
  const rec = searchRecord(grouped) as { group?: string; pooled?: boolean };
  assert.equal(rec.group, 'kind');
  assert.equal(rec.pooled, true);
  await assert.rejects(() => searchParams(t, { ...base, group: 'nope' }), (e: unknown) => e instanceof UserError && /--cv-group: no column "nope"/.test(e.message));
  // 8 normal rows and 6 attack groups cannot fill 20 folds
  await assert.rejects(() => searchParams(groupedTable(2, 4), { ...base, group: 'kind', k: 20 }), (e: unknown) => e instanceof UserError && /too few groups/.test(e.message));
});
