/**
 * Per-source aggregation: what a source's row says about the detectors and classes that fired on
 * its flows (counts, order, sources without any), batch after batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSourceAggregation } from './source-aggregation.js';
import type { ScoredFlows } from './score-stage.js';

/** a scored batch: per row its source, risk and each detector's p (in `detectors` order) */
function scored(detectors: string[], rows: { src: string | null; risk: number; p: number[]; cls?: string }[]): ScoredFlows {
  const n = rows.length;
  return {
    rows: n,
    detectors,
    p: detectors.map((_d, j) => Float64Array.from(rows.map((r) => r.p[j]))),
    risk: Float64Array.from(rows.map((r) => r.risk)),
    z: Float64Array.from(rows.map((r) => (r.risk > 0.5 ? 3 : -1))),
    attackClass: rows.map((r) => r.cls),
    flowThreshold: 0.99,
    srcIp: (r: number) => rows[r].src,
    time: (r: number) => Date.UTC(2024, 0, 1) + r * 1000,
  } as unknown as ScoredFlows;
}

test('detectors fired are counted per source, most flows first, ties in the order they first fired', () => {
  const agg = createSourceAggregation();
  const dets = ['isolation-forest', 'autoencoder', 'one-class-svm'];
  agg.add(
    scored(dets, [
      { src: '10.0.0.1', risk: 0.995, p: [0.1, 0.1, 0.999] },
      { src: '10.0.0.1', risk: 0.999, p: [0.995, 0.1, 0.999] },
      { src: '10.0.0.2', risk: 0.2, p: [0.1, 0.2, 0.3] },
      { src: null, risk: 1, p: [1, 1, 1] },
    ]),
  );
  // a later batch with its own detectors array (same names): counts carry on by name
  agg.add(
    scored([...dets], [
      { src: '10.0.0.1', risk: 0.999, p: [0.1, 0.999, 0.1], cls: 'PortScan' },
      { src: '10.0.0.1', risk: 0.999, p: [0.999, 0.1, 0.1], cls: 'PortScan' },
      { src: '10.0.0.3', risk: 0.999, p: [0.1, 0.999, 0.999], cls: 'DDoS' },
    ]),
  );
  const rows = agg.rows([], new Map(), 1);
  const one = rows.find((r) => r.ip === '10.0.0.1')!;
  assert.equal(one.flows, 4);
  assert.equal(one.riskyFlows, 4);
  // one-class-svm fired first and twice, isolation-forest twice after it, autoencoder once
  assert.deepEqual(Object.entries(one.detectorsFired), [
    ['one-class-svm', 2],
    ['isolation-forest', 2],
    ['autoencoder', 1],
  ]);
  assert.deepEqual(one.attackClasses, { PortScan: 2 });
  assert.ok(one.reasons.includes('detectors fired: one-class-svm on 2 flows, isolation-forest on 2 flows, autoencoder on 1 flows'), one.reasons.join(' | '));
  assert.ok(one.reasons.includes('classifier: PortScan ×2'));
  const quiet = rows.find((r) => r.ip === '10.0.0.2')!;
  assert.deepEqual(quiet.detectorsFired, {});
  assert.deepEqual(quiet.attackClasses, {});
  assert.ok(!quiet.reasons.some((t) => t.startsWith('detectors fired') || t.startsWith('classifier')));
  const third = rows.find((r) => r.ip === '10.0.0.3')!;
  assert.deepEqual(Object.entries(third.detectorsFired), [
    ['autoencoder', 1],
    ['one-class-svm', 1],
  ]);
  assert.deepEqual(agg.sources(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  // take() gives the same row and forgets the source
  const taken = agg.take(['10.0.0.1'], [], 1)[0];
  assert.deepEqual(taken.detectorsFired, one.detectorsFired);
  assert.deepEqual(agg.sources(), ['10.0.0.2', '10.0.0.3']);
});
