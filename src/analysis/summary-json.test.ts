import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summaryJson } from './summary-json.js';
import type { AnalysisResult, IpRow } from '../report/analysis-result.js';
import { ipRow } from '../testing/ip-rows.js';

const row = (ip: string, risk: number): IpRow => ipRow(ip, { risk, flows: 2, peakFlowRisk: 0.12345678, reasons: ['why'] });

test('the summary lists every risky source rounded to six decimals, asked once or again, and again after the list grew', () => {
  const riskyIps = [row('10.0.0.1', 0.99999987), row('10.0.0.2', 0.9912345)];
  const result = { startedAt: 'a', finishedAt: 'b', seconds: 1, inputs: [], flows: 4, riskyFlows: 0, riskyIps, ipCount: 2, findings: [], ruleStatus: [], inputNotes: [], alerts: { written: 2 }, thresholds: {}, outputs: {} } as unknown as AnalysisResult;
  const expected = (rows: IpRow[]) => rows.map((r) => ({ ...r, risk: Math.round(r.risk * 1e6) / 1e6, peakFlowRisk: 0.123457, meanFlowRisk: 0.333333 }));
  const first = summaryJson(result).riskyIps;
  assert.deepEqual(first, expected(riskyIps));
  assert.deepEqual(summaryJson(result).riskyIps, first, 'asked again (the store after summary.json): the same entries');
  riskyIps.push(row('10.0.0.3', 0.995));
  assert.deepEqual(summaryJson(result).riskyIps, expected(riskyIps), 'a list grown since is listed whole');
  const other = { ...result, riskyIps: [row('10.0.0.9', 0.999)] } as AnalysisResult;
  assert.deepEqual(summaryJson(other).riskyIps, expected([row('10.0.0.9', 0.999)]), 'another result: its own sources');
});
