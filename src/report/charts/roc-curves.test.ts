import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { assertChartRenders } from './chart-fixtures.js';
import { rocCurvesSpec } from './roc-curves.js';

/** A ROC curve with one point per row: n rows, positives shifted by `sep`. */
function curve(n: number, sep: number, seed: number): { fpr: Float64Array; tpr: Float64Array; auc: number } {
  const r = new Rng(seed);
  const s: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const y = r.next() < 0.3 ? 1 : 0;
    s.push([r.normal() + y * sep, y]);
  }
  s.sort((a, b) => b[0] - a[0]);
  const P = s.filter((x) => x[1] === 1).length;
  const N = n - P;
  const fpr = new Float64Array(n + 1);
  const tpr = new Float64Array(n + 1);
  let tp = 0;
  let fp = 0;
  let auc = 0;
  s.forEach(([, y], i) => {
    if (y) tp++;
    else fp++;
    fpr[i + 1] = fp / N;
    tpr[i + 1] = tp / P;
    auc += ((fpr[i + 1] - fpr[i]) * (tpr[i + 1] + tpr[i])) / 2;
  });
  return { fpr, tpr, auc };
}

test('ROC curves: AUC in the legend, long curves cut to 1,000 points, ends kept', async () => {
  const big = curve(20_000, 2, 1);
  const small = curve(300, 1, 2);
  const spec = rocCurvesSpec([
    { name: 'Random forest', ...big },
    { name: 'Autoencoder', ...small },
  ]);
  const { rows, svg } = await assertChartRenders('roc-curves', spec, 'ROC curves');
  const rf = rows.filter((r) => typeof r.curve === 'string' && (r.curve as string).startsWith('Random forest'));
  const ae = rows.filter((r) => typeof r.curve === 'string' && (r.curve as string).startsWith('Autoencoder'));
  assert.equal(rf.length, 1000);
  assert.equal(ae.length, 301, 'a short curve is drawn whole');
  assert.deepEqual([rf[0].fpr, rf[0].tpr], [0, 0]);
  assert.deepEqual([rf[999].fpr, rf[999].tpr], [1, 1]);
  assert.ok(svg.includes(`Random forest (AUC ${big.auc.toFixed(3)})`));
  assert.match(svg, /1 curve drawn with 1,000 of up to 20,001 points/);
  assert.ok(svg.includes('False positive rate') && svg.includes('True positive rate'));
});

test('ROC curves: mismatched arrays and no curves are user errors', () => {
  assert.throws(() => rocCurvesSpec([]), /no curves/);
  assert.throws(() => rocCurvesSpec([{ name: 'x', fpr: [0, 1], tpr: [0], auc: 0.5 }]), /2 fpr values but 1 tpr/);
});
