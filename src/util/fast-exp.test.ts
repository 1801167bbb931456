import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './rng.js';
import { expNeg } from './fast-exp.js';

test('expNeg agrees with Math.exp to 1e-13 relative over the kernel range', () => {
  const rng = new Rng(1);
  let worst = 0;
  for (let i = 0; i < 200000; i++) {
    // both small arguments (kernel values near 1) and large ones (near 0)
    const x = -rng.next() * (i % 2 ? 700 : 2);
    const rel = Math.abs(expNeg(x) - Math.exp(x)) / Math.exp(x);
    if (rel > worst) worst = rel;
  }
  assert.ok(worst < 1e-13, `worst relative error ${worst}`);
});

test('expNeg edge cases: 0 and positive give 1, below −745 gives 0, NaN stays NaN', () => {
  assert.equal(expNeg(0), 1);
  assert.equal(expNeg(-0), 1);
  assert.equal(expNeg(3), 1);
  assert.equal(expNeg(-800), 0);
  assert.equal(expNeg(-Infinity), 0);
  assert.ok(Number.isNaN(expNeg(NaN)));
  assert.ok(Math.abs(expNeg(-1) - Math.E ** -1) < 1e-16);
});
