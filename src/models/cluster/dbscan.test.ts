import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, takeRows } from '../../features/matrix.js';
import { loadCicSample } from '../../testing/datasets.js';
import { skipWithoutShared } from '../../testing/shared-data.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { blobs, fixtureBlobs2d } from './blobs.js';
import { BORDER, CORE, dbscan, NOISE } from './dbscan.js';
import { buildKdTree } from './kd-tree.js';
import { seedPipelineMatrix } from './seed-pipeline-matrix.js';

/**
 * Integer grid, eps 1, minSamples 4 (distances of exactly 1 count, as in sklearn): a core at (0,0)
 * and one at (2,0), each with three satellites, and (1,0) between them within eps of both cores
 * but with only 3 neighbours itself. Two noise rows. Which cluster (1,0) joins depends only on
 * which core comes first in row order.
 */
const TOY = [
  [1, 0], // 0: shared border row
  [2, 0], // 1: core of the right cluster
  [-1, 0], // 2
  [5, 5], // 3: noise
  [0, 0], // 4: core of the left cluster
  [3, 0], // 5
  [0, 1], // 6
  [2, 1], // 7
  [0, -1], // 8
  [2, -1], // 9
  [8, 8], // 10: noise (a pair is not dense enough)
  [8, 9], // 11: noise
];

function toy(rows: number[][]) {
  return matrix(rows.length, 2, Float64Array.from(rows.flat()));
}

test('a toy set gets the core, border and noise rows worked out by hand (and by scikit-learn)', () => {
  const r = dbscan(toy(TOY), { eps: 1, minSamples: 4 });
  // scikit-learn 1.2: DBSCAN(eps=1, min_samples=4).fit(X).labels_
  assert.deepEqual(Array.from(r.labels), [0, 0, 1, -1, 1, 0, 1, 0, 1, 0, -1, -1]);
  assert.deepEqual(Array.from(r.coreIndices), [1, 4]);
  assert.equal(r.nClusters, 2);
  const kinds = Array.from(r.kind);
  assert.deepEqual(kinds, [BORDER, CORE, BORDER, NOISE, CORE, BORDER, BORDER, BORDER, BORDER, BORDER, NOISE, NOISE]);
});

test('a border row shared by two clusters joins the one whose first core row comes first', () => {
  const swapped = TOY.slice();
  [swapped[1], swapped[4]] = [swapped[4], swapped[1]];
  const r = dbscan(toy(swapped), { eps: 1, minSamples: 4 });
  // scikit-learn gives the shared row (index 0) to the left cluster now
  assert.deepEqual(Array.from(r.labels), [0, 0, 0, -1, 1, 1, 0, 1, 0, 1, -1, -1]);
});

test('minSamples counts the row itself; eps is inclusive', () => {
  // two rows at distance exactly 1: each has 2 rows (itself and the other) within eps
  const pair = toy([[0, 0], [1, 0]]);
  assert.deepEqual(Array.from(dbscan(pair, { eps: 1, minSamples: 2 }).labels), [0, 0]);
  assert.deepEqual(Array.from(dbscan(pair, { eps: 1, minSamples: 3 }).labels), [-1, -1]);
  assert.deepEqual(Array.from(dbscan(pair, { eps: 0.999, minSamples: 2 }).labels), [-1, -1]);
  // minSamples 1: every row is core, each isolated row its own cluster
  assert.deepEqual(Array.from(dbscan(toy([[0, 0], [5, 5], [0, 1]]), { eps: 1, minSamples: 1 }).labels), [0, 1, 0]);
});

// scikit-learn 1.2.1: DBSCAN(eps=0.12, min_samples=6).fit(fixtureBlobs2d()); '.' = noise, 'a' = 0.
// The fixture has nine clusters and seven border rows within eps of cores of two clusters.
const SKLEARN_FIXTURE_LABELS =
  'dabcb..d......dg..d.b.cbbbdh...b.c.hbdcefb......b.bca.g.cacd..dbc..bcc..agbab..b.ab..ad...d.cba.acab.cbdcd..d....b..a.dabf.aa..a.ac.....g..abf..cba.a..g.cebd.c...hhidhi.....cgc........d.icaa....ca..b.aaicac.a.da.bfbdcb...d......bbaa..hg..a..c.ebf.bb.....b.adb......iibb....fbhdbadifa.ab...aacaa.c.b..';

function labelString(labels: Int32Array): string {
  return Array.from(labels, (l) => (l < 0 ? '.' : String.fromCharCode(97 + l))).join('');
}

test('labels agree with scikit-learn on a fixture, numbering included', () => {
  const r = dbscan(fixtureBlobs2d(), { eps: 0.12, minSamples: 6 });
  assert.equal(labelString(r.labels), SKLEARN_FIXTURE_LABELS);
  assert.equal(r.coreIndices.length, 98); // len(core_sample_indices_)
  assert.equal(r.nClusters, 9);
});

test('the same clusters with or without the rotated tree, and with any leaf size', () => {
  const X = fixtureBlobs2d();
  const expected = labelString(dbscan(X, { eps: 0.12, minSamples: 6 }).labels);
  for (const options of [{ rotate: false }, { leafSize: 1 }, { leafSize: 300 }, { leafSize: 5, rotate: false }]) {
    assert.equal(labelString(dbscan(X, { eps: 0.12, minSamples: 6 }, buildKdTree(X, options)).labels), expected, JSON.stringify(options));
  }
});

