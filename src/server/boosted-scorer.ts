/**
 * Gradient-boosted trees laid out for serving: every tree padded to a complete tree of the
 * ensemble's depth D, nodes in breadth-first order (children of node i at 2i+1 and 2i+2), so a
 * row's walk is D steps of index arithmetic with no branch on the comparison:
 *
 *     i = 2i + 1 + (x[feature[i]] > threshold[i])
 *
 * A branch per node is mispredicted about half the time on real flows, and that, not the
 * arithmetic, was most of the generic walk's time (tree-arrays.ts: 17 µs per row for seed 004's
 * 100 rounds x 5 classes of depth-3 trees; here about a third of that). Padding: a leaf above
 * depth D becomes a node that always goes left (threshold +Infinity) with its value copied into
 * every leaf below it. A NaN goes where the trained tree sends it (nanLeft), one extra bit per node.
 *
 * The batch path walks four rows through each tree together: their walks are independent, so the
 * processor overlaps them instead of waiting on one walk's loads at a time. That walk is generated
 * once per model with its D steps written out (new Function): a loop over the depth kept the four
 * walks from overlapping as well and measured 30-40% slower on seed 004's model. The generated
 * text holds nothing but integers taken from the model's shape. It serves rows without NaN (what
 * the row encoder makes: missing values are filled with the training median); a block of four
 * with a NaN in a feature the trees read goes through the one-row walk, which routes NaN as trained.
 *
 * One row (/classify) goes through a walk also generated per model: the trees of a round (one per
 * class) walked side by side with each class's sum in a local variable, in WebAssembly
 * (boosted-one-row-wasm.ts, ~1.5 µs for seed 004's model with the probabilities) or, for one
 * output or without WebAssembly, in JavaScript (2.7 µs), where the loop over trees and depth took
 * 7.4 µs (CPU time, one row at a time).
 *
 * Batches of WASM_MIN_ROWS rows or more are walked by the same layout in WebAssembly instead
 * (boosted-walk-kernel.ts: eight rows side by side, NaN routed in the kernel).
 *
 * Scores are the same sums in the same tree order as gbdt.ts's predictProba (so the same
 * probabilities); only ensembles up to depth MAX_DEPTH are laid out this way (the default GBDT is
 * depth 6), deeper ones are served by the generic predictor.
 */
import type { BoostState } from '../models/trees/gbdt.js';
import { compileBoostWalk } from './boosted-walk-kernel.js';
import { compileOneRowWasm } from './boosted-one-row-wasm.js';

/**
 * Batches of at least this many rows go to the WebAssembly walk (boosted-walk-kernel.ts); fewer
 * (/classify's one row) stay on the JavaScript walk, which has no copy into wasm memory to pay.
 */
export const WASM_MIN_ROWS = 16;

export const MAX_DEPTH = 8;

export interface CompiledBoost {
  /** input columns */
  readonly width: number;
  /** classes (probabilities per row) */
  readonly classes: number;
  /**
   * Class probabilities of rows [0, n) of row-major `data` (n x width) into `proba` (n x classes),
   * using `scores` (at least n x outputs) as scratch.
   */
  predictProba(data: Float64Array, n: number, proba: Float64Array, scores: Float64Array): void;
  /** raw scores per output (for tests and the one-row path) */
  readonly outputs: number;
  /** true when batches are walked in WebAssembly (false under --jitless) */
  readonly wasm: boolean;
}

function depthOf(feature: Int32Array, left: Int32Array, right: Int32Array, node: number): number {
  return feature[node] < 0 ? 0 : 1 + Math.max(depthOf(feature, left, right, left[node]), depthOf(feature, left, right, right[node]));
}

