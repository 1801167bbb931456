/**
 * The gradient-boosted trees' batch walk in WebAssembly (POST /v1/predict): raw scores per row and
 * output = init + the leaf of every tree, in tree order, from boosted-scorer.ts's padded layout
 * (complete trees of depth D, children of heap position i at 2i+1 and 2i+2).
 *
 * Why WebAssembly: the walk is D dependent load-compare steps per tree and row (1,500 per row for
 * seed 004's 100 rounds x 5 classes of depth-3 trees). The JavaScript walk of four rows at a time
 * spends much of each step on typed-array bounds checks and on the index arithmetic of two
 * separate arrays; here a node is one 16-byte record (threshold f64, feature byte offset i32,
 * NaN-goes-right i32) so a step is two loads from one cache line and one from the row, with no
 * bounds checks, and eight rows walk side by side so the processor overlaps eight chains of loads.
 * The module is generated per model (our assembler, src/linalg/wasm-assembler.ts) with the depth,
 * tree count and outputs written in as constants and the depth loop unrolled.
 *
 * Exactness: comparisons are float64 on float64 rows, NaN is routed as trained (x > t, or x is NaN
 * and the node sends NaN right), and each row's score of output c is init[c] plus the leaves of
 * trees c, c + outputs, ... added in that order: the same doubles, summed in the same order, as
 * boosted-scorer.ts's JavaScript walk and gbdt.ts's predictProba, so the probabilities are equal.
 *
 * Rows are copied into the module's memory a chunk at a time by the caller's synchronous call, so
 * concurrent requests never share a half-written chunk.
 */
import { FunctionBuilder, assembleModule, op, ValType } from '../linalg/wasm-assembler.js';
import { wasm, type WasmMemory } from '../linalg/wasm-runtime.js';

// opcodes the assembler does not name (core spec numbering)
const F64_NE = 0x62;
const F64_GT = 0x64;
const I32_OR = 0x72;
const F64_LT = 0x63;
const I32_STORE8 = 0x3a;
const I32 = ValType.i32;
const F64 = ValType.f64;
const V128 = ValType.v128;
// SIMD opcodes (after 0xfd)
const V128_LOAD = 0x00;
const V128_CONST = 0x0c;
const I8X16_EXTRACT_LANE_U = 0x16;
const I8X16_GT_U = 0x28;
const V128_AND = 0x4e;
const V128_OR = 0x50;
const V128_BITSELECT = 0x52;
const V128_STORE = 0x0b;
const I8X16_SHUFFLE = 0x0d;
const I8X16_SWIZZLE = 0x0e;
const F64X2_ADD = 0xf0;
/** rows compared at once by the depth-3 kernel: one byte each in a 128-bit lane */
const GROUP = 16;
/** distinct thresholds per feature the depth-3 kernel can tell apart (bins 0..254; 255 = never) */
const MAX_CUTS = 254;

/** Rows walked per kernel call: a chunk of 256 rows of 118 doubles (~240 KB) stays in L2. */
export const WALK_CHUNK_ROWS = 256;
/** Rows walked side by side. */
const LANES = 8;

export interface PaddedBoost {
  /** depth of every padded tree */
  readonly depth: number;
  readonly trees: number;
  readonly outputs: number;
  /** input columns per row */
  readonly cols: number;
  /** per tree, (2^D - 1) heap positions: feature index, threshold, 1 when NaN goes right */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly nanRight: Uint8Array;
  /** per tree, 2^D leaf values */
  readonly value: Float64Array;
  readonly init: Float64Array;
}

export interface BoostWalkKernel {
  /**
   * Raw scores of rows [0, n) of row-major `data` (n x cols) into `scores` (n x outputs).
   */
  scores(data: Float64Array, n: number, scores: Float64Array): void;
}

/**
 * `walkW(start, end)`: rows [start, end) at X, W at a time (end - start a multiple of W), raw
 * scores to S. Everything else
 * is a constant of the model.
 */
