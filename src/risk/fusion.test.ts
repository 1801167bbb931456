import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zOf } from './fusion.js';
import { normalQuantile } from './normal-dist.js';

test('zOf is Φ⁻¹ of p bounded to [1e-9, 1 − 1e-9], bit for bit, the bounds included', () => {
  const bounded = (p: number): number => normalQuantile(Math.min(1 - 1e-9, Math.max(1e-9, p)));
  for (const p of [0, -1, 1e-300, 1e-12, 1e-9, 1.0000001e-9, 0.02, 0.4, 0.5, 0.95, 0.999999, 1 - 2e-9, 1 - 1e-9, 1 - 1e-12, 1, 2]) {
    assert.ok(Object.is(zOf(p), bounded(p)), `p ${p}: ${zOf(p)} vs ${bounded(p)}`);
  }
  assert.ok(zOf(1) > 5.9 && zOf(0) < -5.9);
  assert.ok(Number.isNaN(zOf(NaN)));
});
