/**
 * What a partition's rules see of a flood towards one target whose sources are spread over two
 * partitions: each partition finds its part (its sources only), and the two findings — the same
 * rule, target and first time, no single source — are two alerts, their keys naming their
 * partition; without it they would be one key, the store keeping whichever committed first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionScorers } from './partition-scorers.js';
import { findingAlert } from '../analysis/alerts.js';
import { fitBaseline } from '../risk/baseline.js';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { flowTable, type FlowSpec } from '../detect/flow-fixtures.js';
import type { RulesConfigInput } from '../detect/rules-config.js';

const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv');

// the target flood alone: 20 connections/s towards one target over a 5 s bucket
const FLOOD_ONLY: RulesConfigInput = {
  portScan: { enabled: false },
  hostSweep: { enabled: false },
  bruteForce: { enabled: false },
  spoofing: { enabled: false },
  ttlHops: { enabled: false },
  beaconing: { enabled: false },
  flood: { windowSeconds: 5, sourceConnectionsPerSecond: 1000, targetConnectionsPerSecond: 20, sourcePacketsPerSecond: 1e9, targetPacketsPerSecond: 1e9 },
};

/** 30 sources (198.51.<net>.<s>) at 1 connection/s each for 20 s towards 10.0.0.80 */
function floodPart(net: number): FlowSpec[] {
  const flows: FlowSpec[] = [];
  for (let s = 0; s < 30; s++) for (let i = 0; i < 20; i++) flows.push({ src: `198.51.${net}.${s + 1}`, dst: '10.0.0.80', dport: 80, t: i + s / 30, dur: 0.01, fwdBytes: 300, bwdBytes: 3000, syn: 1 });
  return flows.sort((a, b) => (a.t as number) - (b.t as number));
}

test('a flood towards one target from sources in two partitions: each partition finds its part, two alerts under two keys', { skip, timeout: 120_000 }, async () => {
  // a baseline of the replayed flows' own columns: a replay feeds the rules only what the live run
  // could score (a message the model could not score was rejected, its rule state untouched)
  const baseline = await fitBaseline(flowTable(floodPart(9)), { detectors: ['isolation-forest'], seed: 7, threads: 1 });
  const scorers = new PartitionScorers({ baseline, rules: FLOOD_ONLY, flowThreshold: 0.99 });
  // replayed (rules only, no scores): the sources of partition 3 and of partition 5
  const results = [scorers.of('3').replay(flowTable(floodPart(3)), 0), scorers.of('5').replay(flowTable(floodPart(5)), 0), scorers.finish(0)];
  const floods = results.flatMap((r) => r.alerts).filter((a) => a.input.source === 'rule:flood.target-connections');
  assert.equal(floods.length, 2, 'one flood finding per partition');
  for (const f of floods) {
    assert.equal(f.input.srcIp, null);
    assert.equal(f.input.destIp, '10.0.0.80');
    assert.equal((f.input.netsentinel.evidence as { distinctSources: number }).distinctSources, 30, 'a partition counts its own sources only');
  }
  assert.equal(floods[0].input.timeMs, floods[1].input.timeMs, 'the two parts began at the same moment');
  assert.notEqual(floods[0].key, floods[1].key, 'two alerts, not one the first commit wins');
  // what the partition in the key is for: the same two findings keyed without it are one key
  const findings = results.flatMap((r) => r.findings).filter((f) => f.ruleId === 'flood.target-connections');
  assert.equal(findings.length, 2);
  assert.equal(findingAlert(findings[0], 0).key, findingAlert(findings[1], 0).key);
});
