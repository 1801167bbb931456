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
import { categoricalColumn, concatTables, takeTableRows, type Column, type FlowTable } from '../flows/table.js';
import { schemaOf, SCHEMA_HEADER } from './flow-codec.js';
import { columnsRowBytes, encodeColumns } from './flow-columns.js';
import { flowSubject, partitionOf } from './partition.js';
import type { Bus } from './nats-bus.js';

export interface PublishOptions {
  readonly prefix: string;
  readonly partitions: number;
  /** most flows per message */
  readonly maxFlows: number;
  /** most read batches a partition's partly filled message waits through for more rows; default 4 */
  readonly holdBatches?: number;
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
  const held: ({ table: FlowTable; schema: string; file: string; age: number } | undefined)[] = new Array(o.partitions).fill(undefined);
  const holdBatches = o.holdBatches ?? 4;
  const sendRows = async (t: FlowTable, rows: ArrayLike<number>, schema: string, p: number): Promise<void> => {
    const first = rows[0];
    const where = t.origin ? `${t.origin.files[t.origin.file[first]]}:${t.origin.line[first]}` : `${res.flows}`;
    await send(flowSubject(o.prefix, p), encodeColumns(t, rows), schema, `${where}:${p}:${rows.length}`, rows.length, p);
  };
  const flushHeld = async (p: number): Promise<void> => {
    const h = held[p];
    if (!h) return;
    held[p] = undefined;
    await sendRows(h.table, Array.from({ length: h.table.rowCount }, (_, i) => i), h.schema, p);
  };
  /** Send the partition's rows as full messages; keep the last, partly filled one (unless `last`). */
  const fill = async (t: FlowTable, rowsOfP: readonly number[], schema: string, p: number): Promise<void> => {
    let rows: number[] = [];
    let bytes = 0;
    for (const r of rowsOfP) {
      const size = columnsRowBytes(t, r);
      if (rows.length && (rows.length >= o.maxFlows || bytes + size > maxBytes)) {
        await sendRows(t, rows, schema, p);
        rows = [];
        bytes = 0;
      }
      rows.push(r);
      bytes += size;
    }
    if (!rows.length) return;
    if (rows.length >= o.maxFlows || bytes >= maxBytes / 2) await sendRows(t, rows, schema, p);
    else held[p] = { table: heldRows(t, rows), schema, file: o.partitions === 1 ? fileOf(t, rows[0]) : '', age: 0 };
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
    const file = o.partitions === 1 ? fileOf(batch, 0) : '';
    for (let p = 0; p < o.partitions; p++) {
      const h = held[p];
      if (h && (h.schema !== schema || h.file !== file || ++h.age > holdBatches)) await flushHeld(p);
      const rowsOfP = byPartition[p];
      if (!rowsOfP.length) continue;
      const before = held[p];
      if (before) {
        // the held rows first, then this batch's: one table, rows in their order
        held[p] = undefined;
        const joined = concatTables([before.table, heldRows(batch, rowsOfP)]);
        const sent = res.messages;
        await fill(joined, Array.from({ length: joined.rowCount }, (_, i) => i), schema, p);
        // no message went: the held rows still wait (their age goes on); one did: it took them all
        // (fewer than a message), and what is held now is this batch's
        if (held[p] && res.messages === sent) held[p] = { ...held[p]!, age: before.age };
      } else await fill(batch, rowsOfP, schema, p);
    }
    o.progress?.(res.flows);
  }
  for (let p = 0; p < o.partitions; p++) await flushHeld(p);
  await Promise.all(pending);
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}

/** The file a row came from ('' without origins): with one partition, held rows never join another file's. */
function fileOf(t: FlowTable, row: number): string {
  return t.origin && t.rowCount > 0 ? t.origin.files[t.origin.file[row]] : '';
}

/**
 * Rows kept for a later message, with each text column's dictionary cut to the entries they use: a
 * read batch's dictionary (a Flow ID per flow) would otherwise be carried whole and merged again
 * at every join (publish took 20 % more CPU that way).
 */
function heldRows(t: FlowTable, rows: ArrayLike<number>): FlowTable {
  const taken = takeTableRows(t, rows);
  const columns = taken.columns.map((c): Column => {
    if (c.kind === 'numeric') return c;
    const code = new Map<number, number>();
    const dictionary: string[] = [];
    const codes = new Int32Array(c.codes.length);
    for (let i = 0; i < codes.length; i++) {
      const old = c.codes[i];
      if (old < 0) {
        codes[i] = -1;
        continue;
      }
      let k = code.get(old);
      if (k === undefined) {
        k = dictionary.length;
        dictionary.push(c.dictionary[old]);
        code.set(old, k);
      }
      codes[i] = k;
    }
    return categoricalColumn(c.name, c.role, codes, dictionary);
  });
  return { ...taken, columns };
}
