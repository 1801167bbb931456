/**
 * The one-output kernel expansion f(x) = Σ_s c_s exp(−γ‖x − s‖²) (one-class SVM scoring, binary
 * SVC) in WebAssembly SIMD, f64x2: the same sums as `expand` in rbf.ts, two support vectors per
 * instruction, with a vector exponential instead of one call per pair.
 *
 * Why: scoring a flow with a CIC baseline's one-class SVM (123 support vectors, ~40 non-zero cells
 * of 85 after the mode shift) was 11-20 µs of the ~30-55 µs a flow cost (bench script
 * baseline-scoring): V8 neither vectorises the multiply-add runs nor inlines a table exponential
 * as tightly as this.
 *
 * Why f64 and not f32: the exponent is γ(‖x‖² + ‖s‖² − 2x·s), a difference of large terms; in f32
 * its error reaches 1e-6 of ‖x‖², which moves scores visibly. In f64 the only differences from
 * `expand` are the order of the sums and the exponential below; scores agree to ~1e-13 relative
 * (the tests compare both on real CIC flows with a bound of 1e-9 · (1 + |f|)).
 *
 * Exponential, two lanes at once, for x ≤ 0 (x > 0, only rounding, gives 1 as expNeg does):
 *     x = max(x, −708); n = nearest(x / ln 2); r = x − n·ln2_hi − n·ln2_lo  (|r| ≤ ln2 / 2)
 *     e^r by its Taylor series to r¹³/13! (truncation < 2e-17 relative; with the rounding of
 *     Horner's steps, within 1e-14 relative of Math.exp, tested), 2^n from the bits:
 *     (n + 1023 + 2^52) as f64 holds n + 1023 in its low bits; shifted left by 52 it is 2^n.
 * Below −708 the true value is under 3e-308: the clamp changes a score by less than that.
 *
 * For sparse rows the caller (JavaScript) lists each row's non-zero cells (shifted by the origin,
 * times 2γ) and its −γ‖x‖² in wasm memory; dense rows are copied in and shifted there (shift2);
 * one call scores a chunk of rows. Layout, byte offsets:
 * [svT: active × mPad f64 | svTerm mPad | coef mPad | rowStart i32 × (CHUNK+1) |
 *  nzOff i32 × CHUNK·cols | nzVal f64 × CHUNK·cols (dense rows: the rows as given) |
 *  vals f64 × (CHUNK+1)·active | xTerm f64 × (CHUNK+1) | out f64 × (CHUNK+1) | origin f64 × cols |
 *  colMap i32 × cols].
 * mPad is the support vector count rounded up to even; the pad has coef 0.
 *
 * Rows whose active cells are nearly all non-zero (CIC flows: 77 of 79) go two at a time through
 * `expand2` with their cells dense (each support vector value loaded once for both rows); sparse
 * rows (one-hot NSL-KDD) through `expand1` with their non-zero lists. Each chunk takes the way
 * the previous chunk's density called for (a newly loaded expansion's first chunk, its first 8
 * rows'); both give the same bits (see buildExpand2).
 *
 * Not here: several outputs (multi-class SVC keeps rbf.ts's loop), threads (kernel-jobs.ts calls
 * this per chunk, so workers and the calling thread compute alike).
 */
import type { Matrix } from '../../features/matrix.js';
import { assembleModule, FunctionBuilder, op, simd, ValType } from '../../linalg/wasm-assembler.js';
import { wasm, type WasmMemory } from '../../linalg/wasm-runtime.js';
import { expand, shiftRow, type Expansion, type ShiftedRow } from './rbf.js';

const { i32: I32, v128: V128 } = ValType;
/** rows per kernel call: their non-zero lists stay small */
const CHUNK = 256;
/** support vector pairs scored together (see buildExpand): their sums live in registers (6 was fastest of 4–12 on CIC) */
const BLOCK = 6;

const F64X2_SPLAT = 0x14;
const F64X2_PMIN = 0xf6;
const F64X2_PMAX = 0xf7;
const F64X2_NEAREST = 0x94;
const I64X2_SHL = 0xcb;

const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const TAYLOR = 13;

function f64x2Const(f: FunctionBuilder, v: number): void {
  const b = new Uint8Array(new Float64Array([v, v]).buffer);
  f.v(simd.v128Const).raw(...b);
}

