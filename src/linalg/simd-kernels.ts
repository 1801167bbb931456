/**
 * The dense float32 kernels of neural-network training, generated as WebAssembly SIMD (f32x4) by
 * wasm-assembler.ts and run on memory that JavaScript owns:
 *
 *   gemmNN   C = A·B (+ bias row) (+ C) then optional ReLU, optional mask "keep where M > 0"
 *            forward pass (Z = X·W + b, ReLU fused) and backward to inputs (dX = dZ·Wᵀ with Wᵀ
 *            materialised by `transpose`, the ReLU derivative fused as the mask)
 *   gemmTN   W = Aᵀ·Z (+ W): weight gradients, summed over the rows of a batch
 *   colSum   out = Σ rows (+ out): bias gradients
 *   transpose
 *   adam     one Adam step (with L2 decay) over a flat block of parameters
 *   sigmoid  in place, with a polynomial exp (wasm has no exp; Math.exp per value was ~20% of
 *            autoencoder training before this kernel)
 *
 * Why wasm: these loops are most of training time and V8 does not vectorise JavaScript; f32x4
 * with register-blocked micro-kernels (4 rows x 8 columns of C held in registers across the whole
 * inner-product loop) measured 13-18x faster than a 4-way unrolled scalar JavaScript i-p-j loop
 * on Float32Array (32x120x64 products, same run), and ~30 GFLOP/s on one idle core. The scalar
 * versions in gemm-reference.ts are the oracle of the tests.
 *
 * Shape rules, deliberately narrow to keep the generated code small: every matrix is row-major
 * and contiguous; the column counts named `n` (and `k` for gemmTN) must be multiples of 4, so
 * callers pad widths with zero columns (`pad4`). Row counts and the inner dimension of gemmNN are
 * free. Pointers are BYTE offsets into the arena's memory and must be multiples of 4.
 * Nothing here allocates, checks bounds beyond what wasm itself traps on, or knows about layers.
 */
import { assembleModule, FunctionBuilder, op, simd, ValType } from './wasm-assembler.js';
import { wasm, type WasmMemory, type WasmModule } from './wasm-runtime.js';

const { i32, f32, v128 } = ValType;

/** Round a width up to the SIMD lane count. */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** gemmNN flags */
export const RELU = 1;
export const ACCUMULATE = 2;

// ---------------------------------------------------------------------------------------------
// gemmNN(a, b, c, m, k, n, bias, mask, flags):  C[m×n] = A[m×k] · B[k×n]

