/**
 * Worker threads for kernel work: scoring rows against support vectors, and computing the first
 * kernel rows an SVM solver needs. Both are many independent rows, so they split cleanly.
 *
 * Scoring is synchronous in the estimator interface, so the calling thread takes chunks too and
 * then blocks on Atomics.wait until the workers' chunks are done (allowed on Node's main thread).
 * Workers are started on first use, kept for later calls, and unref'd so they never keep the
 * process alive. If a worker stops making progress (it died, or never started), the calling
 * thread computes the missing chunks itself after a stall of a few seconds: the answer is the same,
 * only slower.
 *
 * Small jobs stay on the calling thread: starting a worker costs tens of milliseconds.
 *
 * Not util/worker-pool.ts: that pool answers through the event loop (promises), which a
 * synchronous score() cannot wait for; here completion is signalled through shared memory.
 *
 * The thread count defaults to the machine's available parallelism (at most 8) and can be set with
 * setKernelThreads (the command line's --threads); a fit's FitContext.threads applies to that fit.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Matrix } from '../../features/matrix.js';
import { chunkRunner, DONE, STATE, workOn, type ExpandJob, type KernelJob, type RowsJob } from './kernel-jobs.js';
import { RbfRows, type Expansion, type RbfTrainingSet } from './rbf.js';
import { expandOne } from './rbf-expand-wasm.js';

/** Below this many kernel evaluations a job runs on the calling thread. */
const PARALLEL_MIN_PAIRS = 4_000_000;
/** No chunk finished for this long: the calling thread takes over the unfinished ones. */
const STALL_MS = 5000;

let threadSetting = Math.max(1, Math.min(8, availableParallelism()));
const workers: Worker[] = [];

/** Threads kernel scoring may use from now on (1 = no workers). */
export function setKernelThreads(n: number): void {
  threadSetting = Math.max(1, Math.floor(n));
}

export function kernelThreads(): number {
  return threadSetting;
}

/** Σ_s coef_s K(x, s) for every row of X, rows × outputs. */
export function expandRows(e: Expansion, X: Matrix, threads = threadSetting): Float64Array {
  const pairs = X.rows * e.count;
  if (threads <= 1 || pairs < PARALLEL_MIN_PAIRS) {
    const out = new Float64Array(X.rows * e.outputs);
    expandOne(e, X, out, 0, X.rows);
    return out;
  }
  // chunks of roughly 200k kernel evaluations: a few milliseconds each
  const chunkRows = Math.max(16, Math.floor(200_000 / Math.max(1, e.count)));
  const chunks = Math.ceil(X.rows / chunkRows);
  const job: ExpandJob = {
    kind: 'expand',
    e: {
      ...e,
      origin: shared(e.origin),
      colMap: shared(e.colMap),
      svT: shared(e.svT),
      svSq: shared(e.svSq),
      coef: shared(e.coef),
    },
    X: { rows: X.rows, cols: X.cols, data: shared(X.data) },
    out: new Float64Array(new SharedArrayBuffer(X.rows * e.outputs * 8)),
    chunkRows,
    chunks,
    control: control(chunks),
  };
  run(job, threads);
  return new Float64Array(job.out);
}

/** Kernel rows K(x_i, ·) for each i in `rows`, rows.length × n (float32, row-major). */
export function kernelRowsParallel(set: RbfTrainingSet, rows: Int32Array, threads: number): Float32Array {
  const n = set.n;
  if (threads <= 1 || rows.length * n < PARALLEL_MIN_PAIRS) {
    const out = new Float32Array(rows.length * n);
    const k = new RbfRows(set);
    for (let t = 0; t < rows.length; t++) k.row(rows[t], out.subarray(t * n, (t + 1) * n));
    return out;
  }
  const chunkRows = Math.max(1, Math.floor(200_000 / Math.max(1, n)));
  const chunks = Math.ceil(rows.length / chunkRows);
  const job: RowsJob = {
    kind: 'rows',
    set: shareSet(set),
    rows: shared(rows),
    out: new Float32Array(new SharedArrayBuffer(rows.length * n * 4)),
    chunkRows,
    chunks,
    control: control(chunks),
  };
  run(job, threads);
  return job.out;
}

/** Share the training set's arrays with workers (copies only what is not shared yet). */
export function shareSet(set: RbfTrainingSet): RbfTrainingSet {
  return {
    ...set,
    ptr: shared(set.ptr),
    idx: shared(set.idx),
    val: shared(set.val),
    colMap: shared(set.colMap),
    xT: shared(set.xT),
    dense: shared(set.dense),
    sq: shared(set.sq),
  };
}

function run(job: KernelJob, threads: number): void {
  const helpers = startWorkers(threads - 1);
  for (const w of helpers) w.postMessage(job);
  workOn(job);
  const ctl = job.control;
  for (;;) {
    const done = Atomics.load(ctl, DONE);
    if (done >= job.chunks) return;
    if (Atomics.wait(ctl, DONE, done, STALL_MS) === 'timed-out' && Atomics.load(ctl, DONE) === done) {
      // nothing finished for STALL_MS: finish what the workers claimed but did not complete
      const runChunk = chunkRunner(job);
      for (let c = 0; c < job.chunks; c++) {
        if (Atomics.load(ctl, STATE + c) !== 2) {
          runChunk(c);
          Atomics.store(ctl, STATE + c, 2);
        }
      }
      return;
    }
  }
}

function startWorkers(count: number): Worker[] {
  while (workers.length < count) {
    const w = new Worker(new URL('./kernel-worker.js', import.meta.url));
    w.unref();
    // a failing worker only costs speed (see run); never let its error end the process
    w.on('error', () => {
      const i = workers.indexOf(w);
      if (i >= 0) workers.splice(i, 1);
    });
    workers.push(w);
  }
  return workers.slice(0, count);
}

function control(chunks: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer((STATE + chunks) * 4));
}

function shared<T extends Float64Array | Float32Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as { new (b: SharedArrayBuffer): T };
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}
