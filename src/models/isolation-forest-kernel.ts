/**
 * The isolation forest's scoring hot loop, in WebAssembly: for every row, the sum over all trees
 * of the path length of the leaf the row lands in.
 *
 * Why WebAssembly: scoring NSL-KDD's test set is 22,544 rows x 100 trees x 8 levels = 18 million
 * dependent load-compare steps. The best JavaScript we wrote for it (the layout below, four trees
 * at once, branch-free steps) took about 3.5 ns a step warm and more on a cold start, because V8
 * bounds-checks every typed-array access and runs the first call unoptimised; the same loop here
 * took about 1.5 ns a step from the first call (wasm memory needs no bounds checks on x64 and is
 * compiled before it runs). Measured on the same 2-core machine, same run: 33-40 ms of CPU
 * against 62-69 ms warm / 80-106 ms cold. The bytes come from our small assembler
 * (src/linalg/wasm-assembler.ts), so the kernel stays readable and nothing is downloaded.
 *
 * Layout: every tree is padded to a perfect binary tree of the forest's depth D and stored as a
 * heap (children of position i at 2i+1 and 2i+2). A leaf above depth D becomes a subtree of dummy
 * splits (feature 0, threshold +Infinity) whose leaves all repeat its path length, so which way a
 * dummy split sends a row does not matter. Every row then takes exactly D steps per tree and the
 * next position is arithmetic on the comparison (2i + 2 - [x <= t]): no branch on the data, and
 * eight trees walked side by side give the CPU eight independent chains of loads to overlap.
 *
 * Features are compared in float32, as scikit-learn's trees do: rows are copied into wasm memory
 * as float32 a chunk at a time, and the forest's thresholds are float32 values already (the fit
 * rounds each cut down to a float32), so the comparison is exact and gives the same leaf as the
 * pointer walk in isolation-forest.ts. A NaN compares false and goes right, as there.
 *
 * Deliberately not here: forests deeper than MAX_PADDED_DEPTH (padding would cost 2^D nodes per
 * tree; the caller walks the pointers instead), threads, and anything but summing path lengths.
 */
import type { Matrix } from '../features/matrix.js';
import { FunctionBuilder, assembleModule, op, ValType } from '../linalg/wasm-assembler.js';
import { wasm, type WasmMemory } from '../linalg/wasm-runtime.js';

/** The parts of a fitted forest the kernel reads (absolute node indices, feature -1 at leaves). */
export interface FlatForest {
  readonly roots: Int32Array;
  readonly feature: Int32Array;
  readonly splitThreshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** path length a row ending at this leaf gets */
  readonly pathLength: Float64Array;
}

/** Padding depth D costs (2^D - 1) inner nodes per tree: past 12 (psi above 4096) walk instead. */
export const MAX_PADDED_DEPTH = 12;

/** Rows converted and scored per kernel call: their float32 copy (~120 KB) stays in L2. */
const CHUNK_ROWS = 256;

// opcodes the assembler does not name (core spec numbering)
const I32_LOAD = 0x28;
const F32_LOAD = 0x2a;
const F64_LOAD = 0x2b;
const F64_STORE = 0x39;
const F32_LE = 0x5f;
const F64_ADD = 0xa0;
const I32 = ValType.i32;

/**
 * `forest{W}(x, nRows, rowBytes, nOff, lOff, sOff, t0, t1, D, inner, leaves)`: for trees t0, t0+W,
 * ... below t1, W trees at a time, add to sums[r] (f64 at sOff) the leaf path length of row r (f32
 * at x + r * rowBytes). A node is 8 bytes at nOff: its feature as a byte offset within a row (i32)
 * and its threshold (f32), so one address serves both loads; tree t's heap starts at node
 * t * inner, its leaves' path lengths (f64 at lOff) at t * leaves. The heap position is kept as a
 * byte offset (8h), so a step is: node address, two loads, the row's cell, one compare, and the
 * next offset 16h + 16 − 8 [x <= t]; the same leaf as stepping h, so the same sums.
 */
