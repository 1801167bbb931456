/**
 * The two kinds of kernel work that split across threads, written once and run the same way by
 * the calling thread and by worker threads (kernel-worker.ts), so a result never depends on which
 * thread computed which part:
 *   - 'expand': Σ_s coef_s K(x, s) for a range of query rows (scoring);
 *   - 'rows':   kernel rows K(x_i, ·) over the training set for a list of i (solver warm-up).
 *
 * Work is cut into chunks that threads claim from a shared counter (Atomics.add), so a thread that
 * gets less CPU from a busy machine simply claims fewer chunks. Control words, all in one
 * SharedArrayBuffer: [next chunk to claim, chunks done, state of each chunk (0 free, 1 claimed,
 * 2 done)].
 */
import type { Matrix } from '../../features/matrix.js';
import { RbfRows, type Expansion, type RbfTrainingSet } from './rbf.js';
import { expandOne } from './rbf-expand-wasm.js';

export const NEXT = 0;
export const DONE = 1;
export const STATE = 2;

export interface ExpandJob {
  readonly kind: 'expand';
  readonly e: Expansion;
  readonly X: Matrix;
  /** rows × outputs */
  readonly out: Float64Array;
  readonly chunkRows: number;
  readonly chunks: number;
  readonly control: Int32Array;
}

export interface RowsJob {
  readonly kind: 'rows';
  readonly set: RbfTrainingSet;
  readonly rows: Int32Array;
  /** rows.length × n, row-major */
  readonly out: Float32Array;
  readonly chunkRows: number;
  readonly chunks: number;
  readonly control: Int32Array;
}

export type KernelJob = ExpandJob | RowsJob;

/** Claim and run chunks until none is left. */
export function workOn(job: KernelJob): void {
  const ctl = job.control;
  const run = chunkRunner(job);
  for (;;) {
    const c = Atomics.add(ctl, NEXT, 1);
    if (c >= job.chunks) return;
    Atomics.store(ctl, STATE + c, 1);
    run(c);
    Atomics.store(ctl, STATE + c, 2);
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

/** A function computing chunk c of the job (with scratch buffers of its own). */
export function chunkRunner(job: KernelJob): (c: number) => void {
  if (job.kind === 'expand') {
    const { e, X, out, chunkRows } = job;
    return (c) => {
      const start = c * chunkRows;
      const end = Math.min(X.rows, start + chunkRows);
      // the wasm kernel for one output (rbf-expand-wasm.ts), on every thread alike
      expandOne(e, X, out.subarray(start * e.outputs, end * e.outputs), start, end);
    };
  }
  const { set, rows, out, chunkRows } = job;
  const k = new RbfRows(set);
  const n = set.n;
  return (c) => {
    const end = Math.min(rows.length, (c + 1) * chunkRows);
    for (let t = c * chunkRows; t < end; t++) k.row(rows[t], out.subarray(t * n, (t + 1) * n));
  };
}