/**
 * `expand1(svT, mPad, svTerm, coef, rowStart, nzOff, nzVal, xTerm, rows, out)`: for r < rows,
 * out[r] = Σ_s coef[s] · exp(xTerm[r] + svTerm[s] + Σ_t nzVal[t] · svT[nzOff[t] + s]), t over
 * rowStart[r] .. rowStart[r+1]; nzOff are byte offsets of a column's run from svT.
 *
 * Support vectors go BLOCK pairs at a time: the block's sums stay in registers while the row's
 * cells are added (no sums in memory, loaded and stored once per few cells), BLOCK independent
 * chains of adds overlap, and the block's kernel values are added to the total right after.
 * Each sum still adds the row's cells one after another in row order, starting from 0, and the
 * total adds the pairs in support vector order: the same operations on the same numbers as one
 * pair at a time, so the same bits. The pairs past the last whole block go one at a time.
 */
function buildExpand(): FunctionBuilder {
  const f = new FunctionBuilder('expand1', new Array<ValType>(10).fill(I32));
  const [SVT, MPAD, SVTERM, COEF, ROWSTART, NZOFF, NZVAL, XTERM, ROWS, OUT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const r = f.local(I32);
  const s = f.local(I32);
  const bytes = f.local(I32);
  const blockEnd = f.local(I32);
  const rest = f.local(I32);
  // the row's cells: byte addresses of the first one's column offset and value, and the end
  const tFirst = f.local(I32);
  const tEnd = f.local(I32);
  const pOff = f.local(I32);
  const pVal = f.local(I32);
  // svT + s: the block's first support vector in column 0's run
  const sBase = f.local(I32);
  const cell = f.local(I32);
  const v = f.local(V128);
  const sums = Array.from({ length: BLOCK }, () => f.local(V128));
  const xt = f.local(V128);
  const xs = Array.from({ length: BLOCK }, () => f.local(V128));
  const ns = Array.from({ length: BLOCK }, () => f.local(V128));
  const sum = f.local(V128);
  // the exponential's constants, made once before the loops: V8 rebuilds a v128.const at every
  // use (a 64-bit immediate moved into a vector register and duplicated), and the exponential
  // used ~30 of them per support vector pair
  const constant = (value: number): number => {
    const l = f.local(V128);
    f64x2Const(f, value);
    f.set(l);
    return l;
  };
  const LOWEST = constant(-708);
  const ZERO = constant(0);
  const INV_LN2 = constant(1 / Math.LN2);
  const LN2H = constant(LN2_HI);
  const LN2L = constant(LN2_LO);
  const ONE = constant(1);
  const INV = [0, ONE];
  for (let j = 2; j <= TAYLOR; j++) INV.push(constant(1 / j));
  const EXP_BIAS = constant(1023 + 2 ** 52);
  const load = (offset = 0): void => void f.vmem(simd.v128Load, offset, 4);
  /** the kernel values of `pairs` pairs from support vector byte offset s, added to sum */
  const pairs = (count: number): void => {
    for (let k = 0; k < count; k++) f.get(ZERO).set(sums[k]);
    // over the row's cells: sums[k] += value · svT[column + s + 16k]
    f.get(tFirst).i32(2).op(op.i32Shl).get(NZOFF).op(op.i32Add).set(pOff);
    f.get(tFirst).i32(3).op(op.i32Shl).get(NZVAL).op(op.i32Add).set(pVal);
    f.get(SVT).get(s).op(op.i32Add).set(sBase);
    f.whileLoop(
      () => f.get(pOff).get(tEnd).op(op.i32LtU),
      () => {
        f.get(pOff).mem(op.i32Load, 0, 2).get(sBase).op(op.i32Add).set(cell);
        f.get(pVal).vmem(simd.v128Load64Splat, 0, 3).set(v);
        for (let k = 0; k < count; k++) {
          f.get(sums[k]).get(cell);
          load(16 * k);
          f.get(v).v(simd.f64x2Mul).v(simd.f64x2Add).set(sums[k]);
        }
        f.addTo(pOff, 4);
        f.addTo(pVal, 8);
      },
    );
    // the exponentials of the block's pairs, step by step across the pairs: each pair's steps are
    // a chain of dependent multiplies and adds, and the block's chains side by side overlap
    const each = (step: (k: number) => void): void => {
      for (let k = 0; k < count; k++) step(k);
    };
    each((k) => {
      // x = xTerm + svTerm + the sum, then x = min(max(x, −708), 0): pmax(x, c) = x < c ? c : x
      // and pmin(x, c) = c < x ? c : x are max and min for every x, NaN (kept) and −0 included
      f.get(xt).get(SVTERM).get(s).op(op.i32Add);
      load(16 * k);
      f.v(simd.f64x2Add).get(sums[k]).v(simd.f64x2Add);
      f.get(LOWEST).v(F64X2_PMAX).get(ZERO).v(F64X2_PMIN).set(xs[k]);
    });
    each((k) => f.get(xs[k]).get(INV_LN2).v(simd.f64x2Mul).v(F64X2_NEAREST).set(ns[k]));
    each((k) => {
      f.get(xs[k]).get(ns[k]).get(LN2H).v(simd.f64x2Mul).v(simd.f64x2Sub).get(ns[k]).get(LN2L).v(simd.f64x2Mul).v(simd.f64x2Sub).set(xs[k]);
    });
    // Horner: p = 1 + x(1 + x/2(1 + x/3(… (1 + x/13)))), p in sums[k] (free now); the last
    // step's ·(1/1) is left out (p · x · 1 is p · x for every double)
    each((k) => f.get(ONE).set(sums[k]));
    for (let j = TAYLOR; j >= 1; j--) {
      each((k) => {
        f.get(sums[k]).get(xs[k]).v(simd.f64x2Mul);
        if (j > 1) f.get(INV[j]).v(simd.f64x2Mul);
        f.get(ONE).v(simd.f64x2Add).set(sums[k]);
      });
    }
    // 2^n from the bits of n + 1023 + 2^52; sum += coef · p · 2^n, in pair order
    each((k) => {
      f.get(sums[k]).get(ns[k]).get(EXP_BIAS).v(simd.f64x2Add).i32(52).v(I64X2_SHL).v(simd.f64x2Mul);
      f.get(COEF).get(s).op(op.i32Add);
      load(16 * k);
      f.v(simd.f64x2Mul).get(sum).v(simd.f64x2Add).set(sum);
    });
  };
  f.get(MPAD).i32(3).op(op.i32Shl).set(bytes);
  // the last s where a whole block starts
  f.get(bytes).i32(16 * BLOCK).op(op.i32Sub).set(blockEnd);
  f.i32(0).set(r);
  f.whileLoop(
    () => f.get(r).get(ROWS).op(op.i32LtS),
    () => {
      f.get(ROWSTART).get(r).i32(2).op(op.i32Shl).op(op.i32Add).mem(op.i32Load, 0, 2).set(tFirst);
      f.get(ROWSTART).get(r).i32(2).op(op.i32Shl).op(op.i32Add).mem(op.i32Load, 4, 2).i32(2).op(op.i32Shl).get(NZOFF).op(op.i32Add).set(tEnd);
      f.get(XTERM).get(r).i32(3).op(op.i32Shl).op(op.i32Add).vmem(simd.v128Load64Splat, 0, 3).set(xt);
      f.get(ZERO).set(sum);
      f.i32(0).set(s);
      f.whileLoop(
        () => f.get(s).get(blockEnd).op(op.i32LeS),
        () => {
          pairs(BLOCK);
          f.addTo(s, 16 * BLOCK);
        },
      );
      // the pairs past the last whole block (fewer than BLOCK) as one block of their count
      f.get(bytes).get(s).op(op.i32Sub).i32(4).op(op.i32ShrU).set(rest);
      for (let c = BLOCK - 1; c >= 1; c--) {
        f.get(rest).i32(c).op(op.i32Eq).ifElse(() => pairs(c));
      }
      f.get(OUT).get(r).i32(3).op(op.i32Shl).op(op.i32Add);
      f.get(sum).vLane(simd.f64x2ExtractLane, 0).get(sum).vLane(simd.f64x2ExtractLane, 1).op(op.f64Add);
      f.mem(op.f64Store, 0, 3);
      f.addTo(r, 1);
    },
  );
  return f;
}

/** support vector pairs per block of the two-row kernel: 2 rows × PAIRS2 sums in registers (4 was fastest of 3–6 on CIC: 2.22 µs a flow against 2.45 at 3, 2.68 at 6) */
const PAIRS2 = 4;

/**
 * `expand2(svT, mPad, svTerm, coef, vals, active, xTerm, rows, out)`: expand1 for rows whose
 * cells are nearly all non-zero (CIC flows after the mode shift: 77 of 79 active columns), two
 * rows at a time. Each row's cells are given dense, vals[r · active + a] for every active column
 * a (0 where the row's shifted cell is 0), so both rows walk the same columns and each support
 * vector value loaded serves two rows: half the loads, and the support vectors (79 × 124 f64,
 * more than L1 holds) read from L2 once per two rows. `rows` must be even (the caller repeats a
 * last odd row).
 *
 * Same bits as expand1: a zero cell adds 0 · s = ±0 to a sum, which leaves it as it was (a sum
 * starts at +0, and adding ±0 to +0 or to any non-zero number changes nothing; a sum is never
 * −0, since x + y is −0 only when both are −0), and every other cell is added in the same column
 * order. The exponentials and the total are expand1's, operation for operation.
 */
function buildExpand2(): FunctionBuilder {
  const f = new FunctionBuilder('expand2', new Array<ValType>(9).fill(I32));
  const [SVT, MPAD, SVTERM, COEF, VALS, ACTIVE, XTERM, ROWS, OUT] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const r = f.local(I32);
  const s = f.local(I32);
  const bytes = f.local(I32);
  const blockEnd = f.local(I32);
  const rest = f.local(I32);
  const rowBytes = f.local(I32);
  const colBytes = f.local(I32);
  const pV0 = f.local(I32);
  const pEnd = f.local(I32);
  const pS = f.local(I32);
  const v0 = f.local(V128);
  const v1 = f.local(V128);
  const sv = f.local(V128);
  const acc = Array.from({ length: 2 * PAIRS2 }, () => f.local(V128));
  const xs = Array.from({ length: 2 * PAIRS2 }, () => f.local(V128));
  const ns = Array.from({ length: 2 * PAIRS2 }, () => f.local(V128));
  const xt = [f.local(V128), f.local(V128)];
  const sum = [f.local(V128), f.local(V128)];
  const constant = (value: number): number => {
    const l = f.local(V128);
    f64x2Const(f, value);
    f.set(l);
    return l;
  };
  const LOWEST = constant(-708);
  const ZERO = constant(0);
  const INV_LN2 = constant(1 / Math.LN2);
  const LN2H = constant(LN2_HI);
  const LN2L = constant(LN2_LO);
  const ONE = constant(1);
  const INV = [0, ONE];
  for (let j = 2; j <= TAYLOR; j++) INV.push(constant(1 / j));
  const EXP_BIAS = constant(1023 + 2 ** 52);
  const load = (offset = 0): void => void f.vmem(simd.v128Load, offset, 4);
  /** sums of `count` pairs from support vector byte offset s for both rows; acc[2k + row] */
  const pairs = (count: number): void => {
    for (let k = 0; k < 2 * count; k++) f.get(ZERO).set(acc[k]);
    f.get(VALS).get(r).get(rowBytes).op(op.i32Mul).op(op.i32Add).tee(pV0).get(rowBytes).op(op.i32Add).set(pEnd);
    f.get(SVT).get(s).op(op.i32Add).set(pS);
    f.whileLoop(
      () => f.get(pV0).get(pEnd).op(op.i32LtU),
      () => {
        f.get(pV0).vmem(simd.v128Load64Splat, 0, 3).set(v0);
        f.get(pV0).get(rowBytes).op(op.i32Add).vmem(simd.v128Load64Splat, 0, 3).set(v1);
        for (let k = 0; k < count; k++) {
          f.get(pS);
          load(16 * k);
          f.set(sv);
          f.get(acc[2 * k]).get(sv).get(v0).v(simd.f64x2Mul).v(simd.f64x2Add).set(acc[2 * k]);
          f.get(acc[2 * k + 1]).get(sv).get(v1).v(simd.f64x2Mul).v(simd.f64x2Add).set(acc[2 * k + 1]);
        }
        f.addTo(pV0, 8);
        f.addTo(pS, { local: colBytes });
      },
    );
    const each = (step: (i: number) => void): void => {
      for (let i = 0; i < 2 * count; i++) step(i);
    };
    each((i) => {
      f.get(xt[i & 1]).get(SVTERM).get(s).op(op.i32Add);
      load(16 * (i >> 1));
      f.v(simd.f64x2Add).get(acc[i]).v(simd.f64x2Add);
      f.get(LOWEST).v(F64X2_PMAX).get(ZERO).v(F64X2_PMIN).set(xs[i]);
    });
    each((i) => f.get(xs[i]).get(INV_LN2).v(simd.f64x2Mul).v(F64X2_NEAREST).set(ns[i]));
    each((i) => {
      f.get(xs[i]).get(ns[i]).get(LN2H).v(simd.f64x2Mul).v(simd.f64x2Sub).get(ns[i]).get(LN2L).v(simd.f64x2Mul).v(simd.f64x2Sub).set(xs[i]);
    });
    each((i) => f.get(ONE).set(acc[i]));
    for (let j = TAYLOR; j >= 1; j--) {
      each((i) => {
        f.get(acc[i]).get(xs[i]).v(simd.f64x2Mul);
        if (j > 1) f.get(INV[j]).v(simd.f64x2Mul);
        f.get(ONE).v(simd.f64x2Add).set(acc[i]);
      });
    }
    each((i) => {
      f.get(acc[i]).get(ns[i]).get(EXP_BIAS).v(simd.f64x2Add).i32(52).v(I64X2_SHL).v(simd.f64x2Mul);
      f.get(COEF).get(s).op(op.i32Add);
      load(16 * (i >> 1));
      f.v(simd.f64x2Mul).get(sum[i & 1]).v(simd.f64x2Add).set(sum[i & 1]);
    });
  };
  f.get(MPAD).i32(3).op(op.i32Shl).set(bytes);
  f.get(bytes).set(colBytes);
  f.get(ACTIVE).i32(3).op(op.i32Shl).set(rowBytes);
  f.get(bytes).i32(16 * PAIRS2).op(op.i32Sub).set(blockEnd);
  f.i32(0).set(r);
  f.whileLoop(
    () => f.get(r).get(ROWS).op(op.i32LtS),
    () => {
      for (let h = 0; h < 2; h++) {
        f.get(XTERM).get(r).i32(3).op(op.i32Shl).op(op.i32Add).vmem(simd.v128Load64Splat, 8 * h, 3).set(xt[h]);
        f.get(ZERO).set(sum[h]);
      }
      f.i32(0).set(s);
      f.whileLoop(
        () => f.get(s).get(blockEnd).op(op.i32LeS),
        () => {
          pairs(PAIRS2);
          f.addTo(s, 16 * PAIRS2);
        },
      );
      f.get(bytes).get(s).op(op.i32Sub).i32(4).op(op.i32ShrU).set(rest);
      for (let c = PAIRS2 - 1; c >= 1; c--) {
        f.get(rest).i32(c).op(op.i32Eq).ifElse(() => pairs(c));
      }
      for (let h = 0; h < 2; h++) {
        f.get(OUT).get(r).i32(3).op(op.i32Shl).op(op.i32Add);
        f.get(sum[h]).vLane(simd.f64x2ExtractLane, 0).get(sum[h]).vLane(simd.f64x2ExtractLane, 1).op(op.f64Add);
        f.mem(op.f64Store, 8 * h, 3);
      }
      f.addTo(r, 2);
    },
  );
  return f;
}

/**
 * `shift2(x, rows, cols, origin, colMap, g2, vals, active, xTerm, negGamma) → non-zero cells`:
 * rbf.ts's shiftRow, but dense, in wasm (in JavaScript it was ~0.3 µs a CIC flow, a sixth of the
 * kernel), for rows (f64, rows × cols at x): per row vals[r · active + colMap[j]] =
 * g2 · (x − origin[j]) (0 where that is 0), skipping columns with colMap −1, and xTerm[r] =
 * negGamma · ‖x − origin‖², summed over the columns in order as shiftRow sums it: the same
 * operations on the same doubles, so the same bits. Returns how many active cells were non-zero.
 */
function buildShift2(): FunctionBuilder {
  const F64 = ValType.f64;
  const f = new FunctionBuilder('shift2', [I32, I32, I32, I32, I32, F64, I32, I32, I32, F64], [I32]);
  const [X, ROWS, COLS, ORIGIN, COLMAP, G2, VALS, ACTIVE, XTERM, NEG_GAMMA] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const r = f.local(I32);
  const j = f.local(I32);
  const a = f.local(I32);
  const px = f.local(I32);
  const rowVals = f.local(I32);
  const nnz = f.local(I32);
  const v = f.local(F64);
  const sq = f.local(F64);
  f.get(X).set(px);
  f.get(VALS).set(rowVals);
  f.i32(0).set(r);
  f.whileLoop(
    () => f.get(r).get(ROWS).op(op.i32LtS),
    () => {
      f.f64(0).set(sq);
      f.i32(0).set(j);
      f.whileLoop(
        () => f.get(j).get(COLS).op(op.i32LtS),
        () => {
          // v = x[j] − origin[j]; a = colMap[j]
          f.get(px).get(j).i32(3).op(op.i32Shl).op(op.i32Add).mem(op.f64Load, 0, 3);
          f.get(ORIGIN).get(j).i32(3).op(op.i32Shl).op(op.i32Add).mem(op.f64Load, 0, 3);
          f.op(op.f64Sub).set(v);
          f.get(COLMAP).get(j).i32(2).op(op.i32Shl).op(op.i32Add).mem(op.i32Load, 0, 2).set(a);
          f.get(v).f64(0).op(op.f64Ne).ifElse(
            () => {
              f.get(sq).get(v).get(v).op(op.f64Mul).op(op.f64Add).set(sq);
              f.get(a).i32(0).op(op.i32GeS).ifElse(() => {
                f.get(rowVals).get(a).i32(3).op(op.i32Shl).op(op.i32Add).get(G2).get(v).op(op.f64Mul).mem(op.f64Store, 0, 3);
                f.addTo(nnz, 1);
              });
            },
            () => {
              f.get(a).i32(0).op(op.i32GeS).ifElse(() => {
                f.get(rowVals).get(a).i32(3).op(op.i32Shl).op(op.i32Add).f64(0).mem(op.f64Store, 0, 3);
              });
            },
          );
          f.addTo(j, 1);
        },
      );
      f.get(XTERM).get(r).i32(3).op(op.i32Shl).op(op.i32Add).get(NEG_GAMMA).get(sq).op(op.f64Mul).mem(op.f64Store, 0, 3);
      f.get(px).get(COLS).i32(3).op(op.i32Shl).op(op.i32Add).set(px);
      f.get(rowVals).get(ACTIVE).i32(3).op(op.i32Shl).op(op.i32Add).set(rowVals);
      f.addTo(r, 1);
    },
  );
  f.get(nnz);
  return f;
}

interface Kernel {
  readonly memory: WasmMemory;
  readonly expand1: (...args: number[]) => void;
  readonly expand2: (...args: number[]) => void;
  readonly shift2: (...args: number[]) => number;
  loaded?: Expansion;
  /** whether the loaded expansion's last chunk of rows was dense enough for expand2 (undefined: none yet) */
  dense?: boolean;
}

let kernel: Kernel | null | undefined;

function getKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = assembleModule([buildExpand(), buildExpand2(), buildShift2()], { initialPages: 16, maximumPages: 32768, shared: false });
    const memory = new wasm.Memory({ initial: 16, maximum: 32768 });
    const e = new wasm.Instance(new wasm.Module(bytes), { env: { memory } }).exports;
    kernel = { memory, expand1: e.expand1 as (...args: number[]) => void, expand2: e.expand2 as (...args: number[]) => void, shift2: e.shift2 as (...args: number[]) => number };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the wasm path runs here (false under --jitless or without SIMD). */
export function wasmExpandAvailable(): boolean {
  return getKernel() !== null;
}

/**
 * out[r − start] = Σ_s coef[s] K(x_r, s) for rows [start, end) of X, one output: the wasm kernel,
 * or rbf.ts's `expand` where it cannot run (several outputs, no WebAssembly).
 */
export function expandOne(e: Expansion, X: Matrix, out: Float64Array, start = 0, end = X.rows): void {
  const k = e.outputs === 1 ? getKernel() : null;
  if (!k) {
    expand(e, X, out, start, end);
    return;
  }
  const { gamma, count: m, cols: d, svT, svSq, coef } = e;
  const active = m > 0 ? svT.length / m : 0;
  const mPad = (m + 1) & ~1;
  const svtOff = 0;
  const svTermOff = svtOff + 8 * active * mPad;
  const coefOff = svTermOff + 8 * mPad;
  const rowStartOff = coefOff + 8 * mPad;
  const nzOffOff = rowStartOff + 4 * (CHUNK + 2);
  const nzValOff = align16(nzOffOff + 4 * CHUNK * d);
  const valsOff = nzValOff + 8 * CHUNK * d;
  const xTermOff = valsOff + 8 * (CHUNK + 1) * active;
  const outOff = xTermOff + 8 * (CHUNK + 1);
  const originOff = outOff + 8 * (CHUNK + 1);
  const colMapOff = originOff + 8 * d;
  const need = colMapOff + 4 * d;
  const have = k.memory.buffer.byteLength;
  if (need > have) {
    k.memory.grow(Math.ceil((need - have) / 65536));
    k.loaded = undefined;
  }
  const buf = k.memory.buffer as ArrayBuffer;
  if (k.loaded !== e) {
    const t = new Float64Array(buf, svtOff, active * mPad);
    for (let a = 0; a < active; a++) {
      t.set(svT.subarray(a * m, (a + 1) * m), a * mPad);
      if (mPad > m) t[a * mPad + m] = 0;
    }
    const st = new Float64Array(buf, svTermOff, mPad);
    const cf = new Float64Array(buf, coefOff, mPad);
    for (let s = 0; s < m; s++) {
      st[s] = -gamma * svSq[s];
      cf[s] = coef[s];
    }
    if (mPad > m) {
      st[m] = 0;
      cf[m] = 0;
    }
    new Float64Array(buf, originOff, d).set(e.origin);
    new Int32Array(buf, colMapOff, d).set(e.colMap);
    k.loaded = e;
    k.dense = undefined;
  }
  const rowStart = new Int32Array(buf, rowStartOff, CHUNK + 1);
  const nzOff = new Int32Array(buf, nzOffOff, CHUNK * d);
  const nzVal = new Float64Array(buf, nzValOff, CHUNK * d);
  const vals = new Float64Array(buf, valsOff, (CHUNK + 1) * active);
  const xTerm = new Float64Array(buf, xTermOff, CHUNK + 1);
  const res = new Float64Array(buf, outOff, CHUNK + 1);
  const data = X.data;
  const colBytes = 8 * mPad;
  const row: ShiftedRow = { sq: 0 };
  for (let c0 = start; c0 < end; c0 += CHUNK) {
    const c1 = Math.min(end, c0 + CHUNK);
    const rows = c1 - c0;
    let nnz = 0;
    // a newly loaded expansion's first chunk: the density of its first few rows decides
    k.dense ??= denseRows(e, data, c0, Math.min(c1, c0 + PROBE_ROWS), active);
    if (k.dense) {
      // the rows into wasm memory (nzVal's room, unused this way), shifted there
      nzVal.set(data.subarray(c0 * d, c1 * d));
      nnz = k.shift2(nzValOff, rows, d, originOff, colMapOff, 2 * gamma, valsOff, active, xTermOff, -gamma);
      // an odd last row goes twice (its second result is not read)
      if (rows & 1) {
        vals.copyWithin(rows * active, (rows - 1) * active, rows * active);
        xTerm[rows] = xTerm[rows - 1];
      }
      k.expand2(svtOff, mPad, svTermOff, coefOff, valsOff, active, xTermOff, rows + (rows & 1), outOff);
    } else {
      for (let r = c0; r < c1; r++) {
        rowStart[r - c0] = nnz;
        nnz = shiftRow(e, data, r * d, colBytes, nzOff, nzVal, nnz, row);
        xTerm[r - c0] = -gamma * row.sq;
      }
      rowStart[rows] = nnz;
      k.expand1(svtOff, mPad, svTermOff, coefOff, rowStartOff, nzOffOff, nzValOff, xTermOff, rows, outOff);
    }
    // the next chunk goes the way this one's density calls for
    k.dense = nnz >= DENSE_SHARE * rows * active;
    out.set(res.subarray(0, rows), c0 - start);
  }
}

/**
 * Share of a chunk's active cells that must be non-zero for the next chunk to go to expand2: it
 * computes every active cell, expand1 only the non-zero ones but with twice the loads per cell.
 */
const DENSE_SHARE = 0.7;

/** rows whose density picks the way of a newly loaded expansion's first chunk */
const PROBE_ROWS = 8;

/** Whether rows [r0, r1) have at least DENSE_SHARE of their active cells non-zero. */
function denseRows(e: Expansion, data: Float64Array, r0: number, r1: number, active: number): boolean {
  const { cols: d, origin, colMap } = e;
  let nnz = 0;
  for (let r = r0; r < r1; r++) for (let j = 0; j < d; j++) if (colMap[j] >= 0 && data[r * d + j] - origin[j] !== 0) nnz++;
  return nnz >= DENSE_SHARE * (r1 - r0) * active;
}

function align16(n: number): number {
  return (n + 15) & ~15;
}
