/**
 * The rules stage's memory in a long-running consumer: with `forgetTaken` the findings handed out
 * are not kept for finish(), and with `closedRetentionMs` a closed finding stops lending evidence
 * (and memory) once flow time has moved on past it; without the options (analyze of a file)
 * everything is kept, however late a flow comes. And an episode still open lends its evidence like
 * a closed finding, only to its source's flows within a minute of its span, however far apart in
 * time one chunk's flows are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowFields } from '../flows/flow-fields.js';
import { flowTable, probe, type FlowSpec } from '../detect/flow-fixtures.js';
import { createRulesStage, type RulesStageOptions } from './rules-stage.js';

const SOURCES = 1100;
/** source i scans 12 ports of its own host at i·70 s: each scan closes before the next begins */
const scan = (i: number): FlowSpec[] => Array.from({ length: 12 }, (_, k) => probe(`10.9.${i >> 8}.${i & 255}`, '10.0.0.2', 1000 + k, i * 70 + k));

function run(o: RulesStageOptions): { lateFirst: number; lateLast: number; taken: number; finished: number } {
  const stage = createRulesStage({}, o);
  let taken = 0;
  for (let b = 0; b < SOURCES / 100; b++) {
    const flows = Array.from({ length: 100 }, (_, j) => scan(b * 100 + j)).flat();
    const t = flowTable(flows);
    stage.observe(t, flowFields(t));
    taken += stage.takeFindings!().length;
  }
  // two flows that come late: the first source's, 21 hours out of order, and the last source's, in time
  const late = flowTable([scan(0)[0], scan(SOURCES - 1)[0]]);
  const p = stage.observe(late, flowFields(late));
  const finished = stage.finish().findings.length;
  return { lateFirst: p[0], lateLast: p[1], taken, finished };
}

test('a worker\'s rules stage forgets what it handed out and closed findings an hour of flow time old; analyze keeps all', () => {
  const all = run({});
  assert.ok(all.taken >= SOURCES - 1, `every scan but the open last one closed during the run (${all.taken})`);
  assert.ok(all.lateFirst > 0, 'analyze: a late flow still carries its source\'s closed finding');
  assert.ok(all.lateLast > 0);
  assert.equal(all.finished, SOURCES, 'finish gives every finding, taken or not');

  const worker = run({ forgetTaken: true, closedRetentionMs: 3_600_000 });
  assert.equal(worker.taken, all.taken);
  assert.equal(worker.lateFirst, 0, 'the first scan ended 21 hours of flow time ago: forgotten');
  assert.equal(worker.lateLast, all.lateLast, 'a recent finding still counts');
  assert.equal(worker.finished, SOURCES - worker.taken, 'finish gives only the findings not taken yet');
});

/** 10.5.5.5 browses at 09:00-09:01, then scans 40 ports of 10.0.0.2 at 18:00 (a minute), still open when its chunk ends */
const HOST = '10.5.5.5';
const SCAN_AT = 6 * 3600; // 18:00 after the fixtures' 12:00 base
const browse = (t: number): FlowSpec => ({ src: HOST, dst: '10.0.0.80', dport: 443, t, fwdBytes: 900, bwdBytes: 40_000, syn: 1, rst: 0 });
const morning = Array.from({ length: 10 }, (_, k) => browse(-3 * 3600 + k * 6));
const scanFlows = Array.from({ length: 40 }, (_, k) => probe(HOST, '10.0.0.2', 2000 + k, SCAN_AT + k * 1.5));
const near = [browse(SCAN_AT - 30), browse(SCAN_AT + 59 + 30), browse(SCAN_AT - 120)];

test('an open episode lends its evidence only to its source\'s flows within a minute of it, as a closed finding does', () => {
  // the scan first in the input (files out of time order), the morning after it, all in one chunk
  const flows = [...scanFlows, ...morning, ...near];
  const stage = createRulesStage({});
  const t = flowTable(flows);
  const done = [...stage.push!(t, flowFields(t)), ...stage.flush!()];
  assert.equal(done.length, 1);
  const p = done[0].ruleP;
  assert.equal(stage.takeFindings!().length, 0, 'nothing closed: the scan is still open when its chunk is decided');
  const { findings } = stage.finish();
  const scanFinding = findings.find((f) => f.srcIp === HOST && f.ruleId.startsWith('port-scan'));
  assert.ok(scanFinding, `the scan is found (${findings.map((f) => f.ruleId).join(', ')})`);
  const during = p.subarray(0, scanFlows.length);
  assert.ok(during.every((x) => x > 0.99), 'flows during the scan carry its evidence');
  const am = p.subarray(scanFlows.length, scanFlows.length + morning.length);
  assert.deepEqual([...am], morning.map(() => 0), 'the same host\'s flows nine hours before the scan carry none');
  const [before30, after30, before120] = p.subarray(scanFlows.length + morning.length);
  assert.equal(before30, during[0], '30 s before the scan: within the minute');
  assert.equal(after30, during[0], '30 s after its last probe: within the minute');
  assert.equal(before120, 0, 'two minutes before: outside');

  // the stream worker's path (observe, one batch) decides the same
  const worker = createRulesStage({});
  assert.deepEqual([...worker.observe(t, flowFields(t))], [...p]);

  // flows without times: the input is one window, and every flow of the source carries the evidence as before
  const untimed = createRulesStage({});
  const u = flowTable(flows, { noTime: true });
  const pu = untimed.observe(u, flowFields(u));
  assert.ok(pu.every((x) => x === during[0]), 'without times an open episode lends to all its source\'s flows');
});
