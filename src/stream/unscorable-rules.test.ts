/**
 * Flows the models cannot score (text in a numeric column, a column the baseline needs missing),
 * in a stream worker's batch scorer:
 *  - a message rejected for them leaves the rules as they were: its flows count toward no scan,
 *    flood or brute force (they were counted, the rules having seen the batch before the scoring
 *    refused it, so a term'd message's flows joined the episodes of the messages after it), and a
 *    rebuild's replay of it (which does not score) does not feed them to the rules either;
 *  - with onUnscorable (stdin, --follow), each bad flow is said and left out, the rules never see
 *    it, and the batch is scored once however many bad flows it has (it was scored again after each
 *    one: quadratic in the bad rows).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatchScorer, type BatchScorer } from './batch-scorer.js';
import { fitBaseline, type Baseline } from '../risk/baseline.js';
import { readDataset } from '../sources/read-dataset.js';
import { categoricalFrom, takeTableRows, type FlowTable } from '../flows/table.js';
import { InputError } from '../util/errors.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');
const cic = (f: string): string => sharedPath('datasets', 'cicids2017-sample', f) as string;

let baseline: Baseline | undefined;
async function benign(): Promise<Baseline> {
  baseline ??= await fitBaseline(await readDataset([cic('BENIGN_2500.csv')], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 });
  return baseline;
}

/**
 * The port scan's first `rows` flows, "Flow Duration" as text (as JSON lines or a CSV the readers
 * do not know carry it) with "abc" in the rows `bad` picks.
 */
let scanFlows: FlowTable | undefined;
async function scan(rows: number, bad: (i: number) => boolean): Promise<FlowTable> {
  scanFlows ??= await readDataset([cic('Portscan_2500.csv')], { warn: () => undefined });
  const t = takeTableRows(scanFlows, Array.from({ length: rows }, (_, i) => i));
  const columns = t.columns.map((c) =>
    c.name === 'Flow Duration' && c.kind === 'numeric' ? categoricalFrom(c.name, c.role, Array.from(c.values, (v, i) => (bad(i) ? 'abc' : String(v)))) : c,
  );
  return { ...t, columns };
}

/** the findings of a scorer's batches then of its finish, by rule, source and flow count */
function findingsAfter(s: BatchScorer, batches: readonly FlowTable[]): string[] {
  const all = [...batches.flatMap((b) => s.scoreBatch(b, 0).findings), ...s.finish(0).findings];
  return all.map((f) => `${f.ruleId} ${f.srcIp} ${f.count}`).sort();
}

test('a batch rejected as unscorable leaves the rules as they were (its flows count toward no scan), also when replayed', { skip, timeout: 120_000 }, async () => {
  const setup = { baseline: await benign(), flowThreshold: 0.9 };
  // a rejected message of the scan's first 400 flows, then a good one of the next 400
  const both = await scan(800, (i) => i === 200);
  const rejected = takeTableRows(both, Array.from({ length: 400 }, (_, i) => i));
  const next = takeTableRows(both, Array.from({ length: 400 }, (_, i) => 400 + i));
  const control = findingsAfter(createBatchScorer(setup), [next]);
  assert.ok(control.length > 0, 'the good message alone makes findings');

  const worker = createBatchScorer(setup);
  assert.throws(() => worker.scoreBatch(rejected, 0), (e: unknown) => e instanceof InputError && /line 202, column "Flow Duration": "abc" is not a number/.test((e as Error).message));
  assert.deepEqual(findingsAfter(worker, [next]), control, 'the rejected message changed what the rules found');

  const rebuilt = createBatchScorer(setup);
  assert.throws(() => rebuilt.replay(rejected, 0), InputError);
  assert.deepEqual(findingsAfter(rebuilt, [next]), control, 'the replay fed a rejected message to the rules');
});

test('unscorable flows left out of a batch: each said once, unseen by the rules, the batch scored once (not once per bad flow)', { skip, timeout: 120_000 }, async () => {
  const said: string[] = [];
  const scorer = createBatchScorer({ baseline: await benign(), flowThreshold: 0.9, onUnscorable: (p) => said.push(p) });
  // every other flow of the scan bad: 200 of 400
  const batch = await scan(400, (i) => i % 2 === 1);
  const stage = scorer.score;
  const score = stage.score.bind(stage);
  let calls = 0;
  (stage as { score: typeof stage.score }).score = (...a) => {
    calls++;
    return score(...a);
  };
  const r = scorer.scoreBatch(batch, 0);
  assert.equal(calls, 1, `the batch was scored ${calls} times for 200 bad flows`);
  assert.equal(r.unscorable, 200);
  assert.equal(r.scored.rowCount, 200);
  assert.equal(said.length, 200);
  // in line order, each with its line (header line 1, flow i on line i + 2)
  assert.match(said[0]!, /line 3, column "Flow Duration": "abc" is not a number/);
  assert.match(said[199]!, /line 401, column "Flow Duration"/);
  // the rules saw only the scored flows: the same findings as a scorer given those flows alone
  const alone = createBatchScorer({ baseline: await benign(), flowThreshold: 0.9 });
  assert.deepEqual([...r.findings, ...scorer.finish(0).findings].map((f) => `${f.ruleId} ${f.srcIp} ${f.count}`).sort(), findingsAfter(alone, [r.scored]));
});
