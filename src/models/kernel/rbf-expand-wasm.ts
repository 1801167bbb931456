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
 * The caller (JavaScript) lists each row's non-zero cells (shifted by the origin, times 2γ) and
 * its −γ‖x‖² in wasm memory; one call scores a chunk of rows. Layout, byte offsets:
 * [svT: active × mPad f64 | svTerm mPad | coef mPad | acc mPad | rowStart i32 × (CHUNK+1) |
 *  nzOff i32 × CHUNK·cols | nzVal f64 × CHUNK·cols | xTerm f64 × CHUNK | out f64 × CHUNK].
 * mPad is the support vector count rounded up to even; the pad has coef 0.
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
/**
 * Non-zero cells added per pass over the support vectors: each pass loads and stores the sums
 * once, so eight cells a pass move an eighth of the sums' memory traffic of one (two was a
 * quarter). The sums still add the cells one after another in row order: the same bits.
 */
const WIDE = 8;

const F64X2_SPLAT = 0x14;
const F64X2_MAX = 0xf5;
const F64X2_MIN = 0xf4;
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
 * `expand1(svT, mPad, svTerm, coef, acc, rowStart, nzOff, nzVal, xTerm, rows, out)`: for r < rows,
 * out[r] = Σ_s coef[s] · exp(xTerm[r] + svTerm[s] + Σ_t nzVal[t] · svT[nzOff[t] + s]), t over
 * rowStart[r] .. rowStart[r+1]; nzOff are byte offsets of a column's run from svT.
 */