/** `wasm: false` serves every walk in JavaScript, as a process without WebAssembly does (tests compare both) */
export function compileBoost(state: BoostState, options: { readonly wasm?: boolean } = {}): CompiledBoost | undefined {
  const useWasm = options.wasm !== false;
  const t = state.trees;
  const { outputs, nClasses, init, cols } = state;
  if (!t || nClasses < 2) return undefined;
  const nTrees = t.roots.length;
  if (nTrees % outputs !== 0 || t.valueDims !== 1) return undefined;
  let D = 0;
  for (let k = 0; k < nTrees; k++) D = Math.max(D, depthOf(t.feature, t.left, t.right, t.roots[k]));
  if (D > MAX_DEPTH) return undefined;
  D = Math.max(D, 1);
  const inner = (1 << D) - 1;
  const leaves = 1 << D;
  const feature = new Int32Array(nTrees * inner);
  const threshold = new Float64Array(nTrees * inner).fill(Infinity);
  const nanRight = new Uint8Array(nTrees * inner);
  const value = new Float64Array(nTrees * leaves);
  for (let k = 0; k < nTrees; k++) {
    const ib = k * inner;
    const lb = k * leaves;
    // place original node `n` at complete-tree position `i` of depth `d`
    const place = (n: number, i: number, d: number): void => {
      if (d === D) {
        value[lb + i - inner] = t.value[n];
        return;
      }
      if (t.feature[n] < 0) {
        place(n, 2 * i + 1, d + 1);
        place(n, 2 * i + 2, d + 1);
        return;
      }
      feature[ib + i] = t.feature[n];
      threshold[ib + i] = t.threshold[n];
      nanRight[ib + i] = t.nanLeft[n] === 1 ? 0 : 1;
      place(t.left[n], 2 * i + 1, d + 1);
      place(t.right[n], 2 * i + 2, d + 1);
    };
    place(t.roots[k], 0, 0);
  }
  const rounds = nTrees / outputs;
  const used = Int32Array.from(new Set(t.feature.filter((f) => f >= 0)));
  const fourNoNaN = generateFourRowWalk(D, cols, rounds, outputs)(feature, threshold, value, init);
  const kernel = !useWasm ? undefined : compileBoostWalk({ depth: D, trees: nTrees, outputs, cols, feature, threshold, nanRight, value, init });
  // one row: in WebAssembly when it can be (boosted-one-row-wasm.ts), else the generated JavaScript walk
  const oneNoNaN = (useWasm ? compileOneRowWasm({ depth: D, trees: nTrees, outputs, cols, feature, threshold, value, init }) : undefined) ?? generateOneRowWalk(D, nTrees, outputs)(feature, threshold, value, init);
  const rowHasNaN = (data: Float64Array, b: number): boolean => {
    for (let u = 0; u < used.length; u++) {
      const v = data[b + used[u]];
      if (v !== v) return true;
    }
    return false;
  };
  const hasNaN = (data: Float64Array, r0: number): boolean => {
    for (let j = 0; j < 4; j++) {
      const b = (r0 + j) * cols;
      for (let u = 0; u < used.length; u++) {
        const v = data[b + used[u]];
        if (v !== v) return true;
      }
    }
    return false;
  };

  /** raw scores of row r */
  const one = (data: Float64Array, r: number, scores: Float64Array): void => {
    const b = r * cols;
    const o = r * outputs;
    for (let c = 0; c < outputs; c++) scores[o + c] = init[c];
    let k = 0;
    for (let rr = 0; rr < rounds; rr++) {
      for (let c = 0; c < outputs; c++, k++) {
        const ib = k * inner;
        let i = 0;
        for (let d = 0; d < D; d++) {
          const n = ib + i;
          const v = data[b + feature[n]];
          i = 2 * i + 1 + (+(v > threshold[n]) | (+(v !== v) & nanRight[n]));
        }
        scores[o + c] += value[k * leaves - inner + i];
      }
    }
  };

  return {
    width: cols,
    classes: nClasses,
    outputs,
    wasm: kernel !== undefined,
    predictProba(data, n, proba, scores) {
      if (kernel && n >= WASM_MIN_ROWS) kernel.scores(data, n, scores);
      else {
        let r = 0;
        for (; r + 4 <= n; r += 4) {
          if (!hasNaN(data, r)) fourNoNaN(data, r, scores);
          else for (let j = r; j < r + 4; j++) one(data, j, scores);
        }
        for (; r < n; r++) {
          if (oneNoNaN && !rowHasNaN(data, r * cols)) oneNoNaN(data, r * cols, scores, r * outputs);
          else one(data, r, scores);
        }
      }
      // probabilities exactly as gbdt.ts computes them
      if (outputs === 1) {
        for (let i = 0; i < n; i++) {
          const p1 = 1 / (1 + Math.exp(-scores[i]));
          proba[2 * i] = 1 - p1;
          proba[2 * i + 1] = p1;
        }
        return;
      }
      for (let i = 0; i < n; i++) {
        const b = i * outputs;
        let max = -Infinity;
        for (let c = 0; c < outputs; c++) if (scores[b + c] > max) max = scores[b + c];
        let z = 0;
        for (let c = 0; c < outputs; c++) {
          // exp(0) is 1: the top class (or classes) without the call
          const d = scores[b + c] - max;
          const e = d === 0 ? 1 : Math.exp(d);
          proba[b + c] = e;
          z += e;
        }
        for (let c = 0; c < outputs; c++) proba[b + c] /= z;
      }
    },
  };
}

type OneRowWalk = (data: Float64Array, b: number, scores: Float64Array, o: number) => void;

/** outputs walked together by the one-row walk, each summed in its own local variable */
const MAX_ONE_ROW_OUTPUTS = 8;
/** trees walked together by the one-row walk of a single-output (two-class) ensemble */
const ONE_OUTPUT_BLOCK = 4;

/**
 * The one-row walk for depth D (/classify's row), written out: scores[o + c] = init[c] + the leaves
 * of trees c, c + outputs, ... in that order, for the row at data[b ..], which holds no NaN in a
 * feature the trees read. The trees of one round (one per output; four consecutive trees when there
 * is a single output) are walked side by side: their walks are independent, so the processor
 * overlaps their chains of loads, where the loop over trees and depth of `one` waits on each in
 * turn. Each output's sum is a local variable, added to in tree order, so the sums are the very
 * doubles `one` makes. Undefined for more than MAX_ONE_ROW_OUTPUTS outputs.
 */
