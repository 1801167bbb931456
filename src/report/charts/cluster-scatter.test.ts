import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../features/matrix.js';
import { BORDER, CORE, NOISE } from '../../models/cluster/dbscan.js';
import { Rng } from '../../util/rng.js';
import { assertChartRenders } from './chart-fixtures.js';
import { clusterScatterSpec, KIND_BORDER, KIND_CORE, KIND_NOISE } from './cluster-scatter.js';
import { COLORS } from './theme.js';

function blobs(n: number, seed: number): { pts: Float64Array; labels: Int32Array; kinds: Uint8Array } {
  const r = new Rng(seed);
  const pts = new Float64Array(2 * n);
  const labels = new Int32Array(n);
  const kinds = new Uint8Array(n);
  const centres = [[0, 0], [6, 6], [-5, 6]];
  for (let i = 0; i < n; i++) {
    if (i % 20 === 0) {
      pts[2 * i] = 20 * r.next() - 8;
      pts[2 * i + 1] = 20 * r.next() - 8;
      labels[i] = -1;
      kinds[i] = KIND_NOISE;
      continue;
    }
    const c = i % 3;
    const a = r.normal();
    const b = r.normal();
    pts[2 * i] = centres[c][0] + a;
    pts[2 * i + 1] = centres[c][1] + b;
    labels[i] = c;
    kinds[i] = a * a + b * b > 4 ? KIND_BORDER : KIND_CORE;
  }
  return { pts, labels, kinds };
}

test('cluster scatter: kind codes are the ones DBSCAN produces', () => {
  assert.deepEqual([KIND_NOISE, KIND_BORDER, KIND_CORE], [NOISE, BORDER, CORE]);
});

test('cluster scatter: a seeded sample of 5,000, noise in red, core and border told apart', async () => {
  const { pts, labels, kinds } = blobs(30_000, 1);
  const spec = clusterScatterSpec(pts, labels, kinds);
  const { rows, svg } = await assertChartRenders('cluster-scatter', spec, 'Clusters');
  assert.equal(rows.length, 5000);
  assert.deepEqual(clusterScatterSpec(pts, labels, kinds), spec, 'same seed, same picture');
  assert.notDeepEqual(clusterScatterSpec(pts, labels, kinds, { seed: 9 }), spec);
  const kindsSeen = new Set(rows.map((r) => r.kind));
  assert.deepEqual([...kindsSeen].sort(), ['border', 'core', 'noise']);
  // noise drawn last (on top)
  assert.equal(rows[rows.length - 1].kind, 'noise');
  const enc = (spec as unknown as { encoding: Record<string, { scale: { domain: string[]; range: string[] } }> }).encoding;
  const noiseAt = enc.color.scale.domain.indexOf('noise (1,500)');
  assert.ok(noiseAt >= 0, 'noise counted over all rows');
  assert.equal(enc.color.scale.range[noiseAt], COLORS.alarm);
  assert.ok(!enc.color.scale.range.slice(0, noiseAt).includes(COLORS.alarm), 'no cluster is red');
  // core a filled circle, border a ring, noise a cross
  assert.equal(enc.shape.scale.range[0], 'circle');
  assert.match(enc.shape.scale.range[1], /^M -1 0 A/);
  assert.equal(enc.shape.scale.range[2], 'cross');
  assert.match(svg, /5,000 of 30,000 points drawn \(seeded random sample, seed 0\)/);
  assert.match(svg, /3 clusters, 1,500 noise points \(5\.0%\)/);
});

test('cluster scatter: a Matrix and kind names work; small clusters beyond the limit share a grey', () => {
  const n = 40;
  const m = matrix(n, 3, Float64Array.from({ length: 3 * n }, (_, i) => i));
  const labels = Int32Array.from({ length: n }, (_, i) => i % 20);
  const kinds = Array.from({ length: n }, () => 'core' as const);
  const spec = clusterScatterSpec(m, labels, kinds, { maxClusters: 5 });
  const enc = (spec as unknown as { encoding: { color: { scale: { domain: string[] } } } }).encoding;
  assert.equal(enc.color.scale.domain.length, 6);
  assert.equal(enc.color.scale.domain[5], '15 other clusters (30)');
  // a count of clusters past 999 with its thousands separator, as the points are
  const many = 1205 * 2;
  const wide = clusterScatterSpec(matrix(many, 2, Float64Array.from({ length: 2 * many }, (_, i) => i)), Int32Array.from({ length: many }, (_, i) => i % 1205), Array.from({ length: many }, () => 'core' as const), { maxClusters: 5 });
  assert.equal((wide as unknown as { encoding: { color: { scale: { domain: string[] } } } }).encoding.color.scale.domain[5], '1,200 other clusters (2,400)');
  const rows = (spec as unknown as { data: { values: { x: number; y: number }[] } }).data.values;
  assert.deepEqual([rows[1].x, rows[1].y], [3, 4], 'first two columns of row 1');
  assert.throws(() => clusterScatterSpec([1, 2, 3], [0], [2]), /x, y pairs/);
  assert.throws(() => clusterScatterSpec([1, 2], [0, 1], [2]), /1 points but 2 labels/);
});
