/**
 * `publish`'s work: read flows through the same dataset readers analyze uses (a FlowSource) and
 * put them on JetStream, one subject per partition of the source-IP hash, as JSON-lines messages
 * (array rows in the schema header's column order, see flow-codec.ts) of at most `maxFlows` flows and the server's payload limit. Each message carries its table
 * schema (header) and a message id made of file, first line and partition, so a publish retried
 * within the stream's duplicate window is not stored twice. Publishes are pipelined (a bounded
 * number of acknowledgements outstanding) and the stream's order is the send order.
 */
import { headers } from '@nats-io/transport-node';
import type { PubAck } from '@nats-io/jetstream';
import type { FlowSource } from '../analysis/flow-source.js';
import { flowFields } from '../flows/flow-fields.js';
import { encodeRowCompact, schemaOf, SCHEMA_HEADER } from './flow-codec.js';
import { flowSubject, partitionOf } from './partition.js';
import type { Bus } from './nats-bus.js';

export interface PublishOptions {
  readonly prefix: string;
  readonly partitions: number;
  /** most flows per message */
  readonly maxFlows: number;
  /** most publishes awaiting their acknowledgement */
  readonly inFlight?: number;
  readonly progress?: (flows: number) => void;
}

export interface PublishResult {
  flows: number;
  messages: number;
  /** messages the stream already had (same id within its duplicate window) */
  duplicates: number;
  bytes: number;
  perPartition: number[];
  seconds: number;
}

export async function publishFlows(bus: Bus, source: FlowSource, o: PublishOptions): Promise<PublishResult> {
  const t0 = performance.now();
  const maxBytes = Math.max(4096, bus.nc.info!.max_payload - 16 * 1024);
  const res: PublishResult = { flows: 0, messages: 0, duplicates: 0, bytes: 0, perPartition: new Array(o.partitions).fill(0), seconds: 0 };
  const pending = new Set<Promise<void>>();
  const limit = o.inFlight ?? 256;
  const send = async (subject: string, body: string, schema: string, id: string, flows: number, partition: number): Promise<void> => {
    const h = headers();
    h.set(SCHEMA_HEADER, schema);
    const data = new TextEncoder().encode(body);
    const p: Promise<void> = bus.js.publish(subject, data, { headers: h, msgID: id, timeout: 10_000 }).then((ack: PubAck) => {
      if (ack.duplicate) res.duplicates++;
    });
    res.messages++;
    res.bytes += data.length;
    res.flows += flows;
    res.perPartition[partition] += flows;
    const tracked = p.finally(() => pending.delete(tracked));
    pending.add(tracked);
    if (pending.size >= limit) await Promise.race(pending);
  };
  for await (const batch of source.batches()) {
    const ff = flowFields(batch);
    const schema = JSON.stringify(schemaOf(batch));
    const byPartition: number[][] = Array.from({ length: o.partitions }, () => []);
    const codePart = ff.srcIp ? new Int32Array(ff.srcIp.dictionary.length).fill(-1) : undefined;
    for (let r = 0; r < batch.rowCount; r++) {
      let p = 0;
      if (ff.srcIp && codePart) {
        const c = ff.srcIp.codes[r];
        if (c >= 0) {
          if (codePart[c] < 0) codePart[c] = partitionOf(ff.srcIp.dictionary[c], o.partitions);
          p = codePart[c];
        }
      }
      byPartition[p].push(r);
    }
    for (let p = 0; p < o.partitions; p++) {
      const rows = byPartition[p];
      let lines: string[] = [];
      let bytes = 0;
      let firstRow = -1;
      const flush = async (): Promise<void> => {
        if (!lines.length) return;
        const where = batch.origin ? `${batch.origin.files[batch.origin.file[firstRow]]}:${batch.origin.line[firstRow]}` : `${res.flows}`;
        await send(flowSubject(o.prefix, p), lines.join('\n'), schema, `${where}:${p}:${lines.length}`, lines.length, p);
        lines = [];
        bytes = 0;
      };
      for (const r of rows) {
        const line = encodeRowCompact(batch, r);
        if (lines.length && (lines.length >= o.maxFlows || bytes + line.length + 1 > maxBytes)) await flush();
        if (!lines.length) firstRow = r;
        lines.push(line);
        bytes += line.length + 1;
      }
      await flush();
    }
    o.progress?.(res.flows);
  }
  await Promise.all(pending);
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}
