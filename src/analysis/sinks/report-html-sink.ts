/** report.html: the page a person reads (src/report/analysis-report.ts renders it). */
import { join } from 'node:path';
import type { AnalysisResult } from '../../report/analysis-result.js';
import { stageFile, StagedSet } from './staged-output.js';
import type { Sink } from '../sink.js';

/** The page for a result; `chartPng` is the chart to inline, when one was drawn. */
export type ReportRenderer = (r: AnalysisResult, chartPng?: Uint8Array) => string | Promise<string>;

export function reportHtmlSink(render: ReportRenderer): Sink {
  let dir = '.';
  const staged = new StagedSet();
  return {
    name: 'report.html',
    async open(info) {
      dir = info.outDir;
    },
    async finish(ctx) {
      const path = join(dir, 'report.html');
      ctx.addOutput('report', path);
      staged.add(await stageFile(path, await render(ctx.result, ctx.files.get('riskChart'))));
    },
    commit: () => staged.commit(),
    abort: () => staged.abort(),
  };
}