function buildForestKernel(W: number): FunctionBuilder {
  const f = new FunctionBuilder(`forest${W}`, new Array<ValType>(11).fill(I32));
  const [X, NROWS, ROWBYTES, NOFF, LOFF, SOFF, T0, T1, DEPTH, INNER, LEAVES] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const t = f.local(I32);
  const r = f.local(I32);
  const row = f.local(I32);
  const d = f.local(I32);
  const k = f.local(I32);
  const sum = f.local(I32);
  const heapBase: number[] = [];
  const leafBase: number[] = [];
  const h: number[] = [];
  for (let j = 0; j < W; j++) {
    heapBase.push(f.local(I32));
    leafBase.push(f.local(I32));
    h.push(f.local(I32));
  }
  f.get(T0).set(t);
  f.whileLoop(
    () => f.get(t).i32(W).op(op.i32Add).get(T1).op(op.i32LeS),
    () => {
      for (let j = 0; j < W; j++) {
        // heapBase_j = address of tree t+j's first node: nOff + 8 (t + j) inner
        f.get(t).i32(j).op(op.i32Add).get(INNER).op(op.i32Mul).i32(3).op(op.i32Shl).get(NOFF).op(op.i32Add).set(heapBase[j]);
        // leafBase_j = lOff + 8 ((t + j) leaves - inner): leaf of heap offset 8h at leafBase_j + 8h
        f.get(t).i32(j).op(op.i32Add).get(LEAVES).op(op.i32Mul).get(INNER).op(op.i32Sub).i32(3).op(op.i32Shl);
        f.get(LOFF).op(op.i32Add).set(leafBase[j]);
      }
      f.i32(0).set(r);
      f.whileLoop(
        () => f.get(r).get(NROWS).op(op.i32LtS),
        () => {
          f.get(r).get(ROWBYTES).op(op.i32Mul).get(X).op(op.i32Add).set(row);
          for (let j = 0; j < W; j++) f.i32(0).set(h[j]);
          f.i32(0).set(d);
          f.whileLoop(
            () => f.get(d).get(DEPTH).op(op.i32LtS),
            () => {
              for (let j = 0; j < W; j++) {
                f.get(heapBase[j]).get(h[j]).op(op.i32Add).set(k);
                // 8h = 16h + 16 - 8 (x[feature] <= threshold)
                f.get(h[j]).i32(1).op(op.i32Shl).i32(16).op(op.i32Add);
                f.get(row).get(k).mem(I32_LOAD, 0, 2).op(op.i32Add).mem(F32_LOAD, 0, 2);
                f.get(k).mem(F32_LOAD, 4, 2);
                f.op(F32_LE).i32(3).op(op.i32Shl).op(op.i32Sub).set(h[j]);
              }
              f.addTo(d, 1);
            },
          );
          // sums[r] += leaf path lengths
          f.get(SOFF).get(r).i32(3).op(op.i32Shl).op(op.i32Add).tee(sum);
          f.get(sum).mem(F64_LOAD, 0, 3);
          for (let j = 0; j < W; j++) {
            f.get(leafBase[j]).get(h[j]).op(op.i32Add).mem(F64_LOAD, 0, 3).op(F64_ADD);
          }
          f.mem(F64_STORE, 0, 3);
          f.addTo(r, 1);
        },
      );
      f.addTo(t, W);
    },
  );
  return f;
}

type KernelFn = (...args: number[]) => void;

interface Kernel {
  readonly memory: WasmMemory;
  readonly forest8: KernelFn;
  readonly forest4: KernelFn;
  readonly forest1: KernelFn;
  /** the layout whose arrays are in memory now, to skip copying it again */
  loaded?: PaddedLayout;
}

let kernel: Kernel | null | undefined;

/** The compiled kernel, built on first use; null when WebAssembly is unavailable (--jitless). */
function getKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = assembleModule([buildForestKernel(8), buildForestKernel(4), buildForestKernel(1)], {
      initialPages: 16,
      maximumPages: 32768,
      shared: false,
    });
    const memory = new wasm.Memory({ initial: 16, maximum: 32768 });
    const e = new wasm.Instance(new wasm.Module(bytes), { env: { memory } }).exports;
    kernel = { memory, forest8: e.forest8 as KernelFn, forest4: e.forest4 as KernelFn, forest1: e.forest1 as KernelFn };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** The forest as padded heaps, in the form the kernel reads. */
interface PaddedLayout {
  readonly trees: number;
  readonly depth: number;
  /**
   * the heap positions as the kernel reads them, 8 bytes each: the feature as a byte offset within
   * a float32 row (i32), then the threshold (f32); copied into wasm memory as they are (one bulk
   * copy: a loop interleaving two arrays there was ~25,000 steps of cold code per process)
   */
  readonly nodes: ArrayBuffer;
  readonly leafPathLength: Float64Array;
}

const layouts = new WeakMap<FlatForest, PaddedLayout | null>();

/**
 * The deepest leaf's depth. Fitted forests number a node before its subtrees (growTree), so one
 * pass in node order carries every node's depth to its children: a fixed cost of every process
 * that scores (a 100-tree forest's ~19,000 nodes), which the walk below took ~5× as long for, run
 * cold. A file whose children do not follow their parents is walked. (A node reachable two ways
 * or from no root only makes the pass's depth larger than the walk's, which pads more: the same
 * leaves.)
 */
function forestDepth(s: FlatForest): number {
  const n = s.feature.length;
  const depth = new Int32Array(n);
  let maxDepth = 0;
  for (let node = 0; node < n; node++) {
    const d = depth[node];
    if (s.feature[node] < 0) {
      if (d > maxDepth) maxDepth = d;
      continue;
    }
    const l = s.left[node];
    const r = s.right[node];
    if (!(l > node && l < n && r > node && r < n)) return forestDepthByWalk(s);
    if (depth[l] < d + 1) depth[l] = d + 1;
    if (depth[r] < d + 1) depth[r] = d + 1;
  }
  return maxDepth;
}

