/**
 * The risk chart drawn on a worker thread (capture's): started when analysis starts, so loading the
 * chart modules and drawing overlap the reading and scoring on the main thread. Same bytes as
 * riskChartPng (same code, other thread); falls back to drawing on this thread when a worker
 * cannot start, or when asked (analyze: see riskChartThread's inThread).
 */
import { Worker } from 'node:worker_threads';
import { wholeOf } from './analysis-report.js';

export interface RiskChartThread {
  (kind: 'risk', data: { risks: Float64Array; threshold: number; sampled: boolean; total: number; above?: number }): Promise<Uint8Array | undefined>;
  /** stop the worker (when the run ends or is aborted) */
  close(): Promise<void>;
}

/**
 * `inThread`: draw on the calling thread instead (same bytes), resvg's part on libuv's thread pool.
 * `analyze` always does: a worker's own start, loading its modules again and its isolate's compiles
 * and collections cost more CPU than the overlap saves (analyze ordinary.pcap 3.05 → 2.92 s, 7 runs
 * alternated; small.pcap ~40 ms); `capture`, running for hours, keeps the worker.
 */
export function riskChartThread(opts: { readonly inThread?: boolean } = {}): RiskChartThread {
  let worker: Worker | undefined;
  try {
    if (opts.inThread) throw new Error('drawn on this thread');
    worker = new Worker(new URL('./risk-chart-worker.js', import.meta.url));
    worker.unref();
    worker.on('error', () => (worker = undefined));
  } catch {
    worker = undefined;
  }
  const render = (async (kind, data) => {
    // no flows (a capture that caught nothing): no chart to draw, and nothing to warn about
    if (data.risks.length === 0) return undefined;
    const w = worker;
    if (!w) return drawHere(data);
    const answer = await new Promise<{ png?: Uint8Array; error?: string }>((resolve) => {
      w.once('message', resolve);
      w.once('error', (e) => resolve({ error: e.message }));
      w.postMessage({ risks: data.risks, threshold: data.threshold, whole: wholeOf(data).whole });
    });
    if (answer.png) return answer.png;
    process.stderr.write(`netsentinel: warning: could not draw the risk chart: ${answer.error}\n`);
    return undefined;
  }) as RiskChartThread;
  render.close = async () => {
    const w = worker;
    worker = undefined;
    await w?.terminate();
  };
  return render;
}

/**
 * riskChartPng (analysis-report.ts: the same bytes, the same warning on failure) with the drawing
 * on libuv's thread pool: this thread writes the SVG and encodes the PNG (~20 ms), resvg's parse,
 * text layout and rasterising (~30 ms) run beside whatever this thread does next.
 */
async function drawHere(data: { risks: Float64Array; threshold: number; sampled: boolean; total: number; above?: number }): Promise<Uint8Array | undefined> {
  try {
    const { riskScoresPngAsync } = await import('./charts/risk-scores-svg.js');
    return await riskScoresPngAsync(data.risks, data.threshold, wholeOf(data));
  } catch (e) {
    process.stderr.write(`netsentinel: warning: could not draw the risk chart: ${(e as Error).message}
`);
    return undefined;
  }
}
