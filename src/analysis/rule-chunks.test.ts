/**
 * The rules' chunks of the flow stream: where they are cut (every `chunkRows` flows of the input,
 * and at a change of format, never at a batch's end), that batches come back whole and in order
 * with their rows' rule p, and that the fields of several batches join and split without losing or
 * moving a row. The analyze-level check (byte-identical outputs at any batch size) is
 * batch-independence.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowFields, type FlowFields } from '../flows/flow-fields.js';
import { flowTable, probe, type FlowSpec } from '../detect/flow-fixtures.js';
import { numericColumn, type FlowTable } from '../flows/table.js';
import { concatFields, RuleChunks, sliceFields } from './rule-chunks.js';
import { createRulesStage } from './rules-stage.js';

/** a deterministic shuffle of 0..n-1 */
function shuffled(n: number, seed: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** three sources scanning, one of them twice with a pause, plus quiet traffic; in shuffled order */
function flows(): FlowSpec[] {
  const out: FlowSpec[] = [];
  for (let k = 0; k < 40; k++) out.push(probe('10.0.0.7', '10.0.0.2', 1000 + k, k * 0.5));
  for (let k = 0; k < 30; k++) out.push(probe('10.0.0.7', '10.0.0.2', 2000 + k, 900 + k));
  for (let k = 0; k < 25; k++) out.push(probe('10.0.0.8', '10.0.0.3', 3000 + k, 300 + k * 2));
  for (let k = 0; k < 120; k++) out.push({ src: `10.1.0.${k % 30}`, dst: '10.0.0.9', dport: 443, t: k * 9, fwdBytes: 500, bwdBytes: 4000 });
  return shuffled(out.length, 7).map((i) => out[i]);
}

function batches(all: readonly FlowSpec[], size: number): FlowTable[] {
  const out: FlowTable[] = [];
  for (let i = 0; i < all.length; i += size) out.push(flowTable(all.slice(i, i + size)));
  return out;
}

/** every row's rule p and the findings, feeding the stage `size`-row batches through push/flush */
function run(size: number, chunkRows: number): { p: number[]; findings: string[]; order: number[] } {
  const stage = createRulesStage({}, { chunkRows });
  const p: number[] = [];
  const order: number[] = [];
  const fed = batches(flows(), size);
  const take = (ready: { batch: FlowTable; ruleP: Float64Array }[]): void => {
    for (const d of ready) {
      order.push(fed.indexOf(d.batch));
      p.push(...d.ruleP);
    }
  };
  for (const t of fed) take(stage.push!(t, flowFields(t)));
  take(stage.flush!());
  const findings = stage.finish().findings.map((f) => `${f.ruleId} ${f.srcIp} ${f.count} ${f.firstSeen}..${f.lastSeen}`);
  return { p, findings, order };
}

test('rule p and findings are the same whatever the batch size; batches come back whole, in order', () => {
  for (const chunkRows of [64, 100, 65536]) {
    const ref = run(1, chunkRows);
    assert.equal(ref.p.length, flows().length);
    assert.ok(ref.findings.length >= 3, `the scans are found (${ref.findings.join('; ')})`);
    assert.ok(ref.p.some((x) => x > 0) && ref.p.some((x) => x === 0), 'some flows carry rule evidence, some none');
    for (const size of [7, 33, 64, 100, 1000]) {
      const got = run(size, chunkRows);
      assert.deepEqual(got.p, ref.p, `chunks of ${chunkRows}, batches of ${size}: rule p`);
      assert.deepEqual(got.findings, ref.findings, `chunks of ${chunkRows}, batches of ${size}: findings`);
      assert.deepEqual(
        got.order,
        got.order.map((_, i) => i),
        'every batch once, in input order',
      );
    }
  }
  // the whole input in one chunk is the rules over it as one batch (what analyze did by default)
  const all = flowTable(flows());
  const one = createRulesStage({});
  assert.deepEqual([...one.observe(all, flowFields(all))], run(7, 65536).p);
});

test('chunks are cut every chunkRows flows of the input and at a change of format, not at batch ends', () => {
  const seen: number[] = [];
  const chunks = new RuleChunks(10, (ff) => {
    seen.push(ff.rowCount);
    return new Float64Array(ff.rowCount).fill(seen.length);
  });
  const t = (n: number, format = 'cicflowmeter'): FlowTable => flowTable(flows().slice(0, n), { format });
  const ready: number[][] = [];
  const put = (out: ReturnType<RuleChunks['push']>): void => {
    for (const d of out) ready.push([...d.ruleP]);
  };
  put(chunks.push(t(4), flowFields(t(4))));
  assert.deepEqual(seen, [], 'a batch waits for its chunk');
  put(chunks.push(t(13), flowFields(t(13))));
  assert.deepEqual(seen, [10], 'the first chunk: 4 + 6 rows');
  assert.deepEqual(ready, [[1, 1, 1, 1]], 'the first batch is decided; the second waits for its last 7 rows');
  const other = t(2, 'zeek');
  put(chunks.push(other, flowFields(other)));
  assert.deepEqual(seen, [10, 7], 'a new format closes the chunk before it');
  put(chunks.flush());
  assert.deepEqual(seen, [10, 7, 2]);
  assert.deepEqual(ready, [[1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2], [3, 3]]);

  // chunkRows 0: each batch is its own chunk, decided at once (a live capture)
  const live: number[] = [];
  const perBatch = new RuleChunks(0, (ff) => {
    live.push(ff.rowCount);
    return new Float64Array(ff.rowCount);
  });
  assert.equal(perBatch.push(t(3), flowFields(t(3))).length, 1);
  assert.equal(perBatch.push(t(5), flowFields(t(5))).length, 1);
  assert.deepEqual(live, [3, 5]);
});

test('fields of several batches join into one and split back, row for row', () => {
  const all = flows();
  const a = flowTable(all.slice(0, 50));
  const b = flowTable(all.slice(50, 120), { noFlags: true });
  const c = flowTable(all.slice(120));
  const whole = flowFields(flowTable(all));
  const joined = concatFields([flowFields(a), sliceFields(flowFields(b), 0, 30), sliceFields(flowFields(b), 30, 70), flowFields(c)]);
  assert.equal(joined.rowCount, all.length);
  const text = (ff: FlowFields, f: 'srcIp' | 'dstIp', r: number): string | null => (ff[f]!.codes[r] < 0 ? null : ff[f]!.dictionary[ff[f]!.codes[r]]);
  for (let r = 0; r < all.length; r++) {
    assert.equal(text(joined, 'srcIp', r), text(whole, 'srcIp', r));
    assert.equal(text(joined, 'dstIp', r), text(whole, 'dstIp', r));
    assert.equal(joined.time![r], whole.time![r]);
    assert.equal(joined.dstPort![r], whole.dstPort![r]);
    // the middle batch has no flag columns: its rows are unknown there, not zero
    const inB = r >= 50 && r < 120;
    if (inB) assert.ok(Number.isNaN(joined.synCount![r]) && joined.failed![r] === 0);
    else assert.equal(joined.synCount![r], whole.synCount![r]);
  }
  assert.equal(new Set(joined.srcIp!.dictionary).size, joined.srcIp!.dictionary.length, 'each address once in the joined dictionary');
  assert.deepEqual(joined.missing, whole.missing);
  const part = sliceFields(whole, 10, 20);
  assert.equal(part.rowCount, 10);
  assert.equal(part.time![0], whole.time![10]);
  assert.equal(part.srcIp!.codes[9], whole.srcIp!.codes[19]);
});

test('tiny batches are joined while they wait: 5,000 1-row batches come back as under 100 tables, every row once, in order', () => {
  const base = flows();
  const all = Array.from({ length: 5000 }, (_, i) => ({ ...base[i % base.length], t: i }));
  const stage = createRulesStage({});
  const back: FlowTable[] = [];
  for (let i = 0; i < all.length; i++) {
    const t = flowTable([all[i]]);
    back.push(...stage.push!(t, flowFields(t)).map((d) => d.batch));
  }
  back.push(...stage.flush!().map((d) => d.batch));
  // runs of 64 tables under 256 rows join: 64, 127, 190, 253, 316 rows, then a new run starts
  assert.ok(back.length <= Math.ceil(all.length / 256) + 63, `5,000 one-row batches wait as ${back.length} tables`);
  assert.ok(back.some((t) => t.rowCount >= 256) && back.every((t) => t.rowCount <= 256 + 63), back.map((t) => t.rowCount).join(','));
  const times = back.flatMap((t) => [...flowFields(t).time!]);
  assert.deepEqual(times, [...flowFields(flowTable(all)).time!], 'every row once, in input order');
});

test('answering marks (ICMP errors) join and split with their rows; a batch without them is unmarked', () => {
  const icmp = (types: number[]): FlowTable => ({
    rowCount: types.length,
    format: 'cicflowmeter',
    columns: [numericColumn('Protocol', 'feature', Float64Array.from(types, () => 1)), numericColumn('ICMP Type', 'feature', Float64Array.from(types))],
  });
  const plain: FlowTable = { rowCount: 2, format: 'cicflowmeter', columns: [numericColumn('Protocol', 'feature', Float64Array.of(6, 17))] };
  const joined = concatFields([flowFields(icmp([3, 8])), flowFields(plain), sliceFields(flowFields(icmp([0, 11, 3])), 1, 3)]);
  assert.deepEqual([...joined.answering!], [1, 0, 0, 0, 1, 1]);
  assert.deepEqual([...sliceFields(joined, 3, 5).answering!], [0, 1]);
  assert.equal(concatFields([flowFields(plain), flowFields(plain)]).answering, undefined);
});
