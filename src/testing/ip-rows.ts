/** A risky-source row (IpRow) for tests of what is made from them: defaults plus what a test sets. */
import type { IpRow } from '../report/analysis-result.js';

export const ipRow = (ip: string, more: Partial<IpRow> = {}): IpRow => ({
  ip,
  risk: 0.9999876,
  flows: 3,
  peakFlowRisk: 0.5,
  meanFlowRisk: 1 / 3,
  riskyFlows: 0,
  decidedBy: 'combined',
  detectorsFired: {},
  attackClasses: {},
  rules: [],
  firstSeen: null,
  lastSeen: null,
  reasons: [],
  ...more,
});
