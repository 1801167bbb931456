/**
 * A stream's alerts and findings do not depend on how its flows were batched (`stream --stdin
 * --batch-rows`, a JetStream worker's messages, `publish --message-flows`): each flow is judged as
 * if it had come alone, on the flows before it in the stream ("Stream workers" under "Rule order" in
 * docs/architecture.md). Real CIC-IDS2017 flows scored by the stream's own scorer
 * (createBatchScorer, what `stream --stdin` and each partition of a worker run) with the stream
 * verb's defaults, in batches of 1, 7, 200 and 1,000 flows:
 *  - Portscan_2500 as it is (a random sample of a day: the flows arrive far out of time order). The
 *    build before gave 114 alerts and 1 port-scan finding in 1-flow batches and 118 alerts and 4
 *    findings in 1,000-flow batches: each batch was sorted by time for the rules, a sweep of quiet
 *    groups fell where a batch ended, and a flow took the evidence of an episode its own batch
 *    opened after it;
 *  - the same flows sorted by time (a live feed): 4 port-scan findings, and in 1,000-flow batches
 *    3 risky-source alerts instead of 6 (a source's window closed only at a batch's end);
 *  - FTP-Patator_2500 (a brute force) and DDoS_2500 (risky-source alerts only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, type Baseline } from '../risk/baseline.js';
import { flowFields } from '../flows/flow-fields.js';
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { loadAnalysisConfig } from '../config/analysis-config.js';
import { DEFAULT_FLOW_ALERTS_PER_SOURCE, DEFAULT_FLOW_ALERT_WINDOW_SECONDS } from '../analysis/flow-alert-limit.js';
import { createBatchScorer, type ScoringSetup } from './batch-scorer.js';

const CIC = ['datasets', 'cicids2017-sample'] as const;
const skip = skipWithoutShared(...CIC, 'Portscan_2500.csv');

const read = async (name: string): Promise<FlowTable> => readDataset([sharedPath(...CIC, name) as string], { warn: () => undefined });

const rowsOf = (t: FlowTable, from: number, to: number): FlowTable => takeTableRows(t, Array.from({ length: to - from }, (_, i) => from + i));

/** the table's rows in time order (stable) */
function byTime(t: FlowTable): FlowTable {
  const time = flowFields(t).time!;
  const order = Array.from({ length: t.rowCount }, (_, i) => i).sort((a, b) => time[a] - time[b] || a - b);
  return takeTableRows(t, order);
}

interface Outcome {
  /** every alert's record (flow, finding, risky source), sorted: which batch raised it is not compared */
  alerts: string[];
  findings: string[];
  flowAlertsSuppressed: number;
}

function stream(setup: ScoringSetup, t: FlowTable, batchRows: number): Outcome {
  const scorer = createBatchScorer(setup);
  const alerts: string[] = [];
  const findings: string[] = [];
  let suppressed = 0;
  for (let from = 0; from < t.rowCount; from += batchRows) {
    // `now` fixed: it is the time of the alerts that have no flow time of their own
    const r = scorer.scoreBatch(rowsOf(t, from, Math.min(t.rowCount, from + batchRows)), 0);
    for (const a of r.alerts) alerts.push(a.json);
    for (const f of r.findings) findings.push(JSON.stringify(f));
    suppressed += r.suppressed;
  }
  const last = scorer.finish(0);
  for (const a of last.alerts) alerts.push(a.json);
  for (const f of last.findings) findings.push(JSON.stringify(f));
  return { alerts: alerts.sort(), findings: findings.sort(), flowAlertsSuppressed: suppressed };
}

test('a stream gives the same alerts and findings whatever its batch size (real CIC-IDS2017 flows: a shuffled port scan, the same in time order, a DDoS)', { skip, timeout: 600_000 }, async () => {
  const baseline: Baseline = await fitBaseline(await read('BENIGN_2500.csv'), { seed: 42, threads: 1 });
  const config = await loadAnalysisConfig(undefined);
  const setup: ScoringSetup = {
    baseline,
    rules: config.rules,
    weights: config.weights,
    flowThreshold: config.thresholds.flow,
    ipThreshold: config.thresholds.ip,
    flowAlertLimit: { perSource: DEFAULT_FLOW_ALERTS_PER_SOURCE, windowSeconds: DEFAULT_FLOW_ALERT_WINDOW_SECONDS },
  };
  const scan = await read('Portscan_2500.csv');
  const inputs: [string, FlowTable][] = [
    ['Portscan_2500 (shuffled)', scan],
    ['Portscan_2500 in time order', byTime(scan)],
    ['FTP-Patator_2500', await read('FTP-Patator_2500.csv')],
    ['DDoS_2500', await read('DDoS_2500.csv')],
  ];
  for (const [name, t] of inputs) {
    const one = stream(setup, t, 1);
    assert.ok(one.alerts.length > one.findings.length && (one.findings.length >= 1 || name.startsWith('DDoS')), `${name}: something is found (${one.findings.length} findings, ${one.alerts.length} alerts)`);
    for (const rows of [7, 200, 1000]) {
      const other = stream(setup, t, rows);
      assert.deepEqual(other.findings, one.findings, `${name}: findings in batches of ${rows} and of 1`);
      assert.deepEqual(other.alerts, one.alerts, `${name}: alerts in batches of ${rows} and of 1`);
      assert.equal(other.flowAlertsSuppressed, one.flowAlertsSuppressed, `${name}: flow alerts folded into per-source limits, batches of ${rows} and of 1`);
    }
  }
});
