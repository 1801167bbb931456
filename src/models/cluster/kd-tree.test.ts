import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { blobs } from './blobs.js';
import { buildKdTree, KdSearch, toTreeSpace } from './kd-tree.js';

function bruteWithin(X: { rows: number; cols: number; data: Float64Array }, q: Float64Array, qo: number, r: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let k = 0; k < X.cols; k++) s += (X.data[i * X.cols + k] - q[qo + k]) ** 2;
    if (s <= r * r) out.push(i);
  }
  return out;
}

const X = blobs(21, 700, [[0, 0, 0, 0, 0], [2, 1, 0, 0, 3], [0, 0, 5, 1, 1]], 0.6, 0.2, 5);
// integer rows: many distances exactly equal to the radius
const G = matrix(400, 3, Float64Array.from({ length: 1200 }, (_, i) => ((i * 2654435761) >>> 0) % 5));

for (const rotate of [true, false]) {
  test(`radius search finds exactly the brute-force neighbours (rotate ${rotate})`, () => {
    for (const [M, r] of [[X, 0.9], [G, 1], [G, 2]] as const) {
      const t = buildKdTree(M, { rotate, leafSize: 8 });
      const s = new KdSearch(t);
      for (let p = 0; p < t.size; p += 13) {
        const m = s.within(t.boxPoints, t.points, p * M.cols, r, 0, true);
        const got = Array.from(s.found.subarray(0, m), (x) => t.index[x]).sort((a, b) => a - b);
        assert.deepEqual(got, bruteWithin(M, t.points, p * M.cols, r), `row ${t.index[p]}, r ${r}`);
        // counting without listing agrees, and a limit stops at the limit
        assert.equal(s.within(t.boxPoints, t.points, p * M.cols, r, 0, false), m);
        assert.equal(s.within(t.boxPoints, t.points, p * M.cols, r, 3, false), Math.min(3, m));
      }
    }
  });

  test(`k nearest match brute force, for outside queries and with the row itself excluded (rotate ${rotate})`, () => {
    const t = buildKdTree(X, { rotate });
    const s = new KdSearch(t);
    const rng = new Rng(2);
    const Q = matrix(40, 5, Float64Array.from({ length: 200 }, () => rng.normal() * 3));
    const qb = toTreeSpace(t, Q);
    const pos = new Int32Array(7);
    const d2 = new Float64Array(7);
    for (let i = 0; i < Q.rows; i++) {
      assert.equal(s.nearest(qb, Q.data, i * 5, 7, pos, d2), 7);
      const all = Array.from({ length: X.rows }, (_, j) => {
        let v = 0;
        for (let k = 0; k < 5; k++) v += (X.data[j * 5 + k] - Q.data[i * 5 + k]) ** 2;
        return v;
      }).sort((a, b) => a - b);
      for (let j = 0; j < 7; j++) assert.equal(d2[j], all[j]);
    }
    // a tree row asking for its neighbours other than itself
    for (let p = 0; p < t.size; p += 50) {
      s.nearest(t.boxPoints, t.points, p * 5, 3, pos, d2, p);
      assert.ok(!Array.from(pos.subarray(0, 3)).includes(p));
      assert.ok(d2[0] <= d2[1] && d2[1] <= d2[2]);
    }
  });
}

test('a rotation moves box-space distances by far less than the slack the searches allow for', () => {
  const t = buildKdTree(X);
  assert.ok(t.rotation && t.slackUnit > 0 && t.slackUnit < 1e-10);
  let worst = 0;
  for (let a = 0; a < t.size; a += 7) {
    for (let b = 1; b < t.size; b += 11) {
      let raw = 0;
      let box = 0;
      for (let k = 0; k < 5; k++) {
        raw += (t.points[a * 5 + k] - t.points[b * 5 + k]) ** 2;
        box += (t.boxPoints[a * 5 + k] - t.boxPoints[b * 5 + k]) ** 2;
      }
      worst = Math.max(worst, Math.abs(Math.sqrt(raw) - Math.sqrt(box)));
    }
  }
  assert.ok(worst <= t.slackUnit * 2 * t.maxNorm, `distance moved by ${worst}`);
});

test('all-equal rows make one leaf and still answer queries', () => {
  const same = matrix(50, 2, new Float64Array(100).fill(3));
  const t = buildKdTree(same);
  const s = new KdSearch(t);
  assert.equal(s.within(t.boxPoints, t.points, 0, 0, 0, false), 50);
  assert.equal(t.nodeStart.length, 1);
});
