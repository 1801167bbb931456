import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimizeLbfgs } from './lbfgs.js';

test('L-BFGS finds the minimum of the Rosenbrock function from the classic start', () => {
  const f = (x: Float64Array, g: Float64Array): number => {
    const a = 1 - x[0];
    const b = x[1] - x[0] * x[0];
    g[0] = -2 * a - 400 * x[0] * b;
    g[1] = 200 * b;
    return a * a + 100 * b * b;
  };
  const r = minimizeLbfgs(f, Float64Array.from([-1.2, 1]), { maxIter: 500, gtol: 1e-10 });
  assert.ok(r.converged, r.message);
  assert.ok(Math.abs(r.x[0] - 1) < 1e-6 && Math.abs(r.x[1] - 1) < 1e-6, `${r.x}`);
  // the strong Wolfe line search only accepts decreasing steps
  for (let i = 1; i < r.history.length; i++) assert.ok(r.history[i] <= r.history[i - 1], `f rose at iteration ${i}`);
  assert.equal(r.history.length, r.iterations + 1);
});

test('L-BFGS solves an ill-conditioned quadratic (condition number 10^4) to the gradient tolerance', () => {
  const n = 50;
  const h = Float64Array.from({ length: n }, (_, i) => 1 + (1e4 - 1) * (i / (n - 1)));
  const f = (x: Float64Array, g: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const d = x[i] - (i % 3);
      g[i] = h[i] * d;
      s += 0.5 * h[i] * d * d;
    }
    return s;
  };
  const r = minimizeLbfgs(f, new Float64Array(n).fill(5), { maxIter: 1000, gtol: 1e-8, ftol: 0 });
  assert.ok(r.converged, r.message);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(r.x[i] - (i % 3)) < 1e-8, `x[${i}] = ${r.x[i]}`);
});

test('L-BFGS stops at maxIter and says it did not converge', () => {
  const f = (x: Float64Array, g: Float64Array): number => {
    const a = 1 - x[0];
    const b = x[1] - x[0] * x[0];
    g[0] = -2 * a - 400 * x[0] * b;
    g[1] = 200 * b;
    return a * a + 100 * b * b;
  };
  const r = minimizeLbfgs(f, Float64Array.from([-1.2, 1]), { maxIter: 3, gtol: 1e-10 });
  assert.equal(r.iterations, 3);
  assert.equal(r.converged, false);
  assert.match(r.message, /max_iter=3/);
});
