/**
 * The conformance suite every estimator passes (scikit-learn's estimator_checks in spirit):
 * seeded determinism, save/load round trip through a real model file, constant and all-missing
 * columns, a single class, tiny inputs, probabilities that are probabilities, unknown parameters.
 * It walks the registry, so a new model is covered the moment it is registered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import './all.js';
import { allSpecs } from './registry.js';
import { loadTrainedModel, predictTable, saveTrainedModel, trainModel } from './trained-model.js';
import { categoricalFrom, numericColumn, type FlowTable } from '../flows/table.js';
import { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';

/** Three separable-ish classes, a constant column, an all-missing column, a categorical column. */
function synthetic(n: number, classes = 3, seed = 7): FlowTable {
  const rng = new Rng(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const constant = new Float64Array(n).fill(5);
  const missing = new Float64Array(n).fill(NaN);
  const proto: string[] = [];
  const label: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    a[i] = k * 3 + rng.normal();
    b[i] = (k === 1 ? 4 : 0) + rng.normal();
    c[i] = rng.normal() * 10;
    proto.push(k === 2 ? 'udp' : rng.next() < 0.5 ? 'tcp' : 'icmp');
    label.push(k === 0 ? 'normal' : `attack${k}`);
  }
  return {
    rowCount: n,
    format: 'synthetic',
    defaultTarget: 'label',
    normalClass: 'normal',
    columns: [
      numericColumn('a', 'feature', a),
      numericColumn('b', 'feature', b),
      numericColumn('c', 'feature', c),
      numericColumn('constant', 'feature', constant),
      numericColumn('missing', 'feature', missing),
      categoricalFrom('proto', 'feature', proto),
      categoricalFrom('label', 'label', label),
    ],
  };
}

/** Small-but-real settings so the suite stays fast; defaults are exercised by quality tests. */
const FAST: Record<string, Record<string, unknown>> = {};

function output(p: ReturnType<typeof predictTable>): Float64Array {
  return p.proba ?? p.score!;
}

const dir = mkdtempSync(join(tmpdir(), 'ns-contract-'));
const train = synthetic(240);
const fresh = synthetic(60, 3, 99);

for (const spec of allSpecs()) {
  const base = { model: spec.name, params: FAST[spec.name], seed: 3, threads: 2 };
  test(`${spec.name}: same seed, same model (bit for bit)`, async () => {
    const m1 = await trainModel(train, base);
    const m2 = await trainModel(train, base);
    assert.deepEqual(output(predictTable(m1, fresh)), output(predictTable(m2, fresh)));
  });

  test(`${spec.name}: a saved model predicts exactly as before saving`, async () => {
    const m = await trainModel(train, base);
    const path = join(dir, `${spec.name}.nsm`);
    await saveTrainedModel(path, m);
    const back = await loadTrainedModel(path);
    assert.deepEqual(output(predictTable(back, fresh)), output(predictTable(m, fresh)));
    assert.equal(back.estimator.name, spec.name);
  });

  test(`${spec.name}: constant and all-missing columns give finite outputs of the right shape`, async () => {
    const m = await trainModel(train, base);
    const p = predictTable(m, fresh);
    const out = output(p);
    if (spec.kind === 'classifier') {
      assert.equal(out.length, fresh.rowCount * 3);
      for (let r = 0; r < fresh.rowCount; r++) {
        let s = 0;
        for (let j = 0; j < 3; j++) {
          const v = out[r * 3 + j];
          assert.ok(v >= 0 && v <= 1, `probability ${v} outside [0, 1]`);
          s += v;
        }
        assert.ok(Math.abs(s - 1) < 1e-6, `row ${r} probabilities sum to ${s}`);
      }
      let correct = 0;
      const y = fresh.columns.find((c) => c.name === 'label')!;
      for (let r = 0; r < fresh.rowCount; r++) {
        if (y.kind === 'categorical' && m.classes![p.predicted![r]] === y.dictionary[y.codes[r]]) correct++;
      }
      assert.ok(correct / fresh.rowCount > 0.6, `${spec.name} learned nothing from an easy problem: accuracy ${correct / fresh.rowCount}`);
    } else {
      assert.equal(out.length, fresh.rowCount);
      for (const v of out) assert.ok(Number.isFinite(v), `score ${v} is not finite`);
    }
  });

  test(`${spec.name}: tiny inputs`, async () => {
    const tiny = synthetic(spec.kind === 'classifier' ? 6 : 4, 2);
    const m = await trainModel(tiny, base);
    const out = output(predictTable(m, tiny));
    for (const v of out) assert.ok(Number.isFinite(v));
  });

  test(`${spec.name}: a single class`, async () => {
    const one = synthetic(30, 1);
    if (spec.kind === 'classifier') {
      await assert.rejects(trainModel(one, base), (e: unknown) => e instanceof UserError && /only one class/.test(e.message));
    } else {
      const m = await trainModel(one, base);
      for (const v of output(predictTable(m, one))) assert.ok(Number.isFinite(v));
    }
  });

  test(`${spec.name}: an unknown parameter is refused by name`, async () => {
    await assert.rejects(trainModel(train, { ...base, params: { no_such_parameter: 1 } }), (e: unknown) => e instanceof UserError && /no parameter "no_such_parameter"/.test(e.message));
  });
}

test('the registry holds the models the foundation promises', () => {
  const names = allSpecs().map((s) => s.name);
  for (const n of ['random-forest', 'gradient-boosting', 'isolation-forest']) {
    assert.ok(names.includes(n), `${n} is not registered (registered: ${names.join(', ')})`);
  }
});
