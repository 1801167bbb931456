/**
 * risk_scores.png beyond 20,000 flows: the chart plots a uniform sample of the risks, and its
 * texts must still give the run's numbers (its label gave the sample's count of risky flows,
 * 9,119 beside the summary's 11,433 for the CIC-IDS2017 sample's 25,127 flows).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { riskChartSink } from './risk-chart-sink.js';
import { Reservoir } from '../reservoir.js';
import { wholeOf } from '../../report/analysis-report.js';
import { riskScoresSvg } from '../../report/charts/risk-scores-svg.js';
import type { Sink } from '../sink.js';

/** the chart's SVG as the renderer draws it (its PNG is this, rasterised) */
async function chartText(flows: number, threshold: number): Promise<{ svg: string; risky: number }> {
  let svg = '';
  const sink: Sink = riskChartSink(async (_kind, data) => {
    svg = riskScoresSvg(data.risks, data.threshold, wholeOf(data));
    return new Uint8Array(0);
  });
  await sink.open!({ outDir: '/nonexistent', thresholds: { flow: threshold } } as never);
  const sample = new Reservoir(20000, 1);
  let risky = 0;
  for (let i = 0; i < flows; i++) {
    // every 7th flow risky, the rest spread below the threshold
    const risk = i % 7 === 0 ? 0.9995 : (i % 1000) / 1001;
    if (risk >= threshold) risky++;
    sample.add(risk);
  }
  sink.drained!({ riskSample: sample, flows, riskyFlows: risky });
  await new Promise((r) => setImmediate(r));
  return { svg, risky };
}

test('a sampled risk chart counts the whole run: its label has the run\'s risky flows, its notes the sample', async () => {
  const { svg, risky } = await chartText(25127, 0.999);
  assert.equal(risky, 3590);
  assert.match(svg, /threshold 0\.999: 3,590 flows \(14\.3%\) at or above/);
  assert.match(svg, /25,127 flows; drawn: a uniform random sample of 20,000, risk from/);
  // the x axis runs over the run's flows, not the sample's ranks
  assert.match(svg, />24k</);
});

test('a chart of every flow (20,000 or fewer) is drawn as before', async () => {
  const { svg } = await chartText(7000, 0.999);
  assert.match(svg, /threshold 0\.999: 1,000 flows \(14\.3%\) at or above/);
  assert.match(svg, /7,000 flows, risk from/);
  assert.doesNotMatch(svg, /sample/);
});
