/**
 * publish against the real NATS JetStream (127.0.0.1:4222, or NETSENTINEL_NATS_URL): a partition that gets a few rows of each
 * read batch still gets full messages (its rows wait for the next batches', at most `holdBatches`
 * of them, across files), every row arrives once, in order within its partition; with one
 * partition a message never holds two files' rows (message k is analyze --batch-rows N's batch k). The messages are read back from the stream and decoded as a worker decodes them.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { categoricalFrom, numericColumn, type FlowTable } from '../flows/table.js';
import type { FlowSource } from '../analysis/flow-source.js';
import { ensureStream, openBus, type Bus } from './nats-bus.js';
import { publishFlows } from './publish-flows.js';
import { partitionOf } from './partition.js';
import { decodeColumns } from './flow-columns.js';
import { SCHEMA_HEADER, type WireSchema } from './flow-codec.js';
import { reachable } from '../testing/local-services.js';

const inCi = process.env.CI === 'true';
const NATS_URL = process.env.NETSENTINEL_NATS_URL ?? 'nats://127.0.0.1:4222';
const natsUp = await reachable(Number(new URL(NATS_URL).port || 4222), new URL(NATS_URL).hostname);
const skip = !natsUp && !inCi ? `NATS (JetStream) is not running at ${NATS_URL}` : false;

const PARTITIONS = 4;
let bus: Bus | undefined;
const streams: string[] = [];
after(async () => {
  if (bus) {
    for (const s of streams) await bus.jsm.streams.delete(s).catch(() => undefined);
    await bus.close();
  }
});

/** A new stream of this test run, `NSTEST_<pid>_<name>` (deleted after the tests), on the shared bus. */
async function freshStream(name: string): Promise<{ b: Bus; stream: string; prefix: string }> {
  bus ??= await openBus(NATS_URL, 'test');
  const stream = `NSTEST_${process.pid}_${name}`;
  streams.push(stream);
  await ensureStream(bus, stream, stream.toLowerCase());
  return { b: bus, stream, prefix: stream.toLowerCase() };
}

/** Source addresses by partition: one busy source, and one quiet source in each other partition. */
function addresses(): string[][] {
  const by: string[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let i = 0; by.some((l) => l.length === 0); i++) {
    const a = `10.1.${i >> 8}.${i & 255}`;
    const p = partitionOf(a, PARTITIONS);
    if (by[p].length === 0) by[p].push(a);
  }
  return by;
}

/** `batches` batches of 100 rows per file: 91 from the busy source, 3 from each quiet one. */
function source(files: readonly string[], batches: number): { src: FlowSource; busy: number } {
  const by = addresses();
  const busy = 0;
  const tables: FlowTable[] = [];
  for (const f of files) {
    for (let b = 0; b < batches; b++) {
      const ips: string[] = [];
      for (let i = 0; i < 100; i++) {
        const k = i % 33;
        ips.push(k < PARTITIONS && k !== busy ? by[k][0] : by[busy][0]);
      }
      const line = Float64Array.from({ length: 100 }, (_, i) => 2 + b * 100 + i);
      tables.push({
        rowCount: 100,
        format: 'csv',
        normalClass: 'BENIGN',
        columns: [categoricalFrom('Src IP', 'meta', ips), numericColumn('Flow Duration', 'feature', line.map((x) => x * 10))],
        origin: { files: [f], file: new Int32Array(100), line },
      });
    }
  }
  return { src: { inputs: [...files], batches: async function* () { yield* tables; } }, busy };
}

interface Got { partition: number; rows: { file: string; line: number; duration: number; src: string | null }[] }

async function readBack(b: Bus, stream: string, prefix: string, count: number): Promise<Got[]> {
  const out: Got[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const m = await b.jsm.streams.getMessage(stream, { seq });
    assert.ok(m, `message ${seq} is in the stream`);
    const schema = JSON.parse(m.header.get(SCHEMA_HEADER)) as WireSchema;
    const t = decodeColumns(m.data, m.subject, schema);
    const dur = t.columns.find((c) => c.name === 'Flow Duration')!;
    const src = t.columns.find((c) => c.name === 'Src IP')!;
    assert.equal(dur.kind, 'numeric');
    assert.equal(src.kind, 'categorical');
    out.push({
      partition: Number(m.subject.slice(prefix.length + '.flows.'.length)),
      rows: Array.from({ length: t.rowCount }, (_, r) => ({ file: t.origin!.files[t.origin!.file[r]], line: t.origin!.line[r], duration: dur.kind === 'numeric' ? dur.values[r] : NaN, src: src.kind === 'categorical' && src.codes[r] >= 0 ? src.dictionary[src.codes[r]] : null })),
    });
  }
  return out;
}

