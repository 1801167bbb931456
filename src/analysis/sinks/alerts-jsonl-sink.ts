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
      // the lines as UTF-8 straight into one buffer: a batch's alerts joined into one string
      // (tens of MB) were flattened and then encoded again by the stream
      let bytes = 0;
      for (const a of list) bytes += Buffer.byteLength(a.json, 'utf8') + 1;
      const buf = Buffer.allocUnsafe(bytes);
      let at = 0;
      for (const a of list) {
        at += buf.write(a.json, at, 'utf8');
        buf[at++] = 10;
      }
      await out!.write(buf);
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