function buildWalk(W: number, b: PaddedBoost, at: { nodes: number; leaves: number; init: number; x: number; s: number }): FunctionBuilder {
  const f = new FunctionBuilder(`walk${W}`, [I32, I32]);
  const START = 0;
  const N = 1;
  const D = b.depth;
  const inner = (1 << D) - 1;
  const leaves = 1 << D;
  const out8 = b.outputs * 8;
  const rowBytes = b.cols * 8;
  const r = f.local(I32);
  const node = f.local(I32);
  const leaf = f.local(I32);
  const c8 = f.local(I32);
  const k = f.local(I32);
  const a = f.local(I32);
  const row: number[] = [];
  const sc: number[] = [];
  const h: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < W; j++) {
    row.push(f.local(I32));
    sc.push(f.local(I32));
    h.push(f.local(I32));
    v.push(f.local(F64));
  }
  f.get(START).set(r);
  f.whileLoop(
    () => f.get(r).get(N).op(op.i32LtS),
    () => {
      for (let j = 0; j < W; j++) {
        f.get(r).i32(j).op(op.i32Add).i32(rowBytes).op(op.i32Mul).i32(at.x).op(op.i32Add).set(row[j]);
        f.get(r).i32(j).op(op.i32Add).i32(out8).op(op.i32Mul).i32(at.s).op(op.i32Add).set(sc[j]);
        // scores = init
        for (let c = 0; c < b.outputs; c++) f.get(sc[j]).i32(at.init + 8 * c).mem(op.f64Load, 0, 3).mem(op.f64Store, 8 * c, 3);
      }
      f.i32(at.nodes).set(node);
      f.i32(at.leaves - 8 * inner).set(leaf); // leaf of heap position i at leaf + 8 i
      f.i32(0).set(c8);
      f.i32(0).set(k);
      f.whileLoop(
        () => f.get(k).i32(b.trees).op(op.i32LtS),
        () => {
          for (let j = 0; j < W; j++) f.i32(0).set(h[j]);
          for (let d = 0; d < D; d++) {
            for (let j = 0; j < W; j++) {
              // a = node + 16 h; v = row[feature]; h = 2h + 1 + (v > t | (v is NaN & nanRight))
              f.get(node).get(h[j]).i32(4).op(op.i32Shl).op(op.i32Add).set(a);
              f.get(row[j]).get(a).mem(op.i32Load, 8, 2).op(op.i32Add).mem(op.f64Load, 0, 3).set(v[j]);
              f.get(h[j]).i32(1).op(op.i32Shl).i32(1).op(op.i32Add);
              f.get(v[j]).get(a).mem(op.f64Load, 0, 3).op(F64_GT);
              f.get(v[j]).get(v[j]).op(F64_NE).get(a).mem(op.i32Load, 12, 2).op(op.i32And).op(I32_OR);
              f.op(op.i32Add).set(h[j]);
            }
          }
          for (let j = 0; j < W; j++) {
            // scores[row][c] += leaf value
            f.get(sc[j]).get(c8).op(op.i32Add).tee(a);
            f.get(a).mem(op.f64Load, 0, 3);
            f.get(leaf).get(h[j]).i32(3).op(op.i32Shl).op(op.i32Add).mem(op.f64Load, 0, 3);
            f.op(op.f64Add).mem(op.f64Store, 0, 3);
          }
          f.get(node).i32(16 * inner).op(op.i32Add).set(node);
          f.get(leaf).i32(8 * leaves).op(op.i32Add).set(leaf);
          // c8 = (c8 + 8) mod 8 outputs
          f.i32(0);
          f.get(c8).i32(8).op(op.i32Add).tee(c8);
          f.get(c8).i32(out8).op(op.i32Eq);
          f.op(op.select).set(c8);
          f.addTo(k, 1);
        },
      );
      f.addTo(r, W);
    },
  );
  return f;
}


/**
 * The depth-3 kernel: `tree3(groups)` scores rows [0, 16 groups) of the chunk. Each feature the
 * trees read is given per row as its bin, the number of the feature's distinct split thresholds
 * below the value (one byte, column after column: bins at BINS + 256 column + row), so "x > t" is
 * exactly "bin > index of t among the feature's thresholds", and sixteen rows are compared with one
 * i8x16.gt_u. All seven nodes of a tree are compared for the sixteen rows and the leaf is picked
 * with masks (no data-dependent load at all). The sixteen leaf values are then looked up sixteen at
 * a time too: the tree's eight leaf values are kept as eight byte planes (plane k holds byte k of
 * each value, at PLANES + 128 tree + 16 k), i8x16.swizzle picks byte k of every row's leaf from
 * plane k, a byte transpose (24 shuffles) turns the eight planes of bytes into sixteen doubles, two
 * per vector, and f64x2.add adds them to the rows' sums of the tree's output, kept output after
 * output (at ACC + 8 (256 output + row)). Each row's sum still gets init, then its leaves in tree
 * order, one float64 addition each: the same doubles as one row at a time.
 */
