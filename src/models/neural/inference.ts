/**
 * Forward passes over a whole matrix in chunks, for scoring and prediction: one scoring-only
 * network (no gradients, no Adam moments) sized for a chunk, reused for every chunk and every
 * later call with the same parameters, so memory stays flat whatever the number of rows.
 *
 * Also the input checks every network model makes before touching data, worded like
 * scikit-learn's ("X has 3 features, but MLPClassifier is expecting 5 features as input.").
 */
import type { Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { NetworkRuntime, type NetworkParams } from './network.js';

export const SCORE_CHUNK = 1024;

/**
 * Runs the network over X; `visit` sees each chunk's output (rows x pad, `units` real columns)
 * and its staged float32 input (rows x inPad).
 */
export function forwardChunks(
  params: NetworkParams,
  X: Matrix,
  visit: (out: Float32Array, pad: number, input: Float32Array, inPad: number, start: number, rows: number) => void,
): void {
  const cap = Math.max(1, Math.min(SCORE_CHUNK, X.rows));
  const net = scoringNetwork(params, cap);
  const out = net.output;
  for (let start = 0; start < X.rows; start += cap) {
    const rows = Math.min(cap, X.rows - start);
    net.stage(X, null, start, rows);
    net.forward(rows);
    visit(out.out.view, out.outPad, net.input.view, net.inPad, start, rows);
  }
}

/**
 * The scoring network of `params`, kept between calls: a stream worker scores a few hundred rows
 * per message, and building the runtime (its WebAssembly memory and kernels) and copying the
 * weights in cost as much as the forward pass itself. Reusing it gives the same outputs: each
 * call stages its rows over the previous ones and the forward pass rewrites every activation it
 * reads; the padding it relies on being zero is never written. Keyed by the params object (model
 * files are loaded into new objects and never changed in place), so it goes with the model.
 */
const scoringNetworks = new WeakMap<NetworkParams, NetworkRuntime>();
function scoringNetwork(params: NetworkParams, rows: number): NetworkRuntime {
  let net = scoringNetworks.get(params);
  if (!net || net.batchCapacity < rows) {
    net = new NetworkRuntime(params.inputs, params.layers, rows, false);
    net.load(params);
    scoringNetworks.set(params, net);
  }
  return net;
}

/** Rejects empty input, a wrong width and non-finite values, naming the first bad cell. */
export function checkInput(model: string, X: Matrix, expectedCols?: number): void {
  if (expectedCols !== undefined && X.cols !== expectedCols) {
    throw new UserError(`X has ${X.cols} features, but ${model} is expecting ${expectedCols} features as input.`);
  }
  if (X.cols === 0) throw new UserError(`${model} needs at least one feature column; X has none.`);
  const d = X.data;
  if (badCellSum(d) === 0) return;
  throwAtFirstBadCell(model, d, X.cols);
}

/**
 * x − x is 0 for a finite x and NaN otherwise: sums of it find whether any cell is bad (scoring
 * checks every cell of every batch; four sums, so the adds do not wait on each other: 0.5 ns a
 * cell against 1.2 for Number.isFinite's branch); throwAtFirstBadCell finds which. The tail and the
 * search are functions of their own: inside checkInput, TurboFan compiled the main loop while the
 * tail loop had never run (batches of a multiple of 4 cells) and threw the code away at the first
 * batch that had a tail — 28 times in one analyze of a capture.
 */
function badCellSum(d: Float64Array): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const n4 = d.length & ~3;
  for (let i = 0; i < n4; i += 4) {
    a0 += d[i] - d[i];
    a1 += d[i + 1] - d[i + 1];
    a2 += d[i + 2] - d[i + 2];
    a3 += d[i + 3] - d[i + 3];
  }
  return a0 + a1 + a2 + a3 + tailBadCellSum(d, n4);
}

function tailBadCellSum(d: Float64Array, from: number): number {
  let a = 0;
  for (let i = from; i < d.length; i++) a += d[i] - d[i];
  return a;
}

function throwAtFirstBadCell(model: string, d: Float64Array, cols: number): void {
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const r = Math.floor(i / cols);
      throw new UserError(
        `Input X contains ${Number.isNaN(d[i]) ? 'NaN' : 'infinity'} (row ${r}, column ${i - r * cols}); ` +
          `${model} needs finite values: impute or drop missing values first.`,
      );
    }
  }
}