function buildExpand(): FunctionBuilder {
  const f = new FunctionBuilder('expand1', new Array<ValType>(11).fill(I32));
  const [SVT, MPAD, SVTERM, COEF, ACC, ROWSTART, NZOFF, NZVAL, XTERM, ROWS, OUT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const r = f.local(I32);
  const t = f.local(I32);
  const tEnd = f.local(I32);
  const s = f.local(I32);
  const bytes = f.local(I32);
  // columns and values of up to WIDE cells added in one pass over the support vectors
  const cs = Array.from({ length: WIDE }, () => f.local(I32));
  const vs = Array.from({ length: WIDE }, () => f.local(V128));
  const [c1, c2] = cs;
  const [v1, v2] = vs;
  const xt = f.local(V128);
  const x = f.local(V128);
  const n = f.local(V128);
  const p = f.local(V128);
  const sum = f.local(V128);
  const load = (offset = 0): void => void f.vmem(simd.v128Load, offset, 4);
  const store = (): void => void f.vmem(simd.v128Store, 0, 4);
  /** body(s) for s = 0, 16, … < mPad · 8: one f64x2 pair of support vectors at a time */
  const overSupportVectors = (body: () => void): void => {
    f.i32(0).set(s);
    f.whileLoop(
      () => f.get(s).get(bytes).op(op.i32LtS),
      () => {
        body();
        f.addTo(s, 16);
      },
    );
  };
  /** the byte offset from svT of the run of non-zero cell t + k's column, into local c */
  const cellColumn = (k: number, c: number): void => void f.get(NZOFF).get(t).i32(2).op(op.i32Shl).op(op.i32Add).mem(op.i32Load, 4 * k, 2).get(SVT).op(op.i32Add).set(c);
  /** non-zero cell t + k's value (times 2γ) in both lanes, into local v */
  const cellValue = (k: number, v: number): void => void f.get(NZVAL).get(t).i32(3).op(op.i32Shl).op(op.i32Add).vmem(simd.v128Load64Splat, 8 * k, 3).set(v);
  /** acc += Σ v · column c over the given (c, v) locals */
  const accumulate = (cells: [c: number, v: number][]): void =>
    overSupportVectors(() => {
      f.get(ACC).get(s).op(op.i32Add);
      f.get(ACC).get(s).op(op.i32Add);
      load();
      for (const [c, v] of cells) {
        f.get(c).get(s).op(op.i32Add);
        load();
        f.get(v).v(simd.f64x2Mul).v(simd.f64x2Add);
      }
      store();
    });
  f.get(MPAD).i32(3).op(op.i32Shl).set(bytes);
  f.i32(0).set(r);
  f.whileLoop(
    () => f.get(r).get(ROWS).op(op.i32LtS),
    () => {
      // acc = 0
      overSupportVectors(() => {
        f.get(ACC).get(s).op(op.i32Add).i32x4(0);
        store();
      });
      // t over the row's non-zero cells, WIDE at a time, then two at a time
      f.get(ROWSTART).get(r).i32(2).op(op.i32Shl).op(op.i32Add).mem(op.i32Load, 0, 2).set(t);
      f.get(ROWSTART).get(r).i32(2).op(op.i32Shl).op(op.i32Add).mem(op.i32Load, 4, 2).set(tEnd);
      f.whileLoop(
        () => f.get(t).i32(WIDE - 1).op(op.i32Add).get(tEnd).op(op.i32LtS),
        () => {
          for (let k = 0; k < WIDE; k++) {
            cellColumn(k, cs[k]);
            cellValue(k, vs[k]);
          }
          accumulate(cs.map((c, k): [number, number] => [c, vs[k]]));
          f.addTo(t, WIDE);
        },
      );
      f.whileLoop(
        () => f.get(t).i32(1).op(op.i32Add).get(tEnd).op(op.i32LtS),
        () => {
          cellColumn(0, c1);
          cellColumn(1, c2);
          cellValue(0, v1);
          cellValue(1, v2);
          accumulate([[c1, v1], [c2, v2]]);
          f.addTo(t, 2);
        },
      );
      // the odd one left
      f.get(t).get(tEnd).op(op.i32LtS).ifElse(() => {
        cellColumn(0, c1);
        cellValue(0, v1);
        accumulate([[c1, v1]]);
      });
      // sum = Σ coef · exp(xTerm + svTerm + acc)
      f.get(XTERM).get(r).i32(3).op(op.i32Shl).op(op.i32Add).vmem(simd.v128Load64Splat, 0, 3).set(xt);
      f.i32x4(0).set(sum);
      overSupportVectors(() => {
        f.get(xt).get(SVTERM).get(s).op(op.i32Add);
        load();
        f.v(simd.f64x2Add).get(ACC).get(s).op(op.i32Add);
        load();
        f.v(simd.f64x2Add);
        // x = min(max(x, −708), 0) (NaN stays NaN through max's NaN rule)
        f64x2Const(f, -708);
        f.v(F64X2_MAX);
        f64x2Const(f, 0);
        f.v(F64X2_MIN).set(x);
        f.get(x);
        f64x2Const(f, 1 / Math.LN2);
        f.v(simd.f64x2Mul).v(F64X2_NEAREST).set(n);
        f.get(x).get(n);
        f64x2Const(f, LN2_HI);
        f.v(simd.f64x2Mul).v(simd.f64x2Sub).get(n);
        f64x2Const(f, LN2_LO);
        f.v(simd.f64x2Mul).v(simd.f64x2Sub).set(x);
        // Horner: p = 1 + x(1 + x/2(1 + x/3(… (1 + x/13))))
        f64x2Const(f, 1);
        f.set(p);
        for (let k = TAYLOR; k >= 1; k--) {
          f.get(p).get(x).v(simd.f64x2Mul);
          f64x2Const(f, 1 / k);
          f.v(simd.f64x2Mul);
          f64x2Const(f, 1);
          f.v(simd.f64x2Add).set(p);
        }
        // 2^n from the bits of n + 1023 + 2^52
        f.get(p).get(n);
        f64x2Const(f, 1023 + 2 ** 52);
        f.v(simd.f64x2Add).i32(52).v(I64X2_SHL).v(simd.f64x2Mul);
        f.get(COEF).get(s).op(op.i32Add);
        load();
        f.v(simd.f64x2Mul).get(sum).v(simd.f64x2Add).set(sum);
      });
      f.get(OUT).get(r).i32(3).op(op.i32Shl).op(op.i32Add);
      f.get(sum).vLane(simd.f64x2ExtractLane, 0).get(sum).vLane(simd.f64x2ExtractLane, 1).op(op.f64Add);
      f.mem(op.f64Store, 0, 3);
      f.addTo(r, 1);
    },
  );
  return f;
}

interface Kernel {
  readonly memory: WasmMemory;
  readonly expand1: (...args: number[]) => void;
  loaded?: Expansion;
}

let kernel: Kernel | null | undefined;

function getKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = assembleModule([buildExpand()], { initialPages: 16, maximumPages: 32768, shared: false });
    const memory = new wasm.Memory({ initial: 16, maximum: 32768 });
    const e = new wasm.Instance(new wasm.Module(bytes), { env: { memory } }).exports;
    kernel = { memory, expand1: e.expand1 as (...args: number[]) => void };
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
  const accOff = coefOff + 8 * mPad;
  const rowStartOff = accOff + 8 * mPad;
  const nzOffOff = rowStartOff + 4 * (CHUNK + 2);
  const nzValOff = align16(nzOffOff + 4 * CHUNK * d);
  const xTermOff = nzValOff + 8 * CHUNK * d;
  const outOff = xTermOff + 8 * CHUNK;
  const need = outOff + 8 * CHUNK;
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
    k.loaded = e;
  }
  const rowStart = new Int32Array(buf, rowStartOff, CHUNK + 1);
  const nzOff = new Int32Array(buf, nzOffOff, CHUNK * d);
  const nzVal = new Float64Array(buf, nzValOff, CHUNK * d);
  const xTerm = new Float64Array(buf, xTermOff, CHUNK);
  const res = new Float64Array(buf, outOff, CHUNK);
  const data = X.data;
  const colBytes = 8 * mPad;
  const row: ShiftedRow = { sq: 0 };
  for (let c0 = start; c0 < end; c0 += CHUNK) {
    const c1 = Math.min(end, c0 + CHUNK);
    let nnz = 0;
    for (let r = c0; r < c1; r++) {
      rowStart[r - c0] = nnz;
      nnz = shiftRow(e, data, r * d, colBytes, nzOff, nzVal, nnz, row);
      xTerm[r - c0] = -gamma * row.sq;
    }
    rowStart[c1 - c0] = nnz;
    k.expand1(svtOff, mPad, svTermOff, coefOff, accOff, rowStartOff, nzOffOff, nzValOff, xTermOff, c1 - c0, outOff);
    out.set(res.subarray(0, c1 - c0), c0 - start);
  }
}

function align16(n: number): number {
  return (n + 15) & ~15;
}
