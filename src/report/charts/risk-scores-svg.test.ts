import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { darkPixelCount, rasterise, renderPngBuffer } from './render.js';
import { riskScoresSpec } from './risk-scores.js';
import { riskScoresPng, riskScoresPngAsync, riskScoresSvg } from './risk-scores-svg.js';

// The SVG written directly must draw what Vega draws from the spec: same PNG bytes for risks in [0, 1]
const cases: [string, () => number[], number, { unit?: string; subtitle?: string }][] = [
  [
    'many flows, downsampled, a NaN, threshold low',
    () => {
      const r = new Rng(5);
      const s = Array.from({ length: 30_000 }, () => (r.next() < 0.03 ? 0.7 + 0.3 * r.next() : Math.min(1, Math.abs(r.normal()) * 0.15)));
      s[17] = NaN;
      return s;
    },
    0.7,
    {},
  ],
  [
    'most flows near 1, threshold near the top (label below the rule)',
    () => {
      const r = new Rng(9);
      return Array.from({ length: 5_000 }, () => 1 - r.next() ** 6);
    },
    0.999,
    {},
  ],
  ['a few hosts, whole, with a subtitle', () => [0.9, 0.1, 0.5, 0.5], 0.5, { unit: 'hosts', subtitle: 'office <LAN> & guests' }],
];

for (const [name, make, threshold, options] of cases) {
  test(`risk chart SVG: the same PNG as Vega draws from the spec (${name})`, async () => {
    const scores = make();
    const ours = riskScoresPng(scores, threshold, options);
    const vega = (await renderPngBuffer(riskScoresSpec(scores, threshold, options))).png;
    assert.ok(ours.equals(vega), 'byte-identical PNG');
    // drawn on libuv's thread pool (analyze on a small input): the same bytes
    assert.ok((await riskScoresPngAsync(scores, threshold, options)).equals(ours), 'the async drawing is byte-identical');
  });
}

test('risk chart SVG: texts, size and ink', () => {
  const svg = riskScoresSvg([0.2, 0.4, 0.99, 0.995, NaN], 0.99, { width: 500, height: 300 });
  assert.match(svg, /^<svg [^>]*width="500" height="300"/);
  assert.ok(svg.includes('threshold 0.99: 2 flows (50.0%) at or above'));
  assert.ok(svg.includes('1 NaN score left out'));
  assert.ok(svg.includes('Risk scores, sorted'));
  const img = rasterise(svg, 1);
  assert.equal(img.width, 500);
  assert.ok(darkPixelCount(img.pixels) > 0.01 * 500 * 300);
  assert.throws(() => riskScoresSvg([NaN], 0.5), /no scores/);
});
