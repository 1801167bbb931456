/**
 * Worker thread side of the risk chart: loads resvg and the chart's SVG writer as soon as it starts
 * (no Vega: risk-scores-svg.ts) while the main thread reads and scores flows, then draws the chart
 * when the sample of risks arrives. See risk-chart-thread.ts.
 */
import { parentPort } from 'node:worker_threads';

const charts = import('./charts/risk-scores-svg.js');
// fonts read and checked while the main thread is still scoring; a failure is said when drawing
void charts.then(async () => (await import('./charts/raster.js')).prepareFonts()).catch(() => undefined);

parentPort!.on('message', async (m: { risks: Float64Array; threshold: number; whole?: { rows: number; above: number } }) => {
  try {
    const c = await charts;
    const png = c.riskScoresPng(m.risks, m.threshold, m.whole ? { whole: m.whole } : {});
    parentPort!.postMessage({ png });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
  }
});