function buildTree3(b: PaddedBoost, at: { thr: number; off: number; planes: number; bins: number; acc: number }): FunctionBuilder {
  const f = new FunctionBuilder('tree3', [I32]);
  const G = 0;
  const accBytes = 8 * WALK_CHUNK_ROWS;
  const g = f.local(I32);
  const bb = f.local(I32);
  const ab = f.local(I32);
  const thr = f.local(I32);
  const off = f.local(I32);
  const plane = f.local(I32);
  const cOff = f.local(I32);
  const k = f.local(I32);
  const a = f.local(I32);
  const q: number[] = [];
  for (let n = 0; n < 7; n++) q.push(f.local(V128));
  const m0 = f.local(V128);
  const m1 = f.local(V128);
  const idx = f.local(V128);
  const B: number[] = [];
  const P: number[] = [];
  const Q: number[] = [];
  for (let n = 0; n < 8; n++) {
    B.push(f.local(V128));
    P.push(f.local(V128));
    Q.push(f.local(V128));
  }
  const shuffle = (x: number, y: number, lanes: number[]): void => {
    f.get(x).get(y).v(I8X16_SHUFFLE);
    f.raw(...lanes);
  };
  const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
  // interleave the low (or high) halves of two vectors, `w` bytes at a time
  const zip = (w: number, high: boolean): number[] => {
    const lanes: number[] = [];
    for (let i = 0; i < 8 / w; i++) lanes.push(...range((high ? 8 : 0) + w * i, w), ...range(16 + (high ? 8 : 0) + w * i, w));
    return lanes;
  };
  const bytes16 = (v: number): void => {
    f.v(V128_CONST);
    for (let i = 0; i < 16; i++) f.raw(v);
  };
  f.i32(0).set(g);
  f.whileLoop(
    () => f.get(g).get(G).op(op.i32LtS),
    () => {
      f.get(g).i32(GROUP).op(op.i32Mul).i32(at.bins).op(op.i32Add).set(bb);
      f.get(g).i32(GROUP * 8).op(op.i32Mul).i32(at.acc).op(op.i32Add).set(ab);
      f.i32(at.thr).set(thr);
      f.i32(at.off).set(off);
      f.i32(at.planes).set(plane);
      f.i32(0).set(cOff);
      f.i32(0).set(k);
      f.whileLoop(
        () => f.get(k).i32(b.trees).op(op.i32LtS),
        () => {
          // q[n] = bins of node n's feature > node n's threshold bin, for the 16 rows
          for (let n = 0; n < 7; n++) {
            f.get(bb).get(off).mem(op.i32Load, 4 * n, 2).op(op.i32Add).vmem(V128_LOAD, 0, 0);
            f.get(thr).vmem(V128_LOAD, 16 * n, 4);
            f.v(I8X16_GT_U).set(q[n]);
          }
          // went right at the root, at depth 1, at depth 2 (heap: 1,2 under 0; 3,4 under 1; 5,6 under 2)
          f.get(q[0]).set(m0);
          f.get(q[2]).get(q[1]).get(m0).v(V128_BITSELECT).set(m1);
          f.get(q[6]).get(q[5]).get(m1).v(V128_BITSELECT);
          f.get(q[4]).get(q[3]).get(m1).v(V128_BITSELECT);
          f.get(m0).v(V128_BITSELECT);
          // leaf = 4 right0 + 2 right1 + right2
          bytes16(1);
          f.v(V128_AND);
          f.get(m0);
          bytes16(4);
          f.v(V128_AND).v(V128_OR);
          f.get(m1);
          bytes16(2);
          f.v(V128_AND).v(V128_OR).set(idx);
          // B[k] = byte k of each row's leaf value
          for (let n = 0; n < 8; n++) f.get(plane).vmem(V128_LOAD, 16 * n, 4).get(idx).v(I8X16_SWIZZLE).set(B[n]);
          // bytes to 16-bit pairs: P[2 h + (0 low rows | 1 high rows)] holds bytes 2h, 2h + 1
          for (let h = 0; h < 4; h++) {
            shuffle(B[2 * h], B[2 * h + 1], zip(1, false));
            f.set(P[2 * h]);
            shuffle(B[2 * h], B[2 * h + 1], zip(1, true));
            f.set(P[2 * h + 1]);
          }
          // to 32-bit quads: Q[4 h + quarter] holds bytes 4h .. 4h + 3 of rows 4 quarter .. + 3
          for (let h = 0; h < 2; h++) {
            for (let half = 0; half < 2; half++) {
              shuffle(P[4 * h + half], P[4 * h + 2 + half], zip(2, false));
              f.set(Q[4 * h + 2 * half]);
              shuffle(P[4 * h + half], P[4 * h + 2 + half], zip(2, true));
              f.set(Q[4 * h + 2 * half + 1]);
            }
          }
          // to doubles, rows 2 pair and 2 pair + 1, added to their sums
          f.get(ab).get(cOff).op(op.i32Add).set(a);
          for (let quarter = 0; quarter < 4; quarter++) {
            for (let hi = 0; hi < 2; hi++) {
              const pair = 2 * quarter + hi;
              f.get(a);
              f.get(a).vmem(V128_LOAD, 16 * pair, 3);
              shuffle(Q[quarter], Q[4 + quarter], zip(4, hi === 1));
              f.v(F64X2_ADD).vmem(V128_STORE, 16 * pair, 3);
            }
          }
          f.get(thr).i32(7 * 16).op(op.i32Add).set(thr);
          f.get(off).i32(7 * 4).op(op.i32Add).set(off);
          f.get(plane).i32(8 * 16).op(op.i32Add).set(plane);
          f.i32(0);
          f.get(cOff).i32(accBytes).op(op.i32Add).tee(cOff);
          f.get(cOff).i32(b.outputs * accBytes).op(op.i32Eq);
          f.op(op.select).set(cOff);
          f.addTo(k, 1);
        },
      );
      f.addTo(g, 1);
    },
  );
  return f;
}

