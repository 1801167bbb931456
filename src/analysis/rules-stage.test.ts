/**
 * The rules stage's memory in a long-running consumer: with `forgetTaken` the findings handed out
 * are not kept for finish(), and with `closedRetentionMs` a closed finding stops lending evidence
 * (and memory) once flow time has moved on past it; without the options (analyze of a file)
 * everything is kept, however late a flow comes.
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
