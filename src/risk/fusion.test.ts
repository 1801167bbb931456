import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addFlow, ipRisk, newIpAggregate, zOf, type IpAggregate } from './fusion.js';
import { normalQuantile } from './normal-dist.js';

test('zOf is Φ⁻¹ of p bounded to [1e-9, 1 − 1e-9], bit for bit, the bounds included', () => {
  const bounded = (p: number): number => normalQuantile(Math.min(1 - 1e-9, Math.max(1e-9, p)));
  for (const p of [0, -1, 1e-300, 1e-12, 1e-9, 1.0000001e-9, 0.02, 0.4, 0.5, 0.95, 0.999999, 1 - 2e-9, 1 - 1e-9, 1 - 1e-12, 1, 2]) {
    assert.ok(Object.is(zOf(p), bounded(p)), `p ${p}: ${zOf(p)} vs ${bounded(p)}`);
  }
  assert.ok(zOf(1) > 5.9 && zOf(0) < -5.9);
  assert.ok(Number.isNaN(zOf(NaN)));
});

/** a source of n flows, each of risk `flowRisk` */
function sourceOf(n: number, flowRisk: number): IpAggregate {
  const a = newIpAggregate();
  for (let i = 0; i < n; i++) addFlow(a, zOf(flowRisk), flowRisk, i * 60_000);
  return a;
}

test('per source: volume alone of ordinary flows does not reach the maximum, however many there are', () => {
  // a poller every minute for a day, each flow below the verdict threshold (0.95): no flow is
  // unusual, and before, Σz/√n made this source risk 1.0 (z ≈ 1.28·√1440 ≈ 49) from volume alone
  for (const flowRisk of [0.9, 0.94]) {
    let last = 0;
    for (const n of [10, 100, 1440, 100_000]) {
      const r = ipRisk(sourceOf(n, flowRisk), []);
      assert.ok(r.risk < 0.9995, `${n} flows of risk ${flowRisk}: risk ${r.risk} (${r.decidedBy})`);
      assert.ok(r.risk >= last, `more flows never lower it (${n}: ${r.risk} < ${last})`);
      last = r.risk;
    }
  }
  // flows of mean risk 0.5 (what a normal host's flows are) stay unremarkable
  assert.ok(ipRisk(sourceOf(5000, 0.5), []).risk <= 0.5);
});

test('per source: a flood of flows each a little unusual (CIC-IDS2017 DDoS: ~0.98 each, none alerting) still stands out', () => {
  const r = ipRisk(sourceOf(2500, 0.981), []);
  assert.equal(r.decidedBy, 'volume');
  assert.ok(r.risk > 0.9999, `risk ${r.risk}`);
  // many mildly unusual flows still add up over the first few: 5 flows of 0.98 beat one
  assert.ok(ipRisk(sourceOf(5, 0.98), []).z > ipRisk(sourceOf(1, 0.98), []).z);
});
