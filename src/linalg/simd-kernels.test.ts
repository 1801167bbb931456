import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F32Arena } from './arena.js';
import { ACCUMULATE, RELU, kernelModuleBytes } from './simd-kernels.js';
import { adamRef, colSumRef, gemmNNRef, gemmTNRef, transposeRef } from './gemm-reference.js';
import { Rng } from '../util/rng.js';
import { wasm } from './wasm-runtime.js';

function fill(view: Float32Array, rng: Rng): Float32Array {
  for (let i = 0; i < view.length; i++) view[i] = rng.normal();
  return view;
}

function assertClose(got: Float32Array, want: Float32Array | Float64Array, tol: number, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d > tol * (1 + Math.abs(want[i]))) assert.fail(`${what}: index ${i}: got ${got[i]}, want ${want[i]}`);
  }
}

test('the generated module validates as WebAssembly', () => {
  assert.ok(wasm.validate(kernelModuleBytes(false)));
  assert.ok(wasm.validate(kernelModuleBytes(true)));
});

// shapes cover full 4x8 blocks, the 1-row tail, the 4-column tail, k = 1 and odd k
const shapes: [number, number, number][] = [
  [1, 1, 4], [3, 5, 4], [4, 7, 8], [5, 3, 12], [9, 17, 20], [32, 120, 64], [13, 64, 120], [2, 1, 8],
];

test('gemmNN matches the reference with bias, accumulate, ReLU and mask', () => {
  const rng = new Rng(1);
  for (const [m, k, n] of shapes) {
    const arena = F32Arena.create(F32Arena.bytesFor(m * k + k * n + 3 * m * n + n) + 1024);
    const a = arena.alloc(m * k), b = arena.alloc(k * n), c = arena.alloc(m * n);
    const bias = arena.alloc(n), mask = arena.alloc(m * n), c0 = arena.alloc(m * n);
    fill(a.view, rng); fill(b.view, rng); fill(bias.view, rng); fill(mask.view, rng); fill(c0.view, rng);
    for (const flags of [0, RELU, ACCUMULATE, RELU | ACCUMULATE]) {
      for (const useBias of [false, true]) {
        for (const useMask of [false, true]) {
          c.view.set(c0.view);
          const want = Float64Array.from(c0.view);
          gemmNNRef(a.view, b.view, want, m, k, n, {
            bias: useBias ? bias.view : undefined, mask: useMask ? mask.view : undefined,
            relu: (flags & RELU) !== 0, accumulate: (flags & ACCUMULATE) !== 0,
          });
          arena.kernels.gemmNN(a.ptr, b.ptr, c.ptr, m, k, n, useBias ? bias.ptr : 0, useMask ? mask.ptr : 0, flags);
          assertClose(c.view, want, 1e-4, `gemmNN ${m}x${k}x${n} flags ${flags} bias ${useBias} mask ${useMask}`);
        }
      }
    }
  }
});

test('gemmTN matches the reference, storing and accumulating', () => {
  const rng = new Rng(2);
  for (const [m, k0, n] of shapes) {
    const k = (k0 + 3) & ~3;
    const arena = F32Arena.create(F32Arena.bytesFor(m * k + m * n + 2 * k * n) + 1024);
    const a = arena.alloc(m * k), z = arena.alloc(m * n), w = arena.alloc(k * n), w0 = arena.alloc(k * n);
    fill(a.view, rng); fill(z.view, rng); fill(w0.view, rng);
    for (const acc of [false, true]) {
      w.view.set(w0.view);
      const want = Float64Array.from(w0.view);
      gemmTNRef(a.view, z.view, want, m, k, n, acc);
      arena.kernels.gemmTN(a.ptr, z.ptr, w.ptr, m, k, n, acc ? ACCUMULATE : 0);
      assertClose(w.view, want, 1e-4, `gemmTN ${m}x${k}x${n} acc ${acc}`);
    }
  }
});

