import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowTable, type FlowSpec } from './flow-fixtures.js';
import { createRuleEngine } from './run-rules.js';
import type { RulesConfigInput } from './rules-config.js';

const ONLY: RulesConfigInput = {
  portScan: { enabled: false },
  hostSweep: { enabled: false },
  bruteForce: { enabled: false },
  spoofing: { enabled: false },
  ttlHops: { enabled: false },
  // 10 connections/s from a source, 20/s towards a target, over a 5 s bucket
  flood: { windowSeconds: 5, sourceConnectionsPerSecond: 10, targetConnectionsPerSecond: 20, sourcePacketsPerSecond: 1000, targetPacketsPerSecond: 1e9 },
};

function run(flows: FlowSpec[], cfg: RulesConfigInput = {}) {
  const engine = createRuleEngine({ ...ONLY, ...cfg, flood: { ...ONLY.flood, ...cfg.flood } }, { geoip: null });
  engine.observe(flowTable(flows));
  return engine.finish().findings;
}

/** `n` answered connections from src to dst at `rate` per second starting at t0 */
function stream(src: string, dst: string, n: number, rate: number, t0 = 0, extra: Partial<FlowSpec> = {}): FlowSpec[] {
  return Array.from({ length: n }, (_, i) => ({ src, dst, dport: 80, t: t0 + i / rate, dur: 0.01, fwdBytes: 300, bwdBytes: 3000, syn: 1, ...extra }));
}

test('source connection flood: 20/s for 10 s overflows a 10/s bucket of 50; 8/s never does', () => {
  const findings = run(stream('10.0.0.5', '10.0.0.80', 200, 20)).filter((f) => f.ruleId === 'flood.source-connections');
  assert.equal(findings.length, 1);
  const f = findings[0];
  assert.equal(f.srcIp, '10.0.0.5');
  assert.equal(f.category, 'denial-of-service');
  assert.equal(f.evidence.thresholdPerSecond, 10);
  assert.equal(f.evidence.bucketCapacity, 50);
  assert.equal(f.evidence.synFlood, false);
  assert.equal(f.count, 200, 'every flow since the bucket was empty belongs to the flood');
  assert.equal(f.evidence.perSecond, 20.1);
  assert.equal(f.evidence.distinctTargets, 1);
  assert.equal(run(stream('10.0.0.5', '10.0.0.80', 400, 8)).length, 0);
});

test('source connection flood: a burst within the bucket is absorbed, a larger one is not', () => {
  assert.equal(run(stream('10.0.0.5', '10.0.0.80', 50, 1000)).length, 0, '50 at once fits a bucket of 50');
  assert.equal(run(stream('10.0.0.5', '10.0.0.80', 52, 1000)).filter((f) => f.ruleId === 'flood.source-connections').length, 1);
});

test('SYN flood: unanswered SYNs weigh 3, so 4/s of them floods a 10/s bucket', () => {
  const syn = stream('10.0.0.5', '10.0.0.80', 120, 4, 0, { fwdBytes: 0, bwdBytes: 0, bwdPkts: 0, fwdPkts: 1 });
  const findings = run(syn).filter((f) => f.ruleId === 'flood.source-connections');
  assert.equal(findings.length, 1);
  assert.equal(findings[0].evidence.synFlood, true);
  assert.equal(findings[0].evidence.failedShare, 1);
  assert.match(findings[0].reason, /SYN flood/);
  assert.equal(run(syn, { flood: { failedSynWeight: 1 } }).length, 0);
});

test('failed SYNs at flood pace to many ports are a fast scan\'s pace, not a SYN flood', () => {
  // seen on a capture: a 1,000-port connect scan in 1 s (998 refused) read "(a SYN flood)"
  const scan = stream('10.0.0.5', '10.0.0.80', 120, 40, 0, { fwdBytes: 0, bwdBytes: 0, bwdPkts: 1, fwdPkts: 1, rst: 1 }).map((f, i) => ({ ...f, dport: i + 1 }));
  const [f] = run(scan).filter((x) => x.ruleId === 'flood.source-connections');
  assert.ok(f);
  assert.equal(f.evidence.synFlood, false);
  assert.equal(f.evidence.scanPaced, true);
  // the ports of the flows since the bucket overflowed (the episode's), all distinct
  const ports = f.evidence.distinctPorts as number;
  assert.ok(ports > 100 && ports <= 120, `${ports} ports`);
  assert.doesNotMatch(f.reason, /\(a SYN flood\)/);
  assert.match(f.reason, new RegExp(`unanswered or refused SYNs, to ${ports} distinct ports since it overflowed: the pace of a fast port scan`));
  assert.deepEqual([f.targets.ports, f.targets.portCount], [[], 0], 'the ports are evidence, not targets (their count starts at the overflow)');
  // the same SYNs to one port stay a SYN flood
  const [g] = run(scan.map((x) => ({ ...x, dport: 80 }))).filter((x) => x.ruleId === 'flood.source-connections');
  assert.equal(g.evidence.synFlood, true);
  assert.equal(g.evidence.distinctPorts, 1);
});

test('target flood: 30 sources at 1/s each flood one target; the finding names the target and counts sources', () => {
  const flows: FlowSpec[] = [];
  for (let s = 0; s < 30; s++) flows.push(...stream(`198.51.${s}.7`, '10.0.0.80', 20, 1, s / 30));
  flows.sort((a, b) => (a.t as number) - (b.t as number));
  const findings = run(flows);
  assert.deepEqual(findings.map((f) => f.ruleId), ['flood.target-connections']);
  const f = findings[0];
  assert.equal(f.srcIp, null, 'many sources: no single source to blame');
  assert.deepEqual(f.targets.ips, ['10.0.0.80']);
  assert.equal(f.evidence.distinctSources, 30);
  assert.equal((f.evidence.sourcesSample as string[]).length, 20);
});

test('packet flood: 2,500 small packets/s is a flood of a 1,000/s bucket; a bulk download at that rate is not', () => {
  const small = stream('10.0.0.5', '10.0.0.80', 20, 5, 0, { fwdPkts: 500, fwdBytes: 500 * 40, dur: 1 });
  const bulk = stream('10.0.0.6', '10.0.0.81', 20, 5, 0, { fwdPkts: 500, fwdBytes: 500 * 1400, dur: 1 });
  const findings = run([...small, ...bulk].sort((a, b) => (a.t as number) - (b.t as number)));
  assert.deepEqual(
    findings.map((f) => [f.ruleId, f.srcIp]),
    [['flood.source-packets', '10.0.0.5']],
  );
  // the reason's counts and rates with thousands separators, as every other count shown to people
  assert.match(findings[0].reason, /^10\.0\.0\.5 sent 10,000 weighted small packets to 1 host over 3\.8 s \(2,631\.6\/s\), above 1,000\/s sustained/);
  assert.equal(findings[0].evidence.weighted, 10000, 'the evidence stays a number');
});

test('a flood that stops and drains is one finding; a second burst later is another', () => {
  const flows = [...stream('10.0.0.5', '10.0.0.80', 150, 30, 0), ...stream('10.0.0.5', '10.0.0.80', 150, 30, 100)];
  const findings = run(flows).filter((f) => f.ruleId === 'flood.source-connections');
  assert.equal(findings.length, 2);
});