/**
 * `bin3(m)`: the bins of rows [0, m) of the row chunk at X (float64, row-major) for every column
 * the trees read, written column after column at BINS + 256 column + row; returns 1 when any of
 * those values is NaN (the chunk then goes to the scalar walk, which routes NaN as trained). The
 * bin is the count of the column's thresholds below the value, by a branch-free binary search
 * over the thresholds padded with +Infinity to 2^s - 1 entries (at CUTS, float64), written out
 * per column with its constants.
 */
function buildBin3(b: PaddedBoost, bins: Bins3, at: { x: number; cuts: number; bins: number }): FunctionBuilder {
  const f = new FunctionBuilder('bin3', [I32], [I32]);
  const M = 0;
  const r = f.local(I32);
  const row = f.local(I32);
  const pos = f.local(I32);
  const nan = f.local(I32);
  const v = f.local(F64);
  const rowBytes = b.cols * 8;
  f.i32(0).set(nan);
  f.i32(0).set(r);
  f.whileLoop(
    () => f.get(r).get(M).op(op.i32LtS),
    () => {
      f.get(r).i32(rowBytes).op(op.i32Mul).i32(at.x).op(op.i32Add).set(row);
      for (let i = 0; i < bins.used.length; i++) {
        const cutAt = at.cuts + 8 * bins.cutStart[i];
        f.get(row).mem(op.f64Load, 8 * bins.used[i], 3).set(v);
        f.get(nan).get(v).get(v).op(F64_NE).op(I32_OR).set(nan);
        f.i32(0).set(pos);
        // pos += step while the threshold at pos + step - 1 is below v
        for (let step = (bins.cutSpan[i] + 1) >> 1; step >= 1; step >>= 1) {
          f.get(pos).i32(step).op(op.i32Add);
          f.get(pos);
          f.get(pos).i32(3).op(op.i32Shl).mem(op.f64Load, cutAt + 8 * (step - 1), 3).get(v).op(F64_LT);
          f.op(op.select).set(pos);
        }
        f.i32(at.bins).get(r).op(op.i32Add).get(pos).mem(I32_STORE8, i * WALK_CHUNK_ROWS, 0);
      }
      f.addTo(r, 1);
    },
  );
  f.get(nan);
  return f;
}

