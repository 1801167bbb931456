import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowTable, type FlowSpec } from './flow-fixtures.js';
import { createRuleEngine } from './run-rules.js';
import type { RulesConfigInput } from './rules-config.js';

const ONLY: RulesConfigInput = {
  portScan: { enabled: false },
  hostSweep: { enabled: false },
  flood: { enabled: false },
  spoofing: { enabled: false },
  ttlHops: { enabled: false },
};

function run(flows: FlowSpec[], cfg: RulesConfigInput = {}) {
  const engine = createRuleEngine({ ...ONLY, ...cfg }, { geoip: null });
  engine.observe(flowTable(flows));
  return engine.finish().findings;
}

const attempt = (i: number, extra: Partial<FlowSpec> = {}): FlowSpec => ({
  src: '172.16.0.1',
  dst: '192.168.10.50',
  dport: 22,
  t: i * 2,
  dur: 12,
  fwdBytes: 1500,
  bwdBytes: 2000,
  ...extra,
});

test('brute force: 21 short SSH connections in 40 s is a finding with the service named', () => {
  const findings = run(Array.from({ length: 21 }, (_, i) => attempt(i)));
  assert.equal(findings.length, 1);
  const f = findings[0];
  assert.equal(f.ruleId, 'brute-force');
  assert.equal(f.severity, 1);
  assert.equal(f.category, 'credential-access');
  assert.equal(f.srcIp, '172.16.0.1');
  assert.deepEqual(f.targets.ips, ['192.168.10.50']);
  assert.deepEqual(f.targets.ports, [22]);
  assert.equal(f.count, 21);
  assert.equal(f.evidence.service, 'SSH');
  assert.equal(f.evidence.connections, 21);
  assert.equal(f.evidence.meanDurationSeconds, 12);
  assert.equal(f.evidence.durationSeconds, 40);
  assert.equal(f.evidence.perMinute, 31.5);
  assert.match(f.reason, /opened 21 short connections to SSH on 192\.168\.10\.50/);
});

test('brute force: 20 connections is not enough ("more than 20")', () => {
  assert.equal(run(Array.from({ length: 20 }, (_, i) => attempt(i))).length, 0);
});

test('brute force: 21 connections spread over more than the window are not', () => {
  // one every 3.1 s: any 60 s window holds at most 20
  assert.equal(run(Array.from({ length: 21 }, (_, i) => attempt(i, { t: i * 3.1 }))).length, 0);
});

test('brute force: long sessions and non-login ports do not count', () => {
  assert.equal(run(Array.from({ length: 30 }, (_, i) => attempt(i, { dur: 600 }))).length, 0);
  assert.equal(run(Array.from({ length: 30 }, (_, i) => attempt(i, { dport: 8080 }))).length, 0);
  // ...unless the configuration lists the port
  assert.equal(run(Array.from({ length: 30 }, (_, i) => attempt(i, { dport: 8080 })), { bruteForce: { ports: [8080] } }).length, 1);
});

test('brute force: attempts on two services of one host are two findings', () => {
  const flows = [...Array.from({ length: 25 }, (_, i) => attempt(i)), ...Array.from({ length: 25 }, (_, i) => attempt(i, { dport: 21 }))];
  const findings = run(flows);
  assert.deepEqual(findings.map((f) => f.evidence.service).sort(), ['FTP', 'SSH']);
});

test('brute force: refused or unanswered connections (no data) are no guesses', () => {
  // seen on a capture: a client retrying a closed PostgreSQL port 40 times in 4 s (each refused)
  // was "Brute-force login attempts"
  const refused = Array.from({ length: 40 }, (_, i) => attempt(i, { t: i * 0.1, dur: 0, fwdBytes: 0, bwdBytes: 0, fwdPkts: 1, bwdPkts: 1, syn: 1, rst: 1, dport: 5432 }));
  assert.deepEqual(run(refused), []);
  // among answered guesses they do not count either, and do not hide the guesses
  const mixed = [...Array.from({ length: 21 }, (_, i) => attempt(i)), ...refused.map((f) => ({ ...f, dport: 22, t: (f.t as number) + 0.05 }))].sort((a, b) => (a.t as number) - (b.t as number));
  const [f] = run(mixed);
  assert.equal(f?.evidence.connections, 21);
});
