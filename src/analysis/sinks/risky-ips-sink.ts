/** risky_ips.csv and risky_ips.txt: the sources at or above the source risk threshold. */
import { join } from 'node:path';
import { riskyIpsCsvBytes, riskyIpsTxt } from '../../report/risky-ips.js';
import { stageFile, StagedSet } from './staged-output.js';
import type { Sink } from '../sink.js';

export function riskyIpsSink(): Sink {
  let dir = '.';
  const staged = new StagedSet();
  return {
    name: 'risky_ips',
    async open(info) {
      dir = info.outDir;
    },
    async finish(ctx) {
      const csv = join(dir, 'risky_ips.csv');
      const txt = join(dir, 'risky_ips.txt');
      ctx.addOutput('riskyIpsCsv', csv);
      ctx.addOutput('riskyIpsTxt', txt);
      staged.add(await stageFile(csv, riskyIpsCsvBytes(ctx.result.riskyIps, ctx.result.findings)));
      staged.add(await stageFile(txt, riskyIpsTxt(ctx.result.riskyIps)));
    },
    commit: () => staged.commit(),
    abort: () => staged.abort(),
  };
}
