/** summary.json: the run's figures, the risky sources and where every output is. */
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { summaryJson } from '../summary-json.js';
import type { Sink } from '../sink.js';

export function summaryJsonSink(): Sink {
  let dir = '.';
  return {
    name: 'summary.json',
    async open(info) {
      dir = info.outDir;
    },
    async finish(ctx) {
      const path = join(dir, 'summary.json');
      ctx.addOutput('summary', path);
      await writeFile(path, JSON.stringify(summaryJson(ctx.result), null, 2) + '\n');
    },
  };
}