function buildGemmNN(): FunctionBuilder {
  const f = new FunctionBuilder('gemmNN', [i32, i32, i32, i32, i32, i32, i32, i32, i32]);
  const [A, B, C, M, K, N, BIAS, MASK, FLAGS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const i = f.local(i32);
  const j = f.local(i32);
  const p = f.local(i32);
  const pb = f.local(i32);
  const pc = f.local(i32);
  const rowB = f.local(i32); // n*4 bytes
  const rowA = f.local(i32); // k*4 bytes
  const pa = [f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const acc: number[][] = [];
  for (let r = 0; r < 4; r++) acc.push([f.local(v128), f.local(v128)]);
  const bv = [f.local(v128), f.local(v128)];
  const s = f.local(v128);
  const t = f.local(v128);
  const zero = f.local(v128);
  f.f32x4(0).set(zero);

  f.get(N).i32(2).op(op.i32Shl).set(rowB);
  f.get(K).i32(2).op(op.i32Shl).set(rowA);

  /** The R x (4V) block of C at rows i.., columns j.. */
  const micro = (R: number, V: number): void => {
    // accumulators start at the bias row, or zero
    f.get(BIAS).ifElse(
      () => {
        for (let v = 0; v < V; v++) {
          f.get(BIAS).get(j).i32(2).op(op.i32Shl).op(op.i32Add).vmem(simd.v128Load, 16 * v).set(acc[0][v]);
          for (let r = 1; r < R; r++) f.get(acc[0][v]).set(acc[r][v]);
        }
      },
      () => {
        for (let r = 0; r < R; r++) for (let v = 0; v < V; v++) f.get(zero).set(acc[r][v]);
      },
    );
    for (let r = 0; r < R; r++) {
      // pa[r] = A + (i + r) * rowA
      f.get(A).get(i).i32(r).op(op.i32Add).get(rowA).op(op.i32Mul).op(op.i32Add).set(pa[r]);
    }
    f.get(B).get(j).i32(2).op(op.i32Shl).op(op.i32Add).set(pb);
    f.get(K).set(p);
    f.whileLoop(
      () => f.get(p),
      () => {
        for (let v = 0; v < V; v++) f.get(pb).vmem(simd.v128Load, 16 * v).set(bv[v]);
        for (let r = 0; r < R; r++) {
          f.get(pa[r]).vmem(simd.v128Load32Splat).set(s);
          for (let v = 0; v < V; v++) {
            f.get(acc[r][v]).get(s).get(bv[v]).v(simd.f32x4Mul).v(simd.f32x4Add).set(acc[r][v]);
          }
          f.addTo(pa[r], 4);
        }
        f.addTo(pb, { local: rowB });
        f.get(p).i32(1).op(op.i32Sub).set(p);
      },
    );
    for (let r = 0; r < R; r++) {
      // pc = ((i + r) * n + j) * 4, relative to C (and to MASK)
      f.get(i).i32(r).op(op.i32Add).get(N).op(op.i32Mul).get(j).op(op.i32Add).i32(2).op(op.i32Shl).set(pc);
      for (let v = 0; v < V; v++) {
        const a = acc[r][v];
        f.get(FLAGS).i32(ACCUMULATE).op(op.i32And).ifElse(() => {
          f.get(a).get(C).get(pc).op(op.i32Add).vmem(simd.v128Load, 16 * v).v(simd.f32x4Add).set(a);
        });
        f.get(FLAGS).i32(RELU).op(op.i32And).ifElse(() => {
          f.get(a).get(zero).v(simd.f32x4Pmax).set(a);
        });
        f.get(MASK).ifElse(() => {
          f.get(MASK).get(pc).op(op.i32Add).vmem(simd.v128Load, 16 * v).set(t);
          f.get(a).get(t).get(zero).v(simd.f32x4Gt).v(simd.v128And).set(a);
        });
        f.get(C).get(pc).op(op.i32Add).get(a).vmem(simd.v128Store, 16 * v);
      }
    }
  };

  const columnSweep = (R: number): void => {
    f.i32(0).set(j);
    f.whileLoop(
      () => f.get(j).i32(8).op(op.i32Add).get(N).op(op.i32LeS),
      () => {
        micro(R, 2);
        f.addTo(j, 8);
      },
    );
    f.get(j).get(N).op(op.i32LtS).ifElse(() => micro(R, 1));
  };

  f.i32(0).set(i);
  f.whileLoop(
    () => f.get(i).i32(4).op(op.i32Add).get(M).op(op.i32LeS),
    () => {
      columnSweep(4);
      f.addTo(i, 4);
    },
  );
  f.whileLoop(
    () => f.get(i).get(M).op(op.i32LtS),
    () => {
      columnSweep(1);
      f.addTo(i, 1);
    },
  );
  return f;
}

// ---------------------------------------------------------------------------------------------
// gemmTN(a, z, w, m, k, n, flags):  W[k×n] = A[m×k]ᵀ · Z[m×n]   (k and n multiples of 4)

function buildGemmTN(): FunctionBuilder {
  const f = new FunctionBuilder('gemmTN', [i32, i32, i32, i32, i32, i32, i32]);
  const [A, Z, W, M, K, N, FLAGS] = [0, 1, 2, 3, 4, 5, 6];
  const a0 = f.local(i32);
  const j = f.local(i32);
  const p = f.local(i32);
  const pa = f.local(i32);
  const pz = f.local(i32);
  const pw = f.local(i32);
  const rowA = f.local(i32);
  const rowZ = f.local(i32);
  const acc: number[][] = [];
  for (let r = 0; r < 4; r++) acc.push([f.local(v128), f.local(v128)]);
  const zv = [f.local(v128), f.local(v128)];
  const s = f.local(v128);

  f.get(K).i32(2).op(op.i32Shl).set(rowA);
  f.get(N).i32(2).op(op.i32Shl).set(rowZ);

  const micro = (V: number): void => {
    for (let r = 0; r < 4; r++) for (let v = 0; v < V; v++) f.f32x4(0).set(acc[r][v]);
    f.get(A).get(a0).i32(2).op(op.i32Shl).op(op.i32Add).set(pa);
    f.get(Z).get(j).i32(2).op(op.i32Shl).op(op.i32Add).set(pz);
    f.get(M).set(p);
    f.whileLoop(
      () => f.get(p),
      () => {
        for (let v = 0; v < V; v++) f.get(pz).vmem(simd.v128Load, 16 * v).set(zv[v]);
        for (let r = 0; r < 4; r++) {
          f.get(pa).vmem(simd.v128Load32Splat, 4 * r).set(s);
          for (let v = 0; v < V; v++) {
            f.get(acc[r][v]).get(s).get(zv[v]).v(simd.f32x4Mul).v(simd.f32x4Add).set(acc[r][v]);
          }
        }
        f.addTo(pa, { local: rowA });
        f.addTo(pz, { local: rowZ });
        f.get(p).i32(1).op(op.i32Sub).set(p);
      },
    );
    for (let r = 0; r < 4; r++) {
      // pw = W + ((a0 + r) * n + j) * 4
      f.get(W).get(a0).i32(r).op(op.i32Add).get(N).op(op.i32Mul).get(j).op(op.i32Add).i32(2).op(op.i32Shl).op(op.i32Add).set(pw);
      for (let v = 0; v < V; v++) {
        f.get(FLAGS).i32(ACCUMULATE).op(op.i32And).ifElse(() => {
          f.get(acc[r][v]).get(pw).vmem(simd.v128Load, 16 * v).v(simd.f32x4Add).set(acc[r][v]);
        });
        f.get(pw).get(acc[r][v]).vmem(simd.v128Store, 16 * v);
      }
    }
  };

  f.i32(0).set(a0);
  f.whileLoop(
    () => f.get(a0).get(K).op(op.i32LtS),
    () => {
      f.i32(0).set(j);
      f.whileLoop(
        () => f.get(j).i32(8).op(op.i32Add).get(N).op(op.i32LeS),
        () => {
          micro(2);
          f.addTo(j, 8);
        },
      );
      f.get(j).get(N).op(op.i32LtS).ifElse(() => micro(1));
      f.addTo(a0, 4);
    },
  );
  return f;
}

// ---------------------------------------------------------------------------------------------
// colSum(z, out, m, n, flags): out[n] = Σ_i Z[i, :] (+ out)   (n multiple of 4)

function buildColSum(): FunctionBuilder {
  const f = new FunctionBuilder('colSum', [i32, i32, i32, i32, i32]);
  const [Z, OUT, M, N, FLAGS] = [0, 1, 2, 3, 4];
  const j = f.local(i32);
  const p = f.local(i32);
  const pz = f.local(i32);
  const rowZ = f.local(i32);
  const acc = f.local(v128);
  f.get(N).i32(2).op(op.i32Shl).set(rowZ);
  f.i32(0).set(j);
  f.whileLoop(
    () => f.get(j).get(N).op(op.i32LtS),
    () => {
      f.f32x4(0).set(acc);
      f.get(Z).get(j).i32(2).op(op.i32Shl).op(op.i32Add).set(pz);
      f.get(M).set(p);
      f.whileLoop(
        () => f.get(p),
        () => {
          f.get(acc).get(pz).vmem(simd.v128Load).v(simd.f32x4Add).set(acc);
          f.addTo(pz, { local: rowZ });
          f.get(p).i32(1).op(op.i32Sub).set(p);
        },
      );
      f.get(FLAGS).i32(ACCUMULATE).op(op.i32And).ifElse(() => {
        f.get(acc).get(OUT).get(j).i32(2).op(op.i32Shl).op(op.i32Add).vmem(simd.v128Load).v(simd.f32x4Add).set(acc);
      });
      f.get(OUT).get(j).i32(2).op(op.i32Shl).op(op.i32Add).get(acc).vmem(simd.v128Store);
      f.addTo(j, 4);
    },
  );
  return f;
}

// ---------------------------------------------------------------------------------------------
// transpose(src, dst, rows, cols): dst[cols×rows] = src[rows×cols]ᵀ   (scalar; any shape)

function buildTranspose(): FunctionBuilder {
  const f = new FunctionBuilder('transpose', [i32, i32, i32, i32]);
  const [SRC, DST, ROWS, COLS] = [0, 1, 2, 3];
  const r = f.local(i32);
  const c = f.local(i32);
  const ps = f.local(i32);
  const pd = f.local(i32);
  const colStride = f.local(i32);
  f.get(ROWS).i32(2).op(op.i32Shl).set(colStride);
  f.get(SRC).set(ps);
  f.i32(0).set(r);
  f.whileLoop(
    () => f.get(r).get(ROWS).op(op.i32LtS),
    () => {
      f.get(DST).get(r).i32(2).op(op.i32Shl).op(op.i32Add).set(pd);
      f.i32(0).set(c);
      f.whileLoop(
        () => f.get(c).get(COLS).op(op.i32LtS),
        () => {
          f.get(pd).get(ps).mem(op.f32Load).mem(op.f32Store);
          f.addTo(ps, 4);
          f.addTo(pd, { local: colStride });
          f.addTo(c, 1);
        },
      );
      f.addTo(r, 1);
    },
  );
  return f;
}

// ---------------------------------------------------------------------------------------------
// adam(p, g, m, v, count, stepSize, invBias2, eps, beta1, beta2, decay)   (count multiple of 4)
//   g' = g + decay·p;  m = β1·m + (1-β1)·g';  v = β2·v + (1-β2)·g'²
//   p -= stepSize · m / (sqrt(v)·invBias2 + eps)
// which is PyTorch's form of the bias correction: stepSize = lr / (1 - β1ᵗ),
// invBias2 = 1 / sqrt(1 - β2ᵗ).

function buildAdam(): FunctionBuilder {
  const f = new FunctionBuilder('adam', [i32, i32, i32, i32, i32, f32, f32, f32, f32, f32, f32]);
  const [P, G, MO, VE, COUNT, STEP, INVB2, EPS, B1, B2, DECAY] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const off = f.local(i32);
  const end = f.local(i32);
  const [vStep, vInvB2, vEps, vB1, vOB1, vB2, vOB2, vDecay] = Array.from({ length: 8 }, () => f.local(v128));
  const g = f.local(v128);
  const m = f.local(v128);
  const v = f.local(v128);
  const pv = f.local(v128);

  f.get(STEP).v(simd.f32x4Splat).set(vStep);
  f.get(INVB2).v(simd.f32x4Splat).set(vInvB2);
  f.get(EPS).v(simd.f32x4Splat).set(vEps);
  f.get(B1).v(simd.f32x4Splat).set(vB1);
  f.f32(1).get(B1).op(op.f32Sub).v(simd.f32x4Splat).set(vOB1);
  f.get(B2).v(simd.f32x4Splat).set(vB2);
  f.f32(1).get(B2).op(op.f32Sub).v(simd.f32x4Splat).set(vOB2);
  f.get(DECAY).v(simd.f32x4Splat).set(vDecay);
  f.get(COUNT).i32(2).op(op.i32Shl).set(end);
  f.i32(0).set(off);
  f.whileLoop(
    () => f.get(off).get(end).op(op.i32LtS),
    () => {
      f.get(P).get(off).op(op.i32Add).vmem(simd.v128Load).set(pv);
      f.get(G).get(off).op(op.i32Add).vmem(simd.v128Load).get(pv).get(vDecay).v(simd.f32x4Mul).v(simd.f32x4Add).set(g);
      f.get(MO).get(off).op(op.i32Add).vmem(simd.v128Load).get(vB1).v(simd.f32x4Mul);
      f.get(g).get(vOB1).v(simd.f32x4Mul).v(simd.f32x4Add).set(m);
      f.get(VE).get(off).op(op.i32Add).vmem(simd.v128Load).get(vB2).v(simd.f32x4Mul);
      f.get(g).get(g).v(simd.f32x4Mul).get(vOB2).v(simd.f32x4Mul).v(simd.f32x4Add).set(v);
      f.get(MO).get(off).op(op.i32Add).get(m).vmem(simd.v128Store);
      f.get(VE).get(off).op(op.i32Add).get(v).vmem(simd.v128Store);
      // p - step * m / (sqrt(v) * invB2 + eps)
      f.get(P).get(off).op(op.i32Add);
      f.get(pv);
      f.get(vStep).get(m).v(simd.f32x4Mul);
      f.get(v).v(simd.f32x4Sqrt).get(vInvB2).v(simd.f32x4Mul).get(vEps).v(simd.f32x4Add);
      f.v(simd.f32x4Div).v(simd.f32x4Sub).vmem(simd.v128Store);
      f.addTo(off, 16);
    },
  );
  return f;
}

// ---------------------------------------------------------------------------------------------
// sigmoid(ptr, count): x = 1 / (1 + exp(-x)) in place   (count multiple of 4)
//
// exp(x) = 2^n · p(r) with n = round(x / ln 2), r = x - n·ln 2 (ln 2 split in two parts so r is
// exact, Cody and Waite), |r| <= ln(2)/2, p the degree-6 Taylor polynomial (relative error below
// 2e-7, about one float32 ulp), 2^n built directly in the exponent bits. x is clamped to
// [-87, 88] so 2^n stays a normal float; sigmoid then saturates at ~1e-38 and 1 as it should.

const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;

// Constants live in locals set before the loop: V8 rebuilds a v128.const on every use (measured
// ~1 ns per value inside a loop), and f32x4.min/max are NaN-exact multi-instruction sequences on
// x64, so the clamp uses pmin/pmax (single minps/maxps).
const EXP_CONSTANTS = [-87, 88, Math.LOG2E, LN2_HI, LN2_LO, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1] as const;

function buildSigmoid(): FunctionBuilder {
  const f = new FunctionBuilder('sigmoid', [i32, i32]);
  const [PTR, COUNT] = [0, 1];
  const off = f.local(i32);
  const end = f.local(i32);
  const x = f.local(v128);
  const n = f.local(v128);
  const r = f.local(v128);
  const p = f.local(v128);
  const k = EXP_CONSTANTS.map((c) => {
    const l = f.local(v128);
    f.f32x4(c).set(l);
    return l;
  });
  const [LO, HI, LOG2E, LN2H, LN2L, C720, C120, C24, C6, C2, ONE] = k;
  const bias127 = f.local(v128);
  f.i32x4(127).set(bias127);
  const ZERO = f.local(v128);
  f.f32x4(0).set(ZERO);
  f.get(PTR).get(COUNT).i32(2).op(op.i32Shl).op(op.i32Add).set(end);
  f.get(PTR).set(off);
  f.whileLoop(
    () => f.get(off).get(end).op(op.i32LtS),
    () => {
      f.get(off); // store address, below the value
      // x = clamp(-v)
      f.get(ZERO).get(off).vmem(simd.v128Load).v(simd.f32x4Sub).set(x);
      f.get(x).get(LO).v(simd.f32x4Pmax).get(HI).v(simd.f32x4Pmin).set(x);
      // n = round(x / ln 2); r = x - n ln 2
      f.get(x).get(LOG2E).v(simd.f32x4Mul).v(simd.f32x4Nearest).set(n);
      f.get(x).get(n).get(LN2H).v(simd.f32x4Mul).v(simd.f32x4Sub);
      f.get(n).get(LN2L).v(simd.f32x4Mul).v(simd.f32x4Sub).set(r);
      // Horner: p = 1 + r(1 + r(1/2 + r(1/6 + r(1/24 + r(1/120 + r/720)))))
      f.get(r).get(C720).v(simd.f32x4Mul).get(C120).v(simd.f32x4Add).set(p);
      for (const c of [C24, C6, C2, ONE, ONE]) f.get(p).get(r).v(simd.f32x4Mul).get(c).v(simd.f32x4Add).set(p);
      // exp(x) = p · 2^n, 2^n built as the float bits (n + 127) << 23
      f.get(ONE).get(ONE);
      f.get(n).v(simd.i32x4TruncSatF32x4S).get(bias127).v(simd.i32x4Add).i32(23).v(simd.i32x4Shl);
      f.get(p).v(simd.f32x4Mul);
      // 1 / (1 + exp(-v))
      f.v(simd.f32x4Add).v(simd.f32x4Div).vmem(simd.v128Store);
      f.addTo(off, 16);
    },
  );
  return f;
}

/** The exported kernels, as JavaScript sees them (all pointers are byte offsets). */
export interface SimdKernels {
  gemmNN(a: number, b: number, c: number, m: number, k: number, n: number, bias: number, mask: number, flags: number): void;
  gemmTN(a: number, z: number, w: number, m: number, k: number, n: number, flags: number): void;
  colSum(z: number, out: number, m: number, n: number, flags: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  adam(
    p: number, g: number, m: number, v: number, count: number,
    stepSize: number, invBias2: number, eps: number, beta1: number, beta2: number, decay: number,
  ): void;
  sigmoid(ptr: number, count: number): void;
}

/** Largest memory the kernels may address: 1 GiB, far above any batch we train on. */
export const MAX_PAGES = 16384;

/**
 * The compiled modules, each made on first use: scoring (analyze, a stream worker) only ever runs
 * the plain one, and assembling and compiling the shared one beside it was about half of the
 * ~8–10 ms CPU the first kernelModule call took (a fixed cost of every analyze run).
 */
const compiled: { shared?: WasmModule; plain?: WasmModule } = {};

/** The kernel module's bytes (exposed for tests and for workers that compile it themselves). */
export function kernelModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const fns = [buildGemmNN(), buildGemmTN(), buildColSum(), buildTranspose(), buildAdam(), buildSigmoid()];
  return assembleModule(fns, { initialPages: 1, maximumPages: MAX_PAGES, shared });
}

/** The compiled module (compiled once per process; a few kilobytes, so synchronously). */
export function kernelModule(shared: boolean): WasmModule {
  if (shared) return (compiled.shared ??= new wasm.Module(kernelModuleBytes(true)));
  return (compiled.plain ??= new wasm.Module(kernelModuleBytes(false)));
}

/** Whether this runtime runs wasm SIMD (Node 20 does; checked so we can fail with a clear word). */
export function simdSupported(): boolean {
  try {
    kernelModule(false);
    return true;
  } catch {
    return false;
  }
}

export function instantiateKernels(memory: WasmMemory, shared: boolean): SimdKernels {
  const inst = new wasm.Instance(kernelModule(shared), { env: { memory } });
  return inst.exports as unknown as SimdKernels;
}
