import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../util/errors.js';
import { fixtureBlobs2d } from './blobs.js';
import { CORE, dbscan } from './dbscan.js';
import { kDistanceCurve, kDistances, knee } from './k-distance.js';

test('k-distance counts the row itself: it is the (k-1)-th distance to another row', () => {
  const X = fixtureBlobs2d();
  const k = 6;
  const kd = kDistances(X, k);
  for (const i of [0, 17, 150, 299]) {
    const all = Array.from({ length: X.rows }, (_, j) => Math.hypot(X.data[i * 2] - X.data[j * 2], X.data[i * 2 + 1] - X.data[j * 2 + 1])).sort((a, b) => a - b);
    assert.equal(all[0], 0);
    assert.ok(Math.abs(kd[i] - all[k - 1]) < 1e-15, `row ${i}: ${kd[i]} vs ${all[k - 1]}`);
  }
});

test('a row is DBSCAN core exactly when its k-distance (k = minSamples) is within eps', () => {
  const X = fixtureBlobs2d();
  const r = dbscan(X, { eps: 0.12, minSamples: 6 });
  const kd = kDistances(X, 6);
  for (let i = 0; i < X.rows; i++) assert.equal(r.kind[i] === CORE, kd[i] <= 0.12, `row ${i}`);
});

test('the knee is the point farthest below the chord', () => {
  // flat rise then a sharp one: the bend is at index 89
  const y = Float64Array.from({ length: 100 }, (_, i) => (i < 90 ? 0.01 * i : 0.9 + (i - 89)));
  assert.equal(knee(y, 0), 89);
  // one extreme value at the end does not drag the knee into the tail (the top 1 % is left out)
  const tail = Float64Array.from({ length: 1000 }, (_, i) => (i < 900 ? 0.001 * i : 0.9 + (i - 899) * 0.1));
  const withOutlier = tail.slice();
  withOutlier[999] = 1e6;
  assert.equal(knee(withOutlier), knee(tail));
  assert.ok(Math.abs(knee(tail) - 899) <= 2, `knee ${knee(tail)}`);
});

test('the curve is sorted, the suggestion is on it, and a sample gives a seeded estimate', () => {
  const X = fixtureBlobs2d();
  const c = kDistanceCurve(X, 6);
  for (let i = 1; i < c.distances.length; i++) assert.ok(c.distances[i - 1] <= c.distances[i]);
  assert.equal(c.suggestedEps, c.distances[c.kneeIndex]);
  assert.ok(c.suggestedEps > 0.05 && c.suggestedEps < 1, `suggested ${c.suggestedEps}`);
  const a = kDistanceCurve(X, 6, { sampleSize: 100, seed: 3 });
  assert.equal(a.distances.length, 100);
  assert.deepEqual(a.distances, kDistanceCurve(X, 6, { sampleSize: 100, seed: 3 }).distances);
  assert.throws(() => kDistances(X, 301), (e: unknown) => e instanceof UserError && /only 300 rows/.test(e.message));
});
