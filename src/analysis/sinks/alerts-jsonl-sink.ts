/** alerts.jsonl: every alert as one Suricata EVE JSON line, in the order raised. */
import { join } from 'node:path';
import { openStaged, type StagedOutput } from './staged-output.js';
import type { OutputStream } from '../../util/output-stream.js';
import type { Sink } from '../sink.js';

export const ALERTS_FILE = 'alerts.jsonl';

export function alertsJsonlSink(): Sink {
  let out: (OutputStream & StagedOutput) | undefined;
  let path = '';
  return {
    name: ALERTS_FILE,
    async open(info) {
      path = join(info.outDir, ALERTS_FILE);
      out = await openStaged(path);
    },
    async alerts(list) {
      if (!list.length) return;
      let text = '';
      for (const a of list) text += a.json + '\n';
      await out!.write(text);
    },
    async finish(ctx) {
      ctx.addOutput('alerts', path);
    },
    async commit() {
      await out?.commit();
      out = undefined;
    },
    async abort() {
      await out?.abort().catch(() => undefined);
      out = undefined;
    },
  };
}
