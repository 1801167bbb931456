import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../features/matrix.js';
import { UserError } from '../util/errors.js';
import { blobs, fixtureBlobs2d } from './cluster/blobs.js';
import { lof } from './lof.js';

const ctx = { seed: 1, threads: 1 };
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('novelty scores, k-distances and densities agree with scikit-learn LocalOutlierFactor(novelty=True)', async () => {
  const X = fixtureBlobs2d();
  const state = await lof.fit(X, lof.options({}), ctx);
  // scikit-learn 1.2.1, n_neighbors=20: -score_samples(Q), _distances_fit_X_[:, -1], _lrd
  const Q = matrix(5, 2, new Float64Array([0, 0, 3, 3, 1, 0.5, 0.5, 0.6, -2.4, 2.4]));
  const s = lof.score(state, Q);
  [0.9583393180101902, 6.228396439610468, 1.3093955825191543, 1.3915370617010172, 7.501343919181648].forEach((v, i) => close(s[i], v));
  [0.29761155912286535, 0.24408148248102737, 0.22025526266744566].forEach((v, i) => close(state.kDistance[i], v));
  [3.355635124836694, 3.8918924792064615, 4.231127141229232].forEach((v, i) => close(state.lrd[i], v));
});

test('a planted outlier gets the highest score, far above 1, while cluster rows stay near 1', async () => {
  const X = blobs(8, 500, [[0, 0, 0], [4, 4, 0]], 0.5, 0, 1);
  X.data.set([2, 2, 6], 123 * 3); // row 123: away from both blobs
  const state = await lof.fit(X, lof.options({ nNeighbors: 20 }), ctx);
  const s = lof.score(state, X);
  let top = 0;
  for (let i = 1; i < X.rows; i++) if (s[i] > s[top]) top = i;
  assert.equal(top, 123);
  assert.ok(s[123] > 3, `outlier scored ${s[123]}`);
  const sorted = Float64Array.from(s).sort();
  assert.ok(sorted[250] > 0.8 && sorted[250] < 1.2, `median score ${sorted[250]}`);
});

test('deterministic, neighbours capped at rows - 1, bad input refused', async () => {
  const X = fixtureBlobs2d();
  const a = await lof.fit(X, lof.options({}), ctx);
  const b = await lof.fit(X, lof.options({}), ctx);
  assert.deepEqual(lof.score(a, X), lof.score(b, X));
  const tiny = await lof.fit(matrix(3, 1, new Float64Array([0, 1, 3])), lof.options({}), ctx);
  assert.equal(tiny.k, 2);
  assert.throws(() => lof.options({ nNeighbors: 0 }), (e: unknown) => e instanceof UserError && /'nNeighbors' parameter of LocalOutlierFactor/.test(e.message));
  await assert.rejects(lof.fit(matrix(1, 2, new Float64Array(2)), lof.options({}), ctx), UserError);
  assert.throws(() => lof.score(a, matrix(1, 3, new Float64Array(3))), (e: unknown) => e instanceof UserError && /fitted on 2 columns/.test(e.message));
});

test('the fit shared over worker threads gives the same state bit for bit as one thread', async () => {
  // above the row count where the neighbour searches go to workers
  const X = blobs(9, 6000, [[0, 0, 0, 0], [5, 5, 0, 1], [0, 6, 3, 3]], 1, 0.02, 10);
  const one = await lof.fit(X, lof.options({}), { seed: 1, threads: 1 });
  const two = await lof.fit(X, lof.options({}), { seed: 1, threads: 2 });
  assert.deepEqual(two.kDistance, one.kDistance);
  assert.deepEqual(two.lrd, one.lrd);
  assert.deepEqual(two.train, one.train);
  assert.ok(!(two.train.buffer instanceof SharedArrayBuffer), 'the state holds plain arrays');
  assert.deepEqual(lof.score(two, X), lof.score(one, X));
});
