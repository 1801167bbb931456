import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { fixtureBlobs2d } from './blobs.js';
import { dbscan } from './dbscan.js';
import { dbscanDetector } from './dbscan-detector.js';

const ctx = { seed: 1, threads: 1 };

test('on its training rows the score is above 1 exactly for the rows DBSCAN calls noise', async () => {
  const X = fixtureBlobs2d();
  const o = dbscanDetector.options({ eps: 0.12, minSamples: 6 });
  const state = await dbscanDetector.fit(X, o, ctx);
  const labels = dbscan(X, { eps: 0.12, minSamples: 6 }).labels;
  const s = dbscanDetector.score(state, X);
  for (let i = 0; i < X.rows; i++) assert.equal(s[i] > 1, labels[i] < 0, `row ${i}: score ${s[i]}, label ${labels[i]}`);
  assert.equal(state.nClusters, 9);
  assert.equal(state.coreLabels.length, 98);
});

test('a far-away row scores its distance to the nearest core row in eps units, and explain adds up to it', async () => {
  const X = fixtureBlobs2d();
  const state = await dbscanDetector.fit(X, dbscanDetector.options({ eps: 0.12, minSamples: 6 }), ctx);
  const q = matrix(1, 2, new Float64Array([10, 10]));
  let best = Infinity;
  for (let i = 0; i < state.coreLabels.length; i++) best = Math.min(best, Math.hypot(10 - state.cores[i * 2], 10 - state.cores[i * 2 + 1]));
  const s = dbscanDetector.score(state, q)[0];
  assert.ok(Math.abs(s - best / 0.12) < 1e-12);
  const e = dbscanDetector.explain!(state, q)!;
  assert.ok(Math.abs(e[0] + e[1] - s) < 1e-9);
});

test("eps 'auto' reads eps off the k-distance knee and scores most training rows as members", async () => {
  const X = fixtureBlobs2d();
  const state = await dbscanDetector.fit(X, dbscanDetector.options({}), ctx);
  assert.ok(state.eps > 0.05 && state.eps < 1, `eps ${state.eps}`);
  assert.ok(state.trainingNoiseShare < 0.3, `noise share ${state.trainingNoiseShare}`);
});

test('no core row at all is a usable error, and options are checked', async () => {
  const X = fixtureBlobs2d();
  await assert.rejects(dbscanDetector.fit(X, dbscanDetector.options({ eps: 1e-6, minSamples: 5 }), ctx), (e: unknown) => e instanceof UserError && /no core rows.*raise eps or lower minSamples/.test(e.message));
  assert.throws(() => dbscanDetector.options({ eps: -1 }), (e: unknown) => e instanceof UserError && /'eps' parameter of DBSCAN must be 'auto' or a float/.test(e.message));
  assert.throws(() => dbscanDetector.options({ minSamples: 2.5 }), UserError);
});