function generateOneRowWalk(D: number, trees: number, outputs: number): ((feature: Int32Array, threshold: Float64Array, value: Float64Array, init: Float64Array) => OneRowWalk) | (() => undefined) {
  for (const x of [D, trees, outputs]) if (!Number.isInteger(x) || x < 0) throw new Error('boosted scorer: the model shape is not whole numbers');
  if (outputs > MAX_ONE_ROW_OUTPUTS || outputs < 1) return () => undefined;
  const inner = (1 << D) - 1;
  const leaves = 1 << D;
  const block = outputs === 1 ? ONE_OUTPUT_BLOCK : outputs;
  const blocks = Math.floor(trees / block);
  const tail = trees - blocks * block; // only with one output: trees after the last whole block
  const lines: string[] = [];
  const sum = (j: number): string => (outputs === 1 ? 's0' : `s${j}`);
  /** the walk of the tree at node base `ib + nodeOffset`, leaf base `lb + leafOffset`, into i<j> */
  const walk = (j: number, nodeBase: string, leafBase: string): void => {
    lines.push(`    let i${j} = 1 + +(data[b + feature[${nodeBase}]] > threshold[${nodeBase}]);`);
    for (let d = 1; d < D; d++) lines.push(`    i${j} = 2 * i${j} + 1 + +(data[b + feature[${nodeBase} + i${j}]] > threshold[${nodeBase} + i${j}]);`);
    lines.push(`    const v${j} = value[${leafBase} - ${inner} + i${j}];`);
  };
  lines.push('return function oneRow(data, b, scores, o) {');
  for (let c = 0; c < outputs; c++) lines.push(`  let s${c} = init[${c}];`);
  lines.push(`  for (let t = 0; t < ${blocks * block}; t += ${block}) {`);
  lines.push(`    const ib = t * ${inner}; const lb = t * ${leaves};`);
  for (let j = 0; j < block; j++) walk(j, `ib + ${j * inner}`, `lb + ${j * leaves}`);
  // leaves added in tree order
  for (let j = 0; j < block; j++) lines.push(`    ${sum(j)} += v${j};`);
  lines.push('  }');
  if (tail > 0) {
    lines.push(`  for (let t = ${blocks * block}; t < ${trees}; t++) {`);
    lines.push(`    const ib = t * ${inner}; const lb = t * ${leaves};`);
    walk(0, 'ib', 'lb');
    lines.push('    s0 += v0;');
    lines.push('  }');
  }
  for (let c = 0; c < outputs; c++) lines.push(`  scores[o + ${c}] = s${c};`);
  lines.push('};');
  return new Function('feature', 'threshold', 'value', 'init', lines.join('\n')) as never;
}

type FourRowWalk = (data: Float64Array, r0: number, scores: Float64Array) => void;

/**
 * The four-row walk for depth D, written out: scores of rows [r0, r0 + 4) = init + every tree's
 * leaf, trees in round order (round r, output c is tree r * outputs + c), rows without NaN.
 */
function generateFourRowWalk(D: number, cols: number, rounds: number, outputs: number): (feature: Int32Array, threshold: Float64Array, value: Float64Array, init: Float64Array) => FourRowWalk {
  for (const x of [D, cols, rounds, outputs]) if (!Number.isInteger(x) || x < 0) throw new Error('boosted scorer: the model shape is not whole numbers');
  const inner = (1 << D) - 1;
  const rows = [0, 1, 2, 3];
  const lines: string[] = [];
  lines.push('return function fourRows(data, r0, scores) {');
  for (const j of rows) lines.push(`  const b${j} = (r0 + ${j}) * ${cols}; const o${j} = (r0 + ${j}) * ${outputs};`);
  lines.push(`  for (let c = 0; c < ${outputs}; c++) { const s = init[c]; ${rows.map((j) => `scores[o${j} + c] = s;`).join(' ')} }`);
  lines.push('  let k = 0;');
  lines.push(`  for (let r = 0; r < ${rounds}; r++) {`);
  lines.push(`    for (let c = 0; c < ${outputs}; c++, k++) {`);
  lines.push(`      const ib = k * ${inner};`);
  for (const j of rows) lines.push(`      let i${j} = 1 + +(data[b${j} + feature[ib]] > threshold[ib]);`);
  for (let d = 1; d < D; d++) for (const j of rows) lines.push(`      i${j} = 2 * i${j} + 1 + +(data[b${j} + feature[ib + i${j}]] > threshold[ib + i${j}]);`);
  lines.push(`      const lb = k * ${1 << D} - ${inner};`);
  for (const j of rows) lines.push(`      scores[o${j} + c] += value[lb + i${j}];`);
  lines.push('    }');
  lines.push('  }');
  lines.push('};');
  return new Function('feature', 'threshold', 'value', 'init', lines.join('\n')) as never;
}
