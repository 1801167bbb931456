/**
 * `publish`'s work: read flows through the same dataset readers analyze uses (a FlowSource) and
 * put them on JetStream, one subject per partition of the source-IP hash, as messages of binary
 * columns (flow-columns.ts; the schema header says so) of at most `maxFlows` flows and the server's payload limit. Each message carries its table
 * schema (header) and a message id made of file, first line and partition, so a publish retried
 * within the stream's duplicate window is not stored twice. Publishes are pipelined (a bounded
 * number of acknowledgements outstanding) and the stream's order is the send order.
 */
import { headers } from '@nats-io/transport-node';
import type { PubAck } from '@nats-io/jetstream';
import type { FlowSource } from '../analysis/flow-source.js';
import { flowFields } from '../flows/flow-fields.js';
import { schemaOf, SCHEMA_HEADER } from './flow-codec.js';
import { columnsRowBytes, encodeColumns } from './flow-columns.js';
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
  const send = async (subject: string, data: Uint8Array, schema: string, id: string, flows: number, partition: number): Promise<void> => {
    const h = headers();
    h.set(SCHEMA_HEADER, schema);
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
    const schema = JSON.stringify({ ...schemaOf(batch), layout: 'narrow-columns' });
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
      let rows: number[] = [];
      let bytes = 0;
      const flush = async (): Promise<void> => {
        if (!rows.length) return;
        const first = rows[0];
        const where = batch.origin ? `${batch.origin.files[batch.origin.file[first]]}:${batch.origin.line[first]}` : `${res.flows}`;
        await send(flowSubject(o.prefix, p), encodeColumns(batch, rows), schema, `${where}:${p}:${rows.length}`, rows.length, p);
        rows = [];
        bytes = 0;
      };
      for (const r of byPartition[p]) {
        const size = columnsRowBytes(batch, r);
        if (rows.length && (rows.length >= o.maxFlows || bytes + size > maxBytes)) await flush();
        rows.push(r);
        bytes += size;
      }
      await flush();
    }
    o.progress?.(res.flows);
  }
  await Promise.all(pending);
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}
