/**
 * `publish`'s work: read flows through the same dataset readers analyze uses (a FlowSource) and
 * put them on JetStream, one subject per partition of the source-IP hash, as messages of binary
 * columns (flow-columns.ts; the schema header says so) of at most `maxFlows` flows and the server's payload limit. Each message carries its table
 * schema (header) and a message id made of file, first line, partition, flows and a hash of the
 * message's bytes, so a publish retried within the stream's duplicate window is not stored twice,
 * and other flows under the same name never pass for a retry (a file written again under its name,
 * stdin, a live capture started again: before the hash, their first messages had the ids of the
 * last run's and the stream dropped them as duplicates). Publishes are pipelined (a bounded
 * number of acknowledgements outstanding) and the stream's order is the send order.
 */
import { headers } from '@nats-io/transport-node';
import type { PubAck } from '@nats-io/jetstream';
import type { FlowSource } from '../analysis/flow-source.js';
import { sourceIpField } from '../flows/flow-fields.js';
import type { FlowTable } from '../flows/table.js';
import { schemaOf, SCHEMA_HEADER } from './flow-codec.js';
import { columnsRowsBytes, encodeSegments } from './flow-columns.js';
import { flowSubject, partitionOf } from './partition.js';
import type { Bus } from './nats-bus.js';
import { createHash } from 'node:crypto';
import type { Finding } from '../detect/finding.js';
import { findingAlertInput } from '../analysis/alerts.js';
import { alertKey } from '../report/eve-alert.js';
import { encodeFindings, FINDINGS_HEADER } from './finding-messages.js';
import type { PacketFindings } from '../packets/packet-evidence.js';

export interface PublishOptions {
  readonly prefix: string;
  readonly partitions: number;
  /** most flows per message */
  readonly maxFlows: number;
  /** most read batches a partition's partly filled message waits through for more rows; default 4 */
  readonly holdBatches?: number;
  /** most publishes awaiting their acknowledgement */
  readonly inFlight?: number;
  /** after each read batch: the flows sent so far, and the totals so far */
  readonly progress?: (flows: number, sent: Readonly<PublishResult>) => void;
  /**
   * the packet detectors watching the captures read (publish of a capture): what they found is
   * sent to the partition of each finding's source, as it opens (after each read batch) and at the
   * end (what was not sent), in messages of their own (finding-messages.ts)
   */
  readonly packetFindings?: PacketFindings;
  /**
   * every partition's rows are sent at the end of each read batch, however few (a live capture: its
   * batches are cut by time, and a worker should see a flow within a batch of its end, not after
   * `holdBatches` more)
   */
  readonly flushEachBatch?: boolean;
}

export interface PublishResult {
  flows: number;
  messages: number;
  /** messages the stream already had (same id within its duplicate window) */
  duplicates: number;
  /** packet-detector findings sent (publish of a capture) */
  findings: number;
  bytes: number;
  perPartition: number[];
  seconds: number;
}

