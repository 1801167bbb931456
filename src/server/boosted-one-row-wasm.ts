/**
 * /classify's one row through the gradient-boosted trees in WebAssembly: the one-row walk of
 * boosted-scorer.ts (the trees of a round side by side, each class's sum in a local, added in
 * tree order) without JavaScript's bounds check on each of the three loads per node (row value,
 * feature, threshold) and with each node one 16-byte record (threshold f64, feature byte offset
 * i32), so a step is two loads from one cache line and one from the row. Seed 004's model (100
 * rounds x 5 classes of depth-3 trees): about a third of the JavaScript walk's time.
 *
 * Exactness: the same float64 comparisons on the same row, and each class's score is init[c] plus
 * the leaves of trees c, c + outputs, ... added in that order, so the very doubles of the
 * JavaScript walks and gbdt.ts's predictProba. NaN is not routed here: the caller sends a row with
 * NaN in a feature the trees read to the JavaScript walk, which routes it as trained.
 *
 * A model with one output (two classes) or more than MAX_OUTPUTS gets no kernel, nor does a
 * process without WebAssembly (--jitless): the JavaScript walk serves them.
 */
import { FunctionBuilder, assembleModule, op, ValType } from '../linalg/wasm-assembler.js';
import { wasm, type WasmMemory } from '../linalg/wasm-runtime.js';
import type { PaddedBoost } from './boosted-walk-kernel.js';

const F64_GT = 0x64;
const I32 = ValType.i32;
const F64 = ValType.f64;
/** outputs walked side by side, one f64 local each */
const MAX_OUTPUTS = 8;

/** boosted-scorer.ts's padded layout, as the batch kernel takes it, less the NaN sides (rows here hold no NaN the trees read) */
export type OneRowTrees = Omit<PaddedBoost, 'nanRight'>;

/** scores[o + c] = raw score of output c for the row at data[b, b + cols), which holds no NaN the trees read */
export type OneRowWasm = (data: Float64Array, b: number, scores: Float64Array, o: number) => void;

export function compileOneRowWasm(t: OneRowTrees): OneRowWasm | undefined {
  const { depth: D, trees, outputs, cols } = t;
  if (outputs < 2 || outputs > MAX_OUTPUTS || trees % outputs !== 0 || D < 1) return undefined;
  const inner = (1 << D) - 1;
  const leaves = 1 << D;
  const rounds = trees / outputs;
  // memory: [nodes, 16 B each | leaf values | init | row | scores]
  const leafAt = 16 * trees * inner;
  const initAt = leafAt + 8 * trees * leaves;
  const rowAt = initAt + 8 * outputs;
  const scoreAt = rowAt + 8 * cols;
  const bytes = scoreAt + 8 * outputs;
  const pages = Math.ceil(bytes / 65536);

  // two rounds at a time when the rounds pair up: twice the independent walks in flight
  const per = rounds % 2 === 0 ? 2 : 1;
  const lanes = per * outputs;
  const f = new FunctionBuilder('oneRow', []);
  const node = f.local(I32);
  const leaf = f.local(I32);
  const r = f.local(I32);
  const h: number[] = [];
  const s: number[] = [];
  for (let j = 0; j < lanes; j++) h.push(f.local(I32));
  for (let c = 0; c < outputs; c++) s.push(f.local(F64));
  for (let c = 0; c < outputs; c++) f.i32(0).mem(op.f64Load, initAt + 8 * c, 3).set(s[c]);
  f.i32(0).set(node);
  f.i32(leafAt - 8 * inner).set(leaf); // leaf values of heap position h (inner .. 2 inner) at leaf + 8 h
  f.i32(0).set(r);
  f.whileLoop(
    () => f.get(r).i32(rounds).op(op.i32LtS),
    () => {
      for (let j = 0; j < lanes; j++) f.i32(0).set(h[j]);
      for (let d = 0; d < D; d++) {
        for (let j = 0; j < lanes; j++) {
          // the record of heap position h in tree j of this step: node + 16 (j inner + h)
          const rec = 16 * j * inner;
          // h = 2h + 1 + (row[feature] > threshold)
          f.get(h[j]).i32(1).op(op.i32Shl).i32(1).op(op.i32Add);
          f.get(node).get(h[j]).i32(4).op(op.i32Shl).op(op.i32Add).mem(op.i32Load, rec + 8, 2).mem(op.f64Load, rowAt, 3);
          f.get(node).get(h[j]).i32(4).op(op.i32Shl).op(op.i32Add).mem(op.f64Load, rec, 3);
          f.op(F64_GT).op(op.i32Add).set(h[j]);
        }
      }
      // leaves in tree order (tree j adds to class j mod outputs): tree j's leaf of heap position h at leaf + 8 (j leaves + h)
      for (let j = 0; j < lanes; j++) {
        const c = j % outputs;
        f.get(s[c]);
        f.get(leaf).get(h[j]).i32(3).op(op.i32Shl).op(op.i32Add).mem(op.f64Load, 8 * j * leaves, 3);
        f.op(op.f64Add).set(s[c]);
      }
      f.addTo(node, 16 * inner * lanes);
      f.addTo(leaf, 8 * leaves * lanes);
      f.addTo(r, per);
    },
  );
  for (let c = 0; c < outputs; c++) f.i32(0).get(s[c]).mem(op.f64Store, scoreAt + 8 * c, 3);

  let memory: WasmMemory;
  let run: () => void;
  try {
    memory = new wasm.Memory({ initial: pages, maximum: pages });
    const mod = assembleModule([f], { initialPages: pages, maximumPages: pages, shared: false });
    run = new wasm.Instance(new wasm.Module(mod), { env: { memory } }).exports.oneRow as () => void;
  } catch {
    return undefined;
  }
  const buf = memory.buffer as ArrayBuffer;
  const dv = new DataView(buf);
  for (let p = 0; p < trees * inner; p++) {
    dv.setFloat64(16 * p, t.threshold[p], true);
    dv.setInt32(16 * p + 8, t.feature[p] * 8, true);
  }
  new Float64Array(buf, leafAt, trees * leaves).set(t.value);
  new Float64Array(buf, initAt, outputs).set(t.init);
  const row = new Float64Array(buf, rowAt, cols);
  const out = new Float64Array(buf, scoreAt, outputs);
  return (data, b, scores, o) => {
    if (b === 0 && data.length === cols) row.set(data);
    else row.set(data.subarray(b, b + cols));
    run();
    for (let c = 0; c < outputs; c++) scores[o + c] = out[c];
  };
}
