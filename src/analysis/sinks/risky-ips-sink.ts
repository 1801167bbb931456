/** risky_ips.csv and risky_ips.txt: the sources at or above the source risk threshold. */
import { join } from 'node:path';
import { writeRiskyIps } from '../../report/risky-ips.js';
import type { Sink } from '../sink.js';

export function riskyIpsSink(): Sink {
  let dir = '.';
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
      await writeRiskyIps(ctx.result.riskyIps, csv, txt);
    },
  };
}
