/**
 * Worker thread side of the risk chart: loads Vega and resvg as soon as it starts (the slowest
 * modules analyze uses, ~0.3 s of compiling) while the main thread reads and scores flows, then
 * draws the chart when the sample of risks arrives. See risk-chart-thread.ts.
 */
import { parentPort } from 'node:worker_threads';

const charts = import('./charts/index.js');

parentPort!.on('message', async (m: { risks: Float64Array; threshold: number }) => {
  try {
    const c = await charts;
    const png = (await c.renderPngBuffer(c.riskScoresSpec(Array.from(m.risks), m.threshold))).png;
    parentPort!.postMessage({ png });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
  }
});
