/**
 * risk_scores.png: the sorted flow risks (a uniform sample beyond 20,000 flows) with the alert
 * threshold. The bytes are also handed to later sinks (the report inlines them) via ctx.files.
 * Drawing starts as soon as the last batch is scored (`drained`), so it overlaps the rules'
 * finish, the alerts and the store when the renderer runs on another thread.
 */
import { join } from 'node:path';
import { stageFile, StagedSet } from './staged-output.js';
import type { FinishContext, Sink } from '../sink.js';

export type RiskChartRenderer = (kind: 'risk', data: { risks: Float64Array; threshold: number; sampled: boolean; total: number; above?: number }) => Promise<Uint8Array | undefined>;

export function riskChartSink(render: RiskChartRenderer): Sink {
  let dir = '.';
  let threshold = NaN;
  const staged = new StagedSet();
  // started when the last batch is scored (the chart needs only the risks), awaited in finish
  let drawing: Promise<Uint8Array | undefined> | undefined;
  const draw = (s: FinishContext['riskSample'], total: number, above: number): Promise<Uint8Array | undefined> => render('risk', { risks: s.values(), threshold, sampled: s.sampled, total, above });
  return {
    name: 'risk_scores.png',
    async open(info) {
      dir = info.outDir;
      threshold = info.thresholds.flow;
    },
    drained(ctx) {
      drawing = draw(ctx.riskSample, ctx.flows, ctx.riskyFlows);
      // a failure is reported by finish, which awaits the same promise
      drawing.catch(() => undefined);
    },
    async finish(ctx) {
      const png = join(dir, 'risk_scores.png');
      const bytes = await (drawing ?? draw(ctx.riskSample, ctx.result.flows, ctx.result.riskyFlows));
      drawing = undefined;
      if (!bytes) return;
      staged.add(await stageFile(png, bytes));
      ctx.files.set('riskChart', bytes);
      ctx.addOutput('riskChart', png);
    },
    commit: () => staged.commit(),
    abort: () => staged.abort(),
  };
}
