/**
 * risk_scores.png: the sorted flow risks (a uniform sample beyond 20,000 flows) with the alert
 * threshold. The bytes are also handed to later sinks (the report inlines them) via ctx.files.
 */
import { join } from 'node:path';
import { stageFile, StagedSet } from './staged-output.js';
import type { Sink } from '../sink.js';

export type RiskChartRenderer = (kind: 'risk', data: { risks: Float64Array; threshold: number; sampled: boolean; total: number }) => Promise<Uint8Array | undefined>;

export function riskChartSink(render: RiskChartRenderer): Sink {
  let dir = '.';
  const staged = new StagedSet();
  return {
    name: 'risk_scores.png',
    async open(info) {
      dir = info.outDir;
    },
    async finish(ctx) {
      const png = join(dir, 'risk_scores.png');
      const s = ctx.riskSample;
      const bytes = await render('risk', { risks: s.values(), threshold: ctx.result.thresholds.flow, sampled: s.sampled, total: ctx.result.flows });
      if (!bytes) return;
      staged.add(await stageFile(png, bytes));
      ctx.files.set('riskChart', bytes);
      ctx.addOutput('riskChart', png);
    },
    commit: () => staged.commit(),
    abort: () => staged.abort(),
  };
}
