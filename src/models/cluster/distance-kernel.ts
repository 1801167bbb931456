/**
 * The WebAssembly SIMD kernel behind the exact silhouette: for every pair of rows (i < j) it
 * computes the Euclidean distance and adds it to two per-cluster sums, S[i][label j] and
 * S[j][label i]. Everything the silhouette needs is then in S (n x clusters).
 *
 * Data layout, prepared by `packPanels`: rows are grouped in panels of four, and within a panel
 * stored column by column (k-major: the four values of column k side by side), so the inner loop
 * reads one 32-byte run per column from each panel. A 4 x 4 tile of dot products lives in eight
 * f64x2 registers; distances come out as sqrt(max(0, |a|^2 + |b|^2 - 2 a.b)), four rows at once.
 * The squared norms are computed once per row, in float64, by the caller.
 *
 * Accuracy: the |a|^2+|b|^2-2ab form loses relative accuracy for rows very close together (as
 * scikit-learn's euclidean_distances does): the absolute error on a distance is about
 * sqrt(1e-16 * |a|^2), so the caller centres the columns first to keep the norms small; on
 * standard-scaled data that is ~1e-7 on distances that a silhouette mean never notices.
 *
 * What it deliberately does not do: other metrics, float32 arithmetic, anything but the sums.
 */
import { wasm, type WasmModule } from '../../linalg/wasm-runtime.js';
import { assembleModule, FunctionBuilder, op, simd, ValType } from '../../linalg/wasm-assembler.js';

/** Rows per panel: the tile height and width. */
export const PANEL = 4;

/**
 * Copies rows into 4-row, column-major panels (padding rows are zero). Returns the panel buffer
 * (panels x d x 4) and the number of padded rows.
 */
export function packPanels(data: Float64Array, rows: number, d: number, out?: Float64Array): Float64Array {
  const padded = Math.ceil(rows / PANEL) * PANEL;
  const p = out ?? new Float64Array(padded * d);
  for (let r = 0; r < rows; r++) {
    const panel = r >> 2;
    const lane = r & 3;
    const src = r * d;
    const dst = panel * PANEL * d + lane;
    for (let k = 0; k < d; k++) p[dst + k * PANEL] = data[src + k];
  }
  return p;
}

/** The exported function, as JavaScript sees it. Addresses are byte offsets into the memory. */
export type ClusterSums = (
  panels: number,
  norms: number,
  labels: number,
  sums: number,
  d: number,
  stride: number,
  p0: number,
  p1: number,
  q0: number,
  q1: number,
) => void;

/**
 * `clusterSums(panels, norms, labels, sums, d, stride, p0, p1, q0, q1)`: for every panel p in
 * [p0, p1) and panel q in [max(p, q0), q1), every row pair (i in p, j in q, i < j) adds
 * dist(i, j) to sums[i * stride + labels[j]] and sums[j * stride + labels[i]]. `norms` holds |row|^2
 * as f64, `labels` as i32 (padding rows carry a label whose column is ignored), `sums` f64.
 */
