import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sourceAlert } from './alerts.js';
import type { IpRow } from '../report/analysis-result.js';

const row = (flowAlerts?: IpRow['flowAlerts']): IpRow => ({
  ip: '10.0.0.13',
  risk: 0.9999876543,
  flows: 12,
  peakFlowRisk: 0.99999912345,
  meanFlowRisk: 0.5,
  riskyFlows: 11,
  decidedBy: 'rules',
  detectorsFired: {},
  attackClasses: {},
  rules: [],
  firstSeen: '2023-11-14T22:13:20.065Z',
  lastSeen: '2023-11-14T22:14:00.000Z',
  reasons: ['SYN scan "quoted"', 'second'],
  ...(flowAlerts ? { flowAlerts } : {}),
});

test("a source alert's netsentinel object keeps its key order, flowAlerts between riskyFlows and peakFlowRisk only with a limit", () => {
  const limited = sourceAlert(row({ written: 10, suppressed: 1, leftOut: 0 }), 0);
  assert.deepEqual(Object.keys(limited.record.netsentinel as object), ['risk', 'reasons', 'flows', 'riskyFlows', 'flowAlerts', 'peakFlowRisk', 'decidedBy', 'lastSeen']);
  assert.equal(
    JSON.stringify(limited.record.netsentinel),
    '{"risk":0.999988,"reasons":["SYN scan \\"quoted\\"","second"],"flows":12,"riskyFlows":11,"flowAlerts":{"written":10,"suppressed":1,"leftOut":0},"peakFlowRisk":0.999999,"decidedBy":"rules","lastSeen":"2023-11-14T22:14:00.000Z"}',
  );
  // the line written to alerts.jsonl is the record's JSON
  assert.equal(limited.json, JSON.stringify(limited.record));
  const plain = sourceAlert(row(), 0);
  assert.deepEqual(Object.keys(plain.record.netsentinel as object), ['risk', 'reasons', 'flows', 'riskyFlows', 'peakFlowRisk', 'decidedBy', 'lastSeen']);
  // the key hashes what the alert is about: the same row, limited or not, has the same key
  assert.equal(plain.key, limited.key);
  assert.match(plain.json, /"timestamp":"2023-11-14T22:13:20\.065000\+0000"/);
});
