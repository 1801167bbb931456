/**
 * Sum of distances from every row to every cluster, S[i][c] = sum over rows j with label c of
 * |x_i - x_j|, exactly (all n^2/2 pairs), on the WebAssembly SIMD kernel and across worker threads.
 * The silhouette is a few lines on top of S; so would be other cluster-quality indices.
 *
 * Work split: rows are packed in 4-row panels; the triangle of panel pairs is cut into row blocks
 * of 16 panels, handed out through a shared atomic counter (largest first, so the threads finish
 * together), and each block sweeps the panels after it in groups of 64 (160 KiB at 80 columns),
 * which stay in the core's L2 cache while the 16 block panels stream past them. Each thread keeps
 * its own S (n x clusters float64) and the caller adds them up.
 *
 * What it deliberately does not do: approximate (sampling is the caller's choice), or spill S to
 * disk: it refuses with a clear message when n x clusters x threads would not fit in memory.
 */
import { availableParallelism } from 'node:os';
import type { Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { WorkerPool } from '../../util/worker-pool.js';
import { clusterSumsWasm, MAX_PAGES, packPanels, PANEL, type ClusterSums } from './distance-kernel.js';
import { wasm } from '../../linalg/wasm-runtime.js';

/** Panels per row block handed to a thread, and per column group swept while cached. */
const BLOCK_PANELS = 16;
const GROUP_PANELS = 64;
/** Below this many rows a second thread costs more than it saves. */
const MIN_ROWS_FOR_WORKERS = 3000;
/** WebAssembly memory is limited to 4 GiB; keep well under it. */
const MAX_MEMORY_BYTES = 3 * 1024 ** 3;

/** What a worker needs: the packed input and where things are in it. */
export interface SumsJob {
  /** panels | norms | labels, laid out as `layout` says */
  readonly input: SharedArrayBuffer;
  /** Int32Array(1): next row block to take */
  readonly counter: SharedArrayBuffer;
  readonly layout: SumsLayout;
}

export interface SumsLayout {
  readonly rows: number;
  readonly d: number;
  readonly panels: number;
  /** columns of S: clusters + 1 (the last collects padding rows and is ignored) */
  readonly stride: number;
  readonly panelsAt: number;
  readonly normsAt: number;
  readonly labelsAt: number;
  readonly sumsAt: number;
  readonly bytes: number;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * S (rows x clusters, row-major) for X and labels in [0, clusters). `threads` defaults to the
 * machine's parallelism.
 */
export async function distanceSumsByCluster(X: Matrix, labels: Int32Array, clusters: number, threads?: number): Promise<Float64Array> {
  const n = X.rows;
  const d = X.cols;
  const panels = Math.ceil(n / PANEL);
  const padded = panels * PANEL;
  const stride = clusters + 1;
  const panelsAt = 0;
  const normsAt = align16(panelsAt + padded * d * 8);
  const labelsAt = align16(normsAt + padded * 8);
  const sumsAt = align16(labelsAt + padded * 4);
  const bytes = sumsAt + padded * stride * 8;
  const layout: SumsLayout = { rows: n, d, panels, stride, panelsAt, normsAt, labelsAt, sumsAt, bytes };

  let t = Math.max(1, Math.floor(threads ?? availableParallelism()));
  if (n < MIN_ROWS_FOR_WORKERS) t = 1;
  t = Math.min(t, Math.ceil(panels / BLOCK_PANELS));
  if (bytes > MAX_MEMORY_BYTES || bytes * t > 2 * MAX_MEMORY_BYTES) {
    throw new UserError(
      `exact silhouette on ${n} rows and ${clusters} clusters needs ${Math.ceil((bytes * t) / 1024 ** 2)} MiB; ` +
        `pass a sample size (e.g. 20000) to estimate it on a random sample`,
    );
  }

  // Centre the columns first: distances do not change, but the norms in |a|^2 + |b|^2 - 2ab
  // shrink, and with them the cancellation error for close rows (raw byte counts reach 1e9).
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let k = 0, o = r * d; k < d; k++) mean[k] += X.data[o + k];
  for (let k = 0; k < d; k++) mean[k] /= n;
  const centred = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let k = 0, o = r * d; k < d; k++) centred[o + k] = X.data[o + k] - mean[k];
  const input = new SharedArrayBuffer(sumsAt);
  packPanels(centred, n, d, new Float64Array(input, panelsAt, padded * d));
  const norms = new Float64Array(input, normsAt, padded);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = 0, o = r * d; k < d; k++) s += centred[o + k] * centred[o + k];
    norms[r] = s;
  }
  const lab = new Int32Array(input, labelsAt, padded);
  lab.set(labels.subarray(0, n));
  lab.fill(clusters, n); // padding rows land in the ignored last column
  const job: SumsJob = { input, counter: new SharedArrayBuffer(4), layout };

  let parts: Float64Array[];
  if (t === 1) parts = [runSumsJob(job)];
  else {
    // every worker drains the shared counter; one task each
    const pool = new WorkerPool<null, Float64Array>(new URL('./cluster-sums-worker.js', import.meta.url), t, job);
    try {
      parts = await pool.runAll(new Array<null>(t).fill(null));
    } finally {
      await pool.close();
    }
  }

  // add the threads' sums, dropping the padding column and rows
  const out = new Float64Array(n * clusters);
  for (const part of parts) {
    for (let r = 0; r < n; r++) {
      const o = r * clusters;
      const s = r * stride;
      for (let c = 0; c < clusters; c++) out[o + c] += part[s + c];
    }
  }
  return out;
}

/** Runs row blocks until the counter runs out; returns this thread's S (padded rows x stride). */
export function runSumsJob(job: SumsJob): Float64Array {
  const L = job.layout;
  const memory = new wasm.Memory({ initial: Math.ceil(L.bytes / 65536), maximum: MAX_PAGES });
  const instance = new wasm.Instance(clusterSumsWasm(), { env: { memory } });
  const clusterSums = instance.exports.clusterSums as ClusterSums;
  new Uint8Array(memory.buffer, 0, job.input.byteLength).set(new Uint8Array(job.input));
  const counter = new Int32Array(job.counter);
  const blocks = Math.ceil(L.panels / BLOCK_PANELS);
  for (;;) {
    const b = Atomics.add(counter, 0, 1);
    if (b >= blocks) break;
    const p0 = b * BLOCK_PANELS;
    const p1 = Math.min(L.panels, p0 + BLOCK_PANELS);
    for (let q0 = p0; q0 < L.panels; q0 += GROUP_PANELS) {
      clusterSums(L.panelsAt, L.normsAt, L.labelsAt, L.sumsAt, L.d, L.stride, p0, p1, q0, Math.min(L.panels, q0 + GROUP_PANELS));
    }
  }
  return new Float64Array(memory.buffer, L.sumsAt, L.panels * PANEL * L.stride).slice();
}
