/** report.html: the page a person reads (src/report/analysis-report.ts renders it). */
import { join } from 'node:path';
import type { AnalysisResult } from '../../report/analysis-result.js';
import type { Sink } from '../sink.js';

export type ReportRenderer = (r: AnalysisResult, path: string) => Promise<void>;

export function reportHtmlSink(render: ReportRenderer): Sink {
  let dir = '.';
  return {
    name: 'report.html',
    async open(info) {
      dir = info.outDir;
    },
    async finish(ctx) {
      const path = join(dir, 'report.html');
      ctx.addOutput('report', path);
      await render(ctx.result, path);
    },
  };
}
