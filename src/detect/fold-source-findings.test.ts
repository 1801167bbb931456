/**
 * foldSourceFindings: many bogon-source findings towards one host (a flood from forged random
 * sources) become one finding about that host; a few stay, other rules and other targets are
 * left alone, and nothing is lost from the counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from './finding.js';
import { foldSourceFindings, FOLD_MIN_SOURCES } from './fold-source-findings.js';

function finding(ruleId: string, src: string, target: string, i: number, range = 'reserved (240.0.0.0/4)'): Finding {
  const t = new Date(Date.UTC(2026, 10, 30, 0, 53, 20) + i * 10).toISOString();
  return {
    ruleId,
    title: ruleId,
    category: 'spoofing',
    severity: 2,
    srcIp: src,
    targets: { ips: [target], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
    firstSeen: t,
    lastSeen: t,
    count: 2,
    evidence: { range },
    rows: [i],
    reason: `${src} is ${range}`,
  };
}

test('more than FOLD_MIN_SOURCES bogon-source findings towards one host: one finding about the host, with every flow and source counted', () => {
  const many = Array.from({ length: 50 }, (_, i) => finding('spoofing.bogon-source', `240.0.${i}.1`, '10.0.0.5', i, i % 5 === 0 ? 'loopback (127.0.0.0/8)' : 'reserved (240.0.0.0/4)'));
  const scan = finding('port-scan.vertical', '203.0.113.7', '10.0.0.5', 60);
  const out = foldSourceFindings([scan, ...many], 20);
  assert.equal(out.length, 2);
  assert.equal(out[0], scan, 'other rules are left as they are, in place');
  const f = out[1];
  assert.equal(f.ruleId, 'spoofing.bogon-source');
  assert.equal(f.srcIp, null, 'no one source: the addresses are forged');
  assert.deepEqual(f.targets.ips, ['10.0.0.5']);
  assert.equal(f.count, 100, 'the flows of all 50');
  assert.equal(f.evidence.sources, 50);
  assert.deepEqual((f.evidence.sourcesSample as string[]).slice(0, 2), ['240.0.0.1', '240.0.1.1']);
  assert.deepEqual(f.evidence.ranges, ['reserved (240.0.0.0/4): 40', 'loopback (127.0.0.0/8): 10']);
  assert.equal(f.firstSeen, many[0].firstSeen);
  assert.equal(f.lastSeen, many[49].lastSeen);
  assert.equal(f.rows.length, 20, 'rows sampled to the sample size');
  assert.match(f.reason, /^50 sources that cannot be on a wire \(40 reserved \(240\.0\.0\.0\/4\), 10 loopback \(127\.0\.0\.0\/8\); e\.g\. 240\.0\.0\.1, 240\.0\.1\.1, 240\.0\.2\.1\) sent 100 flows to 10\.0\.0\.5 over 490 ms: forged source addresses/);
});

test('a few bogon sources (a misconfigured host or two), other targets and other rules stay one finding per source', () => {
  const few = Array.from({ length: FOLD_MIN_SOURCES }, (_, i) => finding('spoofing.bogon-source', `0.0.0.${i + 1}`, '10.0.0.5', i));
  assert.deepEqual(foldSourceFindings(few, 20), few);
  // as many towards two hosts, each under the threshold: nothing folded
  const split = [...few.slice(0, 15), ...Array.from({ length: 15 }, (_, i) => finding('spoofing.bogon-source', `0.0.1.${i + 1}`, '10.0.0.6', i))];
  assert.equal(foldSourceFindings(split, 20).length, 30);
  // a brute force from many real sources towards one host names each attacker: never folded
  const brute = Array.from({ length: 40 }, (_, i) => finding('brute-force', `198.51.100.${i + 1}`, '10.0.0.5', i));
  assert.deepEqual(foldSourceFindings(brute, 20), brute);
});
