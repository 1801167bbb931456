import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { assertChartRenders } from './chart-fixtures.js';
import { riskScoresSpec } from './risk-scores.js';

test('risk scores: sorted, cut to 2,000 points keeping the extremes, threshold counted and labelled', async () => {
  const r = new Rng(5);
  const scores = Float64Array.from({ length: 100_000 }, () => (r.next() < 0.03 ? 0.7 + 0.3 * r.next() : Math.min(1, Math.abs(r.normal()) * 0.15)));
  scores[17] = NaN;
  let above = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const s of scores) {
    if (Number.isNaN(s)) continue;
    if (s >= 0.7) above++;
    min = Math.min(min, s);
    max = Math.max(max, s);
  }
  const spec = riskScoresSpec(scores, 0.7);
  const { rows, svg } = await assertChartRenders('risk-scores', spec, 'Risk scores, sorted');
  const line = rows.filter((x) => 'risk' in x);
  assert.equal(line.length, 2000);
  assert.equal(line[0].risk, min);
  assert.equal(line[1999].risk, max);
  const risks = line.map((x) => x.risk as number);
  assert.deepEqual(risks, [...risks].sort((a, b) => a - b));
  const label = `threshold 0.7: ${above.toLocaleString('en-US')} flows (${((above / 99_999) * 100).toFixed(1)}%) at or above`;
  assert.ok(svg.includes(label), label);
  assert.match(svg, /1 NaN score left out/);
  assert.match(svg, /2,000 of 99,999 points drawn/);
});

test('risk scores: a small set is drawn whole; a bad threshold is a user error', async () => {
  const spec = riskScoresSpec([0.9, 0.1, 0.5, 0.5], 0.5, { unit: 'hosts' });
  const { rows, svg } = await assertChartRenders('risk-scores-small', spec, 'Risk scores, sorted');
  assert.deepEqual(rows.filter((x) => 'risk' in x).map((x) => x.risk), [0.1, 0.5, 0.5, 0.9]);
  assert.ok(svg.includes('threshold 0.5: 3 hosts (75.0%) at or above'));
  assert.throws(() => riskScoresSpec([0.1], NaN), /finite number/);
  assert.throws(() => riskScoresSpec([NaN], 0.5), /no scores/);
});