test('colSum and transpose match the reference', () => {
  const rng = new Rng(3);
  for (const [m, k, n] of shapes) {
    const arena = F32Arena.create(F32Arena.bytesFor(m * n * 2 + 2 * n + m * k * 2) + 1024);
    const z = arena.alloc(m * n), out = arena.alloc(n);
    fill(z.view, rng); fill(out.view, rng);
    const want = Float64Array.from(out.view);
    colSumRef(z.view, want, m, n, true);
    arena.kernels.colSum(z.ptr, out.ptr, m, n, ACCUMULATE);
    assertClose(out.view, want, 1e-5, `colSum ${m}x${n}`);
    colSumRef(z.view, want, m, n, false);
    arena.kernels.colSum(z.ptr, out.ptr, m, n, 0);
    assertClose(out.view, want, 1e-5, `colSum ${m}x${n} store`);

    const src = arena.alloc(m * k), dst = arena.alloc(m * k);
    fill(src.view, rng);
    const wantT = new Float64Array(m * k);
    transposeRef(src.view, wantT, m, k);
    arena.kernels.transpose(src.ptr, dst.ptr, m, k);
    assertClose(dst.view, wantT, 0, `transpose ${m}x${k}`);
  }
});

test('adam matches the reference step by step', () => {
  const rng = new Rng(4);
  const count = 36;
  const arena = F32Arena.create(F32Arena.bytesFor(count) * 4 + 1024);
  const p = arena.alloc(count), g = arena.alloc(count), m = arena.alloc(count), v = arena.alloc(count);
  fill(p.view, rng);
  const p0 = Float64Array.from(p.view);
  const rp = Float64Array.from(p.view), rm = new Float64Array(count), rv = new Float64Array(count);
  for (let t = 1; t <= 5; t++) {
    fill(g.view, rng);
    for (let i = 0; i < count; i++) g.view[i] = Math.abs(g.view[i]) + 0.1; // one direction, so steps add up
    const step = 1e-3 / (1 - 0.9 ** t), inv2 = 1 / Math.sqrt(1 - 0.999 ** t);
    adamRef(rp, g.view, rm, rv, count, step, inv2, 1e-8, 0.9, 0.999, 0.01);
    arena.kernels.adam(p.ptr, g.ptr, m.ptr, v.ptr, count, step, inv2, 1e-8, 0.9, 0.999, 0.01);
  }
  assertClose(p.view, rp, 1e-5, 'adam parameters');
  assertClose(m.view, rm, 1e-5, 'adam first moment');
  // Adam moves each parameter by about lr per step whatever the gradient's scale
  for (let i = 0; i < count; i++) {
    const moved = Math.abs(p.view[i] - p0[i]);
    assert.ok(moved > 1e-4 && moved < 6e-3, `parameter ${i} moved ${moved}`);
  }
});

test('sigmoid matches 1 / (1 + exp(-x)) to float32 precision, saturating cleanly', () => {
  const xs = [-200, -90, -87.5, -30, -10, -1, -0.5, -1e-3, 0, 1e-3, 0.3466, 0.5, 1, 3, 10, 30, 88.5, 200];
  const count = 4 * Math.ceil((xs.length + 400) / 4);
  const arena = F32Arena.create(F32Arena.bytesFor(count) + 1024);
  const b = arena.alloc(count);
  const want = new Float64Array(count);
  for (let i = 0; i < count; i++) b.view[i] = i < xs.length ? xs[i] : -20 + (40 * (i - xs.length)) / 400;
  for (let i = 0; i < count; i++) want[i] = 1 / (1 + Math.exp(-b.view[i]));
  arena.kernels.sigmoid(b.ptr, count);
  for (let i = 0; i < count; i++) {
    const err = Math.abs(b.view[i] - want[i]);
    assert.ok(err <= 3e-7 * want[i] + 1e-38, `sigmoid(${i < xs.length ? xs[i] : 'grid'}): got ${b.view[i]}, want ${want[i]}`);
  }
});