/** forestDepth by walking each tree from its root (any node order). */
function forestDepthByWalk(s: FlatForest): number {
  let maxDepth = 0;
  const stack: number[] = [];
  for (const root of s.roots) {
    stack.push(root, 0);
    while (stack.length) {
      const d = stack.pop() as number;
      const node = stack.pop() as number;
      if (s.feature[node] < 0) {
        if (d > maxDepth) maxDepth = d;
      } else stack.push(s.left[node], d + 1, s.right[node], d + 1);
    }
  }
  return maxDepth;
}

/** Built from the plain fitted state on first use and kept beside it (the state stays plain data). */
function paddedLayout(s: FlatForest): PaddedLayout | null {
  const cached = layouts.get(s);
  if (cached !== undefined) return cached;
  const D = forestDepth(s);
  if (D > MAX_PADDED_DEPTH) {
    layouts.set(s, null);
    return null;
  }
  const T = s.roots.length;
  const inner = (1 << D) - 1;
  const leaves = 1 << D;
  const nodes = new ArrayBuffer(8 * T * inner);
  const featureBytes = new Int32Array(nodes);
  const threshold = new Float32Array(nodes);
  const leafPathLength = new Float64Array(T * leaves);
  // source node of each heap position, filled top-down; a dummy position repeats its leaf
  const src = new Int32Array(inner + leaves);
  for (let t = 0; t < T; t++) {
    const iOff = t * inner;
    src[0] = s.roots[t];
    for (let h = 0; h < inner; h++) {
      const node = src[h];
      if (s.feature[node] >= 0) {
        featureBytes[2 * (iOff + h)] = s.feature[node] * 4;
        threshold[2 * (iOff + h) + 1] = s.splitThreshold[node];
        src[2 * h + 1] = s.left[node];
        src[2 * h + 2] = s.right[node];
      } else {
        threshold[2 * (iOff + h) + 1] = Infinity;
        src[2 * h + 1] = node;
        src[2 * h + 2] = node;
      }
    }
    for (let h = 0; h < leaves; h++) leafPathLength[t * leaves + h] = s.pathLength[src[inner + h]];
  }
  const layout: PaddedLayout = { trees: T, depth: D, nodes, leafPathLength };
  layouts.set(s, layout);
  return layout;
}

/**
 * Per row of X, the sum over trees of the row's path length; undefined when the kernel cannot
 * take this forest (too deep to pad, or no WebAssembly) and the caller must walk the pointers.
 */
export function pathLengthSums(s: FlatForest, X: Matrix): Float64Array | undefined {
  const L = paddedLayout(s);
  const k = L ? getKernel() : null;
  if (!L || !k) return undefined;
  const T = L.trees;
  const D = L.depth;
  const inner = (1 << D) - 1;
  const leaves = 1 << D;
  const cols = X.cols;
  // memory: [nodes (feature byte, threshold) | leaf path lengths | row chunk (f32) | sums (f64)]
  const nOff = 0;
  const lOff = nOff + 8 * T * inner;
  const xOff = lOff + 8 * T * leaves;
  const sOff = align8(xOff + 4 * CHUNK_ROWS * cols);
  const need = sOff + 8 * CHUNK_ROWS;
  const have = k.memory.buffer.byteLength;
  if (need > have) {
    k.memory.grow(Math.ceil((need - have) / 65536));
    k.loaded = undefined;
  }
  const buf = k.memory.buffer as ArrayBuffer;
  if (k.loaded !== L) {
    new Uint8Array(buf, nOff, 8 * T * inner).set(new Uint8Array(L.nodes));
    new Float64Array(buf, lOff, T * leaves).set(L.leafPathLength);
    k.loaded = L;
  }
  const rowsF32 = new Float32Array(buf, xOff, CHUNK_ROWS * cols);
  const sums = new Float64Array(buf, sOff, CHUNK_ROWS);
  const out = new Float64Array(X.rows);
  const T8 = T - (T % 8);
  const T4 = T8 + ((T - T8) & ~3);
  for (let start = 0; start < X.rows; start += CHUNK_ROWS) {
    const end = Math.min(X.rows, start + CHUNK_ROWS);
    const m = end - start;
    // float64 -> float32, round to nearest, natively
    rowsF32.set(X.data.subarray(start * cols, end * cols));
    sums.fill(0);
    const args = [xOff, m, 4 * cols, nOff, lOff, sOff] as const;
    if (T8 > 0) k.forest8(...args, 0, T8, D, inner, leaves);
    if (T4 > T8) k.forest4(...args, T8, T4, D, inner, leaves);
    if (T > T4) k.forest1(...args, T4, T, D, inner, leaves);
    out.set(sums.subarray(0, m), start);
  }
  return out;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
