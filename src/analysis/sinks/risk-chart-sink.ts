/** risk_scores.png: the sorted flow risks (a uniform sample beyond 20,000 flows) with the threshold. */
import { join } from 'node:path';
import type { Sink } from '../sink.js';

export type RiskChartRenderer = (kind: 'risk', data: { risks: Float64Array; threshold: number; sampled: boolean; total: number }, path: string) => Promise<boolean>;

export function riskChartSink(render: RiskChartRenderer): Sink {
  let dir = '.';
  return {
    name: 'risk_scores.png',
    async open(info) {
      dir = info.outDir;
    },
    async finish(ctx) {
      const png = join(dir, 'risk_scores.png');
      const s = ctx.riskSample;
      if (await render('risk', { risks: s.values(), threshold: ctx.result.thresholds.flow, sampled: s.sampled, total: ctx.result.flows }, png)) ctx.addOutput('riskChart', png);
    },
  };
}
