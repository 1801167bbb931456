/** summary.json: the run's figures, the risky sources and where every output is. */
import { join } from 'node:path';
import { summaryJson } from '../summary-json.js';
import { stageFile, StagedSet } from './staged-output.js';
import type { Sink } from '../sink.js';

export function summaryJsonSink(): Sink {
  let dir = '.';
  const staged = new StagedSet();
  return {
    name: 'summary.json',
    async open(info) {
      dir = info.outDir;
    },
    async finish(ctx) {
      const path = join(dir, 'summary.json');
      ctx.addOutput('summary', path);
      staged.add(await stageFile(path, JSON.stringify(summaryJson(ctx.result), null, 2) + '\n'));
    },
    commit: () => staged.commit(),
    abort: () => staged.abort(),
  };
}
