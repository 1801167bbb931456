/** alerts.jsonl: every alert as one Suricata EVE JSON line, in the order raised. */
import { join } from 'node:path';
import { openOutput, type OutputStream } from '../../util/output-stream.js';
import type { Sink } from '../sink.js';

export const ALERTS_FILE = 'alerts.jsonl';

export function alertsJsonlSink(): Sink {
  let out: OutputStream;
  let path = '';
  return {
    name: ALERTS_FILE,
    async open(info) {
      path = join(info.outDir, ALERTS_FILE);
      out = await openOutput(path, 'analyze');
    },
    async alerts(list) {
      if (!list.length) return;
      let text = '';
      for (const a of list) text += JSON.stringify(a.record) + '\n';
      await out.write(text);
    },
    async finish(ctx) {
      await out.close();
      ctx.addOutput('alerts', path);
    },
    async abort() {
      await out?.close().catch(() => undefined);
    },
  };
}