test('row order changes the numbering but never the partition or the core rows', () => {
  const X = fixtureBlobs2d();
  const a = dbscan(X, { eps: 0.12, minSamples: 6 });
  const perm = new Rng(5).shuffle(Int32Array.from({ length: X.rows }, (_, i) => i));
  const b = dbscan(takeRows(X, perm), { eps: 0.12, minSamples: 6 });
  const map = new Map<number, number>();
  for (let i = 0; i < perm.length; i++) {
    const la = a.labels[perm[i]];
    const lb = b.labels[i];
    assert.equal(b.kind[i], a.kind[perm[i]], `kind of row ${perm[i]}`);
    if (a.kind[perm[i]] === CORE || la < 0) {
      assert.equal(lb < 0, la < 0);
      if (la >= 0) {
        if (!map.has(la)) map.set(la, lb);
        assert.equal(map.get(la), lb, `core row ${perm[i]} changed cluster`);
      }
    }
  }
  assert.equal(b.nClusters, a.nClusters);
});

/** scikit-learn's algorithm, literally: brute-force neighbourhoods, then its depth-first labelling. */
function referenceDbscan(X: { rows: number; cols: number; data: Float64Array }, eps: number, minSamples: number): Int32Array {
  const n = X.rows;
  const d = X.cols;
  const hood: number[][] = [];
  for (let i = 0; i < n; i++) {
    const h: number[] = [];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (X.data[i * d + k] - X.data[j * d + k]) ** 2;
      if (s <= eps * eps) h.push(j);
    }
    hood.push(h);
  }
  const core = hood.map((h) => h.length >= minSamples);
  const labels = new Int32Array(n).fill(-1);
  let label = 0;
  for (let i0 = 0; i0 < n; i0++) {
    if (labels[i0] !== -1 || !core[i0]) continue;
    const stack: number[] = [];
    let i = i0;
    for (;;) {
      if (labels[i] === -1) {
        labels[i] = label;
        if (core[i]) for (const v of hood[i]) if (labels[v] === -1) stack.push(v);
      }
      if (stack.length === 0) break;
      i = stack.pop()!;
    }
    label++;
  }
  return labels;
}

test("the same labels as scikit-learn's own algorithm on random data: ties, duplicates, any eps", () => {
  const rng = new Rng(17);
  for (let trial = 0; trial < 12; trial++) {
    const d = 1 + (trial % 4);
    const n = 150 + rng.int(150);
    let X;
    if (trial % 3 === 0) {
      // small integers: many distances exactly equal to eps, many duplicate rows
      X = matrix(n, d, Float64Array.from({ length: n * d }, () => rng.int(4)));
    } else {
      const centers = Array.from({ length: 2 + rng.int(4) }, () => Array.from({ length: d }, () => rng.normal() * 2));
      X = blobs(100 + trial, n, centers, 0.3 + rng.next() * 0.4, 0.2, 4);
    }
    for (const [eps, minSamples] of [[1, 3], [0.5, 5], [0.25, 4], [2, 12]] as const) {
      const want = referenceDbscan(X, eps, minSamples);
      assert.deepEqual(dbscan(X, { eps, minSamples }).labels, want, `trial ${trial}, eps ${eps}, minSamples ${minSamples}`);
    }
  }
});

test('deterministic: the same input gives the same labels', () => {
  const X = fixtureBlobs2d();
  assert.deepEqual(dbscan(X, { eps: 0.2, minSamples: 5 }).labels, dbscan(X, { eps: 0.2, minSamples: 5 }).labels);
});

test('bad parameters and bad cells are refused in scikit-learn words', () => {
  const X = fixtureBlobs2d();
  assert.throws(() => dbscan(X, { eps: 0, minSamples: 5 }), (e: unknown) => e instanceof UserError && /'eps' parameter of DBSCAN must be a float in the range \(0.0, inf\)/.test(e.message));
  assert.throws(() => dbscan(X, { eps: 0.1, minSamples: 0 }), (e: unknown) => e instanceof UserError && /'minSamples'/.test(e.message));
  const bad = matrix(2, 2, new Float64Array([0, 1, NaN, 2]));
  assert.throws(() => dbscan(bad, { eps: 1, minSamples: 1 }), (e: unknown) => e instanceof UserError && /row 2, column 1 is NaN/.test(e.message));
});

test('the CIC-IDS2017 sample, prepared as the seed pipeline does: the same clusters as scikit-learn', { skip: skipWithoutShared('datasets', 'cicids2017-sample') }, async () => {
  const X = seedPipelineMatrix((await loadCicSample())!);
  assert.equal(X.cols, 84);
  const r = dbscan(X, { eps: 0.3, minSamples: 10 });
  // scikit-learn 1.2.1 DBSCAN(eps=0.3, min_samples=10) on the same float32 matrix
  assert.equal(r.nClusters, 128);
  assert.equal(r.coreIndices.length, 13735);
  let noise = 0;
  let checksum = 0;
  for (let i = 0; i < r.labels.length; i++) {
    if (r.labels[i] < 0) noise++;
    checksum += (r.labels[i] + 1) * ((i % 1000) + 1);
  }
  assert.equal(noise, 10523);
  // sum over rows of (label + 1) * (row % 1000 + 1) for sklearn's labels: equal only if every label is
  assert.equal(checksum, 651871467);
});