export function clusterSumsModule(): Uint8Array<ArrayBuffer> {
  // parameters
  const PANELS = 0, NORMS = 1, LABELS = 2, SUMS = 3, D = 4, STRIDE = 5, P0 = 6, P1 = 7, Q0 = 8, Q1 = 9;
  const { i32: I32, f64: F64, v128: V128 } = ValType;
  const c = new FunctionBuilder('clusterSums', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const local = (t: ValType): number => c.local(t);
  const p = local(I32), q = local(I32), aPtr = local(I32), ap = local(I32), bp = local(I32), kEnd = local(I32);
  const panelBytes = local(I32), offDiag = local(I32);
  const labA = [0, 1, 2, 3].map(() => local(I32)); // labels[4p + r] * 8
  const rowA = [0, 1, 2, 3].map(() => local(I32)); // address of sums row 4p + r
  const labB = [0, 1, 2, 3].map(() => local(I32));
  const rowB = [0, 1, 2, 3].map(() => local(I32));
  const acc = [0, 1, 2, 3, 4, 5, 6, 7].map(() => local(V128)); // acc[2r + h]: row r, columns 2h, 2h+1
  const b0 = local(V128), b1 = local(V128), av = local(V128), nj01 = local(V128), nj23 = local(V128), ni = local(V128);
  const dist = local(F64);

  const block = (): void => void c.raw(op.block, 0x40);
  const loop = (): void => void c.raw(op.loop, 0x40);
  const end = (): void => void c.op(op.end);
  const i32Load = (offset: number): void => void c.mem(op.i32Load, offset, 2);
  const v128Load = (offset: number): void => void c.vmem(simd.v128Load, offset, 4);
  const splat64 = (offset: number): void => void c.vmem(simd.v128Load64Splat, offset, 3);
  const zero = (): void => void c.i32x4(0);

  // panelBytes = d * 4 rows * 8 bytes
  c.get(D).i32(32).op(op.i32Mul).set(panelBytes);
  c.get(P0).set(p);
  block();
  loop(); // over p
  {
    c.get(p).get(P1).op(op.i32GeU).raw(op.brIf, 1);
    c.get(PANELS).get(p).get(panelBytes).op(op.i32Mul).op(op.i32Add).set(aPtr);
    for (let r = 0; r < 4; r++) {
      // labA[r] = labels[4p + r] * 8; rowA[r] = sums + (4p + r) * stride * 8
      c.get(LABELS).get(p).i32(16).op(op.i32Mul).op(op.i32Add);
      i32Load(r * 4);
      c.i32(3).op(op.i32Shl).set(labA[r]);
      c.get(p).i32(4).op(op.i32Mul).i32(r).op(op.i32Add).get(STRIDE).op(op.i32Mul).i32(3).op(op.i32Shl).get(SUMS).op(op.i32Add).set(rowA[r]);
    }
    // q = max(p, q0)
    c.get(p).get(Q0).get(p).get(Q0).op(op.i32GtU).op(op.select).set(q);
    block();
    loop(); // over q
    {
      c.get(q).get(Q1).op(op.i32GeU).raw(op.brIf, 1);
      c.get(aPtr).set(ap);
      c.get(PANELS).get(q).get(panelBytes).op(op.i32Mul).op(op.i32Add).set(bp);
      c.get(aPtr).get(panelBytes).op(op.i32Add).set(kEnd);
      for (const a of acc) (zero(), c.set(a));
      // dot products: one column k per turn
      loop();
      {
        c.get(bp);
        v128Load(0);
        c.set(b0).get(bp);
        v128Load(16);
        c.set(b1);
        for (let r = 0; r < 4; r++) {
          c.get(ap);
          splat64(r * 8);
          c.set(av);
          c.get(acc[2 * r]).get(av).get(b0).v(simd.f64x2Mul).v(simd.f64x2Add).set(acc[2 * r]);
          c.get(acc[2 * r + 1]).get(av).get(b1).v(simd.f64x2Mul).v(simd.f64x2Add).set(acc[2 * r + 1]);
        }
        c.get(ap).i32(32).op(op.i32Add).set(ap);
        c.get(bp).i32(32).op(op.i32Add).set(bp);
        c.get(ap).get(kEnd).op(op.i32LtU).raw(op.brIf, 0);
      }
      end();
      // distances, in place of the dot products
      c.get(NORMS).get(q).i32(32).op(op.i32Mul).op(op.i32Add);
      v128Load(0);
      c.set(nj01).get(NORMS).get(q).i32(32).op(op.i32Mul).op(op.i32Add);
      v128Load(16);
      c.set(nj23);
      for (let r = 0; r < 4; r++) {
        c.get(NORMS).get(p).i32(32).op(op.i32Mul).op(op.i32Add);
        splat64(r * 8);
        c.set(ni);
        for (let h = 0; h < 2; h++) {
          const a = acc[2 * r + h];
          zero();
          c.get(ni).get(h === 0 ? nj01 : nj23).v(simd.f64x2Add).get(a).get(a).v(simd.f64x2Add).v(simd.f64x2Sub);
          c.v(simd.f64x2Pmax).v(simd.f64x2Sqrt).set(a);
        }
      }
      // labels and sums rows of the q panel
      for (let k = 0; k < 4; k++) {
        c.get(LABELS).get(q).i32(16).op(op.i32Mul).op(op.i32Add);
        i32Load(k * 4);
        c.i32(3).op(op.i32Shl).set(labB[k]);
        c.get(q).i32(4).op(op.i32Mul).i32(k).op(op.i32Add).get(STRIDE).op(op.i32Mul).i32(3).op(op.i32Shl).get(SUMS).op(op.i32Add).set(rowB[k]);
      }
      c.get(p).get(q).op(op.i32Ne).set(offDiag);
      for (let r = 0; r < 4; r++) {
        for (let k = 0; k < 4; k++) {
          // on the diagonal panel only pairs with column k > row r count (i < j)
          const guarded = k <= r;
          if (guarded) c.get(offDiag).raw(op.if, 0x40);
          c.get(acc[2 * r + (k >> 1)]).vLane(simd.f64x2ExtractLane, k & 1).set(dist);
          c.get(rowA[r]).get(labB[k]).op(op.i32Add).tee(ap).get(ap).mem(op.f64Load, 0, 3).get(dist).op(op.f64Add).mem(op.f64Store, 0, 3);
          c.get(rowB[k]).get(labA[r]).op(op.i32Add).tee(ap).get(ap).mem(op.f64Load, 0, 3).get(dist).op(op.f64Add).mem(op.f64Store, 0, 3);
          if (guarded) end();
        }
      }
      c.get(q).i32(1).op(op.i32Add).set(q);
      c.raw(op.br, 0);
    }
    end();
    end();
    c.get(p).i32(1).op(op.i32Add).set(p);
    c.raw(op.br, 0);
  }
  end();
  end();
  return assembleModule([c], { initialPages: 1, maximumPages: MAX_PAGES, shared: false });
}

/** Memory pages the module accepts at most (4 GiB, all of wasm32); the caller's memory declares the same. */
export const MAX_PAGES = 65536;

let compiled: WasmModule | undefined;

/** The compiled module (compiled once per thread). */
export function clusterSumsWasm(): WasmModule {
  compiled ??= new wasm.Module(clusterSumsModule());
  return compiled;
}