test('publish fills a quiet partition\'s messages from later batches and keeps order; one partition never mixes files', { skip, timeout: 60_000 }, async () => {
  const { b: bus, stream, prefix } = await freshStream('PUBFILL');
  const files = ['monday.csv', 'tuesday.csv'];
  const { src, busy } = source(files, 10);
  const r = await publishFlows(bus, src, { prefix, partitions: PARTITIONS, maxFlows: 20 });
  assert.equal(r.flows, 2000);
  const got = await readBack(bus, stream, prefix, r.messages);
  assert.equal(got.reduce((s, g) => s + g.rows.length, 0), 2000, 'every row once');
  for (const g of got) {
    assert.ok(g.rows.length <= 20, `a message of ${g.rows.length} flows, above --message-flows`);
    for (const x of g.rows) {
      assert.equal(x.duration, x.line * 10, 'values travel with their row');
      assert.equal(partitionOf(x.src, PARTITIONS), g.partition, 'a row\'s source address travels with it, on its partition');
    }
  }
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = got.filter((g) => g.partition === p);
    for (const f of files) {
      const lines = mine.flatMap((g) => g.rows).filter((x) => x.file === f).map((x) => x.line);
      const sorted = [...lines].sort((a, b) => a - b);
      assert.deepEqual(lines, sorted, `partition ${p}, ${f}: rows in input order`);
    }
    if (p === busy) continue;
    // 3 rows per batch, 20 batches: the old publish sent 20 messages of 3 flows; held through at
    // most 4 further batches, they go as four messages of 15
    assert.deepEqual(mine.map((g) => g.rows.length), [15, 15, 15, 15]);
  }
  // the busy partition: 91 rows per batch → full messages of 20, and its remainders join the next batch
  const busyMsgs = got.filter((g) => g.partition === busy);
  assert.ok(busyMsgs.filter((g) => g.rows.length < 20).length <= 2, `busy partition: ${busyMsgs.map((g) => g.rows.length).join(' ')}`);

  // publishing the same input again gives the same message ids: the stream stores nothing twice
  const again = await publishFlows(bus, source(files, 10).src, { prefix, partitions: PARTITIONS, maxFlows: 20 });
  assert.equal(again.duplicates, again.messages);

  // one partition: full messages within each file, the file's last rows alone (1,000 = 33 × 30 + 10)
  const { stream: one, prefix: onePrefix } = await freshStream('PUBONE');
  const r1 = await publishFlows(bus, source(files, 10).src, { prefix: onePrefix, partitions: 1, maxFlows: 30 });
  const got1 = await readBack(bus, one, onePrefix, r1.messages);
  assert.equal(r1.messages, 68);
  for (const g of got1) assert.equal(new Set(g.rows.map((x) => x.file)).size, 1, 'a message holds one file\'s rows');
  assert.deepEqual(got1.map((g) => g.rows.length), [...Array(33).fill(30), 10, ...Array(33).fill(30), 10]);
});

test('publish: other flows under the same file name and lines are new messages, not a retry of the last publish', { skip, timeout: 60_000 }, async () => {
  const { b: bus, stream, prefix } = await freshStream('PUBIDS');
  const first = await publishFlows(bus, source(['flows.csv'], 3).src, { prefix, partitions: 2, maxFlows: 50 });
  assert.equal(first.duplicates, 0);
  // the file written again under its name (a rotated export, stdin, a capture started again): other values, same lines
  const { src } = source(['flows.csv'], 3);
  const rewritten: FlowSource = {
    inputs: src.inputs,
    batches: async function* () {
      for await (const t of src.batches()) {
        const dur = t.columns[1];
        yield { ...t, columns: [t.columns[0], numericColumn('Flow Duration', 'feature', (dur.kind === 'numeric' ? dur.values : new Float64Array(0)).map((x) => x + 1))] };
      }
    },
  };
  const second = await publishFlows(bus, rewritten, { prefix, partitions: 2, maxFlows: 50 });
  assert.equal(second.messages, first.messages);
  assert.equal(second.duplicates, 0, 'the stream stored the second file\'s messages (before, their ids were the first\'s: every one dropped as a duplicate)');
  const info = await bus.jsm.streams.info(stream);
  assert.equal(info.state.messages, first.messages + second.messages);
  // and the same flows again are still a retry: nothing stored twice
  const retry = await publishFlows(bus, source(['flows.csv'], 3).src, { prefix, partitions: 2, maxFlows: 50 });
  assert.equal(retry.duplicates, retry.messages);
});
