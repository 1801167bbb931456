import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { assertChartRenders } from './chart-fixtures.js';
import { kDistanceSpec } from './k-distance.js';

test('k-distance: sorted ascending, cut to 2,000 points with min and max kept, eps labelled', async () => {
  const r = new Rng(3);
  const d = Float64Array.from({ length: 30_000 }, () => (r.next() < 0.05 ? 2 + 20 * r.next() : Math.abs(r.normal()) * 0.3));
  d[123] = NaN;
  const spec = kDistanceSpec(d, 0.9, { k: 5 });
  const { rows, svg } = await assertChartRenders('k-distance', spec, 'k-distance curve (k = 5)');
  const line = rows.filter((x) => 'distance' in x);
  assert.equal(line.length, 2000);
  const ds = line.map((x) => x.distance as number);
  assert.deepEqual(ds, [...ds].sort((a, b) => a - b));
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) if (!Number.isNaN(v)) (min = Math.min(min, v)), (max = Math.max(max, v));
  assert.equal(ds[0], min);
  assert.equal(ds[1999], max);
  assert.equal(line[1999].rank, 29_999);
  assert.ok(svg.includes('suggested eps = 0.9'));
  assert.match(svg, /2,000 of 29,999 points drawn/);
  assert.match(svg, /1 non-finite distance left out/);
});

test('k-distance: without an eps no rule is drawn; no distances is a user error', async () => {
  const spec = kDistanceSpec([0.3, 0.1, 0.2]);
  const { rows, svg } = await assertChartRenders('k-distance-no-eps', spec, 'k-distance curve');
  assert.ok(svg.includes('Distance to k-th nearest neighbour'));
  assert.deepEqual(rows.map((x) => x.distance), [0.1, 0.2, 0.3]);
  assert.ok(!svg.includes('suggested eps'));
  assert.throws(() => kDistanceSpec([NaN]), /no finite distances/);
});
