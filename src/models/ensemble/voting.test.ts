import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../all.js';
import { register, getSpec } from '../registry.js';
import { voting } from './voting.js';
import { argmaxRows, type ClassifierSpec } from '../estimator.js';
import { matrix, type Matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { UserError } from '../../util/errors.js';

/**
 * A member whose answer is fixed by its options: one class for every row. Lets the tie rule of
 * hard voting be tested exactly. Registered only in this test process.
 */
const fixedClass: ClassifierSpec<{ cls: number }, { cls: number; k: number }> = {
  kind: 'classifier',
  name: 'test-fixed-class',
  title: 'Fixed class (test)',
  description: 'test stub',
  defaults: { cls: 0 },
  input: { scaling: 'none', categorical: 'ordinal' },
  options: (g) => ({ cls: 0, ...g }),
  fit: async (_X, _y, k, o) => ({ cls: o.cls, k }),
  predictProba: (s, X) => {
    const out = new Float64Array(X.rows * s.k);
    for (let r = 0; r < X.rows; r++) out[r * s.k + s.cls] = 1;
    return out;
  },
};
register(fixedClass);

function tiny(): { X: Matrix; y: Int32Array } {
  return { X: matrix(4, 1, Float64Array.from([0, 1, 2, 3])), y: Int32Array.from([0, 1, 2, 0]) };
}

test('hard voting: a tie goes to the lowest class index, and the probabilities are vote shares', async () => {
  const { X, y } = tiny();
  const o = voting.options({
    estimators: [
      { name: 'test-fixed-class', params: { cls: 2 } },
      { name: 'test-fixed-class', params: { cls: 0 } },
    ],
    voting: 'hard',
  });
  const s = await voting.fit(X, y, 3, o, { seed: 1, threads: 1 });
  const p = voting.predictProba(s, X);
  assert.deepEqual(Array.from(argmaxRows(p, 3)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(p.subarray(0, 3)), [0.5, 0, 0.5]);

  // weights break the tie the other way
  const w = await voting.fit(X, y, 3, voting.options({ ...o, weights: [2, 1] }), { seed: 1, threads: 1 });
  const pw = voting.predictProba(w, X);
  assert.deepEqual(Array.from(argmaxRows(pw, 3)), [2, 2, 2, 2]);
  assert.ok(Math.abs(pw[2] - 2 / 3) < 1e-12 && Math.abs(pw[0] - 1 / 3) < 1e-12);
});

test('hard voting: a majority of three beats the first member', async () => {
  const { X, y } = tiny();
  const o = voting.options({ estimators: [{ name: 'test-fixed-class', params: { cls: 0 } }, { name: 'test-fixed-class', params: { cls: 1 } }, { name: 'test-fixed-class', params: { cls: 1 } }], voting: 'hard' });
  const s = await voting.fit(X, y, 3, o, { seed: 1, threads: 1 });
  assert.deepEqual(Array.from(argmaxRows(voting.predictProba(s, X), 3)), [1, 1, 1, 1]);
});

/** Two classes on a ring: a stump sees only one side, logistic regression only a slope. */
function toy(n: number, seed: number): { X: Matrix; y: Int32Array } {
  const rng = new Rng(seed);
  const X = matrix(n, 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    X.data[i * 2] = a;
    X.data[i * 2 + 1] = b;
    y[i] = a + 0.5 * b > 0.3 || (a < -1.2 && b > 0.8) ? 1 : 0;
  }
  return { X, y };
}

function acc(p: Float64Array, y: Int32Array): number {
  const pred = argmaxRows(p, 2);
  let hit = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) hit++;
  return hit / y.length;
}

test('soft voting of two models scores at least as well as the worse of them', async () => {
  const train = toy(400, 1);
  const held = toy(400, 2);
  const members = [
    { name: 'decision-tree', params: { max_depth: 1 } },
    { name: 'logistic-regression', params: {} },
  ];
  const o = voting.options({ estimators: members, voting: 'soft' });
  const s = await voting.fit(train.X, train.y, 2, o, { seed: 3, threads: 1 });
  const soft = acc(voting.predictProba(s, held.X), held.y);
  const alone = s.members.map((m) => {
    const spec = getSpec(m.name) as ClassifierSpec<object, unknown>;
    return acc(spec.predictProba(m.state, held.X), held.y);
  });
  assert.ok(soft >= Math.min(...alone), `soft vote ${soft} is worse than both members ${alone.join(', ')}`);
  // and the soft probabilities are exactly the mean of the members'
  const p = voting.predictProba(s, held.X);
  const p0 = (getSpec(s.members[0].name) as ClassifierSpec<object, unknown>).predictProba(s.members[0].state, held.X);
  const p1 = (getSpec(s.members[1].name) as ClassifierSpec<object, unknown>).predictProba(s.members[1].state, held.X);
  for (let i = 0; i < p.length; i += 97) assert.ok(Math.abs(p[i] - (p0[i] + p1[i]) / 2) < 1e-12);
});

test('voting options: names joined with +, completed member parameters, clear refusals', () => {
  const o = voting.options({ estimators: 'decision-tree+logistic-regression' as never });
  assert.deepEqual(o.estimators.map((e) => e.name), ['decision-tree', 'logistic-regression']);
  assert.equal(o.estimators[0].params.criterion, 'gini');
  assert.throws(() => voting.options({ estimators: 'decision-tree+lof' as never }), (e: unknown) => e instanceof UserError && /which is a detector/.test(e.message));
  assert.throws(() => voting.options({ estimators: 'decision-tree+nope' as never }), (e: unknown) => e instanceof UserError && /unknown model "nope"/.test(e.message));
  assert.throws(
    () => voting.options({ estimators: 'decision-tree+logistic-regression' as never, weights: [1, 2, 3] }),
    (e: unknown) => e instanceof UserError && /got 3 weights, 2 estimators/.test(e.message),
  );
  assert.throws(() => voting.options({ voting: 'majority' as never }), (e: unknown) => e instanceof UserError && /'voting' parameter of VotingClassifier/.test(e.message));
});