export async function publishFlows(bus: Bus, source: FlowSource, o: PublishOptions): Promise<PublishResult> {
  const t0 = performance.now();
  const maxBytes = Math.max(4096, bus.nc.info!.max_payload - 16 * 1024);
  const res: PublishResult = { flows: 0, messages: 0, duplicates: 0, findings: 0, bytes: 0, perPartition: new Array(o.partitions).fill(0), seconds: 0 };
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
  // Rows a partition got from earlier batches that did not fill a message: they wait for the next
  // batch's rows of that partition, so messages hold about `maxFlows` flows however the sources
  // spread over the partitions (a read batch of 8,000 CIC-IDS2017 flows gave a few partitions most
  // of its rows and the others a handful each: 257 flows per message for --message-flows 1000, and a
  // worker's cost per message weighs on each flow). A remainder waits for at most `holdBatches` read
  // batches (counted, not timed, so the same input always makes the same messages and ids: a
  // retried publish is deduplicated) and never across a change of schema. With one partition they
  // never join another file's rows either: message k then holds rows k·N+1.. of a file as analyze
  // --batch-rows N reads them, and scores the same. With several, a partition's rows are no batch
  // analyze would make anyway, and a folder of small files (2,500 flows each in the CIC sample)
  // would otherwise still give messages of a few hundred flows.
  //
  // A partition's message being filled: rows of one or more read batches, kept by reference and
  // encoded straight from them when it is sent (encodeSegments: no joined copy of the rows first)
  interface Filling {
    segments: { table: FlowTable; rows: Int32Array }[];
    flows: number;
    bytes: number;
    schema: string;
    file: string;
    /** read batches it has waited through */
    age: number;
  }
  const filling: (Filling | undefined)[] = new Array(o.partitions).fill(undefined);
  const holdBatches = o.holdBatches ?? 4;
  const sendFilling = async (p: number): Promise<void> => {
    const f = filling[p];
    if (!f) return;
    filling[p] = undefined;
    const first = f.segments[0];
    const r0 = first.rows[0];
    // the message's first row names it (joined rows have an origin only when every batch has one)
    const where = f.segments.every((g) => g.table.origin) ? `${first.table.origin!.files[first.table.origin!.file[r0]]}:${first.table.origin!.line[r0]}` : `${res.flows}`;
    const data = encodeSegments(f.segments);
    await send(flowSubject(o.prefix, p), data, f.schema, `${where}:${p}:${f.flows}:${createHash('sha256').update(data).digest('hex').slice(0, 24)}`, f.flows, p);
  };
  // the packet detectors' findings, each once (by its alert's key, as a worker raises it), to the
  // partition of its source (one without: partition 0), after the flows read before it opened. A
  // partition's held rows go first, so its worker sees the source's flows before the finding
  const sentFindings = new Set<string>();
  const sendFindings = async (list: readonly Finding[]): Promise<void> => {
    const byPartition = new Map<number, Finding[]>();
    for (const f of list) {
      const key = alertKey(findingAlertInput(f));
      if (sentFindings.has(key)) continue;
      sentFindings.add(key);
      const p = f.srcIp ? partitionOf(f.srcIp, o.partitions) : 0;
      const group = byPartition.get(p);
      if (group) group.push(f);
      else byPartition.set(p, [f]);
    }
    for (const [p, group] of byPartition) {
      await sendFilling(p);
      const data = encodeFindings(group);
      const h = headers();
      h.set(FINDINGS_HEADER, String(group.length));
      const id = `findings:${p}:${createHash('sha256').update(data).digest('hex').slice(0, 32)}`;
      const sent: Promise<void> = bus.js.publish(flowSubject(o.prefix, p), data, { headers: h, msgID: id, timeout: 10_000 }).then((ack: PubAck) => {
        if (ack.duplicate) res.duplicates++;
      });
      res.messages++;
      res.bytes += data.length;
      res.findings += group.length;
      const tracked = sent.finally(() => pending.delete(tracked));
      pending.add(tracked);
      if (pending.size >= limit) await Promise.race(pending);
    }
  };
  for await (const batch of source.batches()) {
    const srcIp = sourceIpField(batch);
    const schema = JSON.stringify({ ...schemaOf(batch), layout: 'narrow-columns' });
    // the batch's rows grouped by partition, in order (a counting sort: partition p's rows are
    // order[start[p] .. start[p + 1]), and a message's share of them one view of that stretch)
    const n = batch.rowCount;
    const partOf = new Int32Array(n);
    const start = new Int32Array(o.partitions + 1);
    if (srcIp) {
      const codePart = new Int32Array(srcIp.dictionary.length).fill(-1);
      for (let r = 0; r < n; r++) {
        const c = srcIp.codes[r];
        let p = 0;
        if (c >= 0) {
          if (codePart[c] < 0) codePart[c] = partitionOf(srcIp.dictionary[c], o.partitions);
          p = codePart[c];
        }
        partOf[r] = p;
        start[p + 1]++;
      }
    } else start[1] = n;
    for (let p = 0; p < o.partitions; p++) start[p + 1] += start[p];
    const order = new Int32Array(n);
    const next = start.slice(0, o.partitions);
    for (let r = 0; r < n; r++) order[next[partOf[r]]++] = r;
    const sizes = columnsRowsBytes(batch);
    const file = o.partitions === 1 ? fileOf(batch, 0) : '';
    for (let p = 0; p < o.partitions; p++) {
      const w = filling[p];
      if (w && (w.schema !== schema || w.file !== file || ++w.age > holdBatches)) await sendFilling(p);
      // order[from .. i): rows of this batch taken into filling[p] and not yet in its segments
      let from = start[p];
      for (let i = from; i < start[p + 1]; i++) {
        const size = sizes[order[i]];
        let f = filling[p];
        if (f && (f.flows >= o.maxFlows || f.bytes + size > maxBytes)) {
          if (i > from) f.segments.push({ table: batch, rows: order.subarray(from, i) });
          from = i;
          await sendFilling(p);
          f = undefined;
        }
        if (!f) f = filling[p] = { segments: [], flows: 0, bytes: 0, schema, file, age: 0 };
        f.flows++;
        f.bytes += size;
      }
      const f = filling[p];
      if (f && start[p + 1] > from) f.segments.push({ table: batch, rows: order.subarray(from, start[p + 1]) });
      // a full message goes now rather than waiting for the next batch to find it full
      if (f && f.flows >= o.maxFlows) await sendFilling(p);
    }
    if (o.flushEachBatch) for (let p = 0; p < o.partitions; p++) await sendFilling(p);
    o.progress?.(res.flows, res);
    if (o.packetFindings) await sendFindings(o.packetFindings.opened());
  }
  for (let p = 0; p < o.partitions; p++) await sendFilling(p);
  if (o.packetFindings) await sendFindings(await o.packetFindings.finish());
  await Promise.all(pending);
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}

/** The file a row came from ('' without origins): with one partition, held rows never join another file's. */
function fileOf(t: FlowTable, row: number): string {
  return t.origin && t.rowCount > 0 ? t.origin.files[t.origin.file[row]] : '';
}