/** The bins layout of a depth-3 ensemble, or undefined when a feature has too many thresholds. */
interface Bins3 {
  /** the columns the trees read */
  readonly used: Int32Array;
  /** per used column, its distinct thresholds ascending */
  readonly cuts: Float64Array[];
  /** per used column, where its thresholds start in the padded list and how many (2^s - 1) */
  readonly cutStart: Int32Array;
  readonly cutSpan: Int32Array;
  /** the padded thresholds (+Infinity after each column's own) */
  readonly cutList: Float64Array;
  /** per tree and node: threshold bin (255 for a padding node) and used-column index */
  readonly thresholdBin: Uint8Array;
  readonly column: Int32Array;
}

function bins3(b: PaddedBoost): Bins3 | undefined {
  if (b.depth !== 3) return undefined;
  const nodes = b.trees * 7;
  const byCol = new Map<number, Set<number>>();
  for (let p = 0; p < nodes; p++) {
    if (b.threshold[p] === Infinity) continue; // padding: always left
    let set = byCol.get(b.feature[p]);
    if (!set) byCol.set(b.feature[p], (set = new Set()));
    set.add(b.threshold[p]);
  }
  const used = Int32Array.from([...byCol.keys()].sort((x, y) => x - y));
  if (used.length === 0) return undefined;
  const cuts = [...used].map((c) => Float64Array.from(byCol.get(c)!).sort());
  if (cuts.some((c) => c.length > MAX_CUTS)) return undefined;
  const colIndex = new Map([...used].map((c, i) => [c, i]));
  const thresholdBin = new Uint8Array(nodes).fill(255);
  const column = new Int32Array(nodes);
  for (let p = 0; p < nodes; p++) {
    if (b.threshold[p] === Infinity) continue;
    const i = colIndex.get(b.feature[p])!;
    column[p] = i;
    thresholdBin[p] = cuts[i].indexOf(b.threshold[p]);
  }
  const cutSpan = Int32Array.from(cuts, (c) => {
    let span = 1;
    while (span < c.length) span = 2 * span + 1;
    return span;
  });
  const cutStart = new Int32Array(used.length);
  for (let i = 1; i < used.length; i++) cutStart[i] = cutStart[i - 1] + cutSpan[i - 1];
  const cutList = new Float64Array(cutStart[used.length - 1] + cutSpan[used.length - 1]).fill(Infinity);
  cuts.forEach((c, i) => cutList.set(c, cutStart[i]));
  return { used, cuts, cutStart, cutSpan, cutList, thresholdBin, column };
}

/** The kernel for one model, or undefined when WebAssembly is unavailable (--jitless). */
export function compileBoostWalk(b: PaddedBoost): BoostWalkKernel | undefined {
  const inner = (1 << b.depth) - 1;
  const leaves = 1 << b.depth;
  const CH = WALK_CHUNK_ROWS;
  const bins = bins3(b);
  // memory: [nodes (16 B each) | leaf values | init | row chunk | scores chunk | depth 3 only:
  // threshold-bin vectors (16 B per node) | bin column offsets (4 B per node) | bins chunk |
  // thresholds | leaf byte planes (128 B per tree) | sums chunk, output after output]
  const nodes = 0;
  const leafAt = nodes + 16 * b.trees * inner;
  const init = leafAt + 8 * b.trees * leaves;
  const x = init + 8 * b.outputs;
  const s = x + 8 * CH * b.cols;
  const thr = s + 8 * CH * b.outputs;
  const off = thr + (bins ? 16 * b.trees * 7 : 0);
  const binAt = align16(off + (bins ? 4 * b.trees * 7 : 0));
  const cutAt = align16(binAt + (bins ? CH * bins.used.length : 0));
  const planeAt = align16(cutAt + (bins ? 8 * bins.cutList.length : 0));
  const accAt = planeAt + (bins ? 128 * b.trees : 0);
  const bytes = accAt + (bins ? 8 * CH * b.outputs : 0);
  const pages = Math.ceil(bytes / 65536);
  let memory: WasmMemory;
  let walk8: (start: number, end: number) => void;
  let walk1: (start: number, end: number) => void;
  let tree3: ((groups: number) => void) | undefined;
  let bin3: ((m: number) => number) | undefined;
  try {
    const at = { nodes, leaves: leafAt, init, x, s };
    const fns = [buildWalk(LANES, b, at), buildWalk(1, b, at)];
    if (bins) fns.push(buildTree3(b, { thr, off, planes: planeAt, bins: binAt, acc: accAt }), buildBin3(b, bins, { x, cuts: cutAt, bins: binAt }));
    const mod = assembleModule(fns, { initialPages: pages, maximumPages: pages, shared: false });
    memory = new wasm.Memory({ initial: pages, maximum: pages });
    const e = new wasm.Instance(new wasm.Module(mod), { env: { memory } }).exports;
    walk8 = e[`walk${LANES}`] as (start: number, end: number) => void;
    walk1 = e.walk1 as (start: number, end: number) => void;
    tree3 = e.tree3 as ((groups: number) => void) | undefined;
    bin3 = e.bin3 as ((m: number) => number) | undefined;
  } catch {
    return undefined;
  }
  const buf = memory.buffer as ArrayBuffer;
  const dv = new DataView(buf);
  for (let p = 0; p < b.trees * inner; p++) {
    const o = nodes + 16 * p;
    dv.setFloat64(o, b.threshold[p], true);
    dv.setInt32(o + 8, b.feature[p] * 8, true);
    dv.setInt32(o + 12, b.nanRight[p], true);
  }
  new Float64Array(buf, leafAt, b.trees * leaves).set(b.value);
  new Float64Array(buf, init, b.outputs).set(b.init);
  const rows = new Float64Array(buf, x, CH * b.cols);
  const sc = new Float64Array(buf, s, CH * b.outputs);
  const cols = b.cols;
  const outputs = b.outputs;
  /** raw scores of rows [r0, r0 + m) of data into scores */
  const scalar = (data: Float64Array, r0: number, m: number, scores: Float64Array): void => {
    rows.set(data.subarray(r0 * cols, (r0 + m) * cols));
    const m8 = m - (m % LANES);
    if (m8 > 0) walk8(0, m8);
    if (m > m8) walk1(m8, m);
    scores.set(sc.subarray(0, m * outputs), r0 * outputs);
  };
  let chunk = scalar;
  if (bins && tree3 && bin3) {
    const walk3 = tree3;
    const binRows = bin3;
    const thrView = new Uint8Array(buf, thr, 16 * b.trees * 7);
    const offView = new Int32Array(buf, off, b.trees * 7);
    for (let p = 0; p < b.trees * 7; p++) {
      thrView.fill(bins.thresholdBin[p], 16 * p, 16 * p + 16);
      offView[p] = CH * bins.column[p];
    }
    new Float64Array(buf, cutAt, bins.cutList.length).set(bins.cutList);
    // leaf byte planes: byte k of tree t's leaf value L at planeAt + 128 t + 16 k + L
    const planes = new Uint8Array(buf, planeAt, 128 * b.trees);
    const leafBytes = new Uint8Array(b.value.buffer, b.value.byteOffset, b.value.byteLength);
    if (new Uint8Array(Float64Array.of(1).buffer)[7] !== 0x3f) throw new Error('boosted walk: a big-endian host'); // wasm memory is little-endian; so must the leaf bytes be
    for (let t = 0; t < b.trees; t++) for (let l = 0; l < 8; l++) for (let k = 0; k < 8; k++) planes[128 * t + 16 * k + l] = leafBytes[8 * (8 * t + l) + k];
    // the sums, output after output, start at init
    const acc = new Float64Array(buf, accAt, CH * outputs);
    const initAcc = new Float64Array(CH * outputs);
    for (let c = 0; c < outputs; c++) initAcc.fill(b.init[c], c * CH, (c + 1) * CH);
    chunk = (data, r0, m, scores) => {
      rows.set(data.subarray(r0 * cols, (r0 + m) * cols));
      // a NaN sends the chunk to the scalar walk
      if (binRows(m) !== 0) {
        const m8 = m - (m % LANES);
        if (m8 > 0) walk8(0, m8);
        if (m > m8) walk1(m8, m);
        scores.set(sc.subarray(0, m * outputs), r0 * outputs);
        return;
      }
      acc.set(initAcc);
      walk3((m + GROUP - 1) >> 4);
      for (let c = 0; c < outputs; c++) {
        const from = c * CH;
        for (let j = 0, o = r0 * outputs + c; j < m; j++, o += outputs) scores[o] = acc[from + j];
      }
    };
  }
  return {
    scores(data, n, scores) {
      for (let r0 = 0; r0 < n; r0 += CH) {
        chunk(data, r0, Math.min(CH, n - r0), scores);
      }
    },
  };
}

function align16(n: number): number {
  return (n + 15) & ~15;
}
