/**
 * rowExplainer keeps only its top reasons and makes text for those alone (analyze explains every
 * risky flow); its answer must be explainWith's, the plain definition (every unusual feature as
 * text, a stable sort by weight, the first `top`), for every row: same features, weights, texts, order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { numericColumn, type Column, type FlowTable } from '../flows/table.js';
import { explainWith, fitColumnStats, rowExplainer, rowReasonTexts, type CategoricalStats, type NumericStats } from './column-stats.js';

test(
  'the top-k explainer gives exactly the plain sorted explanation on CIC attack flows, infinities and missing cells included',
  { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') },
  async () => {
    const dir = sharedPath('datasets', 'cicids2017-sample')!;
    const stats = fitColumnStats(await readDataset([`${dir}/BENIGN_2500.csv`]));
    const t = await readDataset([`${dir}/Portscan_2500.csv`, `${dir}/DDoS_2500.csv`, `${dir}/Botnet_736.csv`]);
    // cells no baseline row had: ±Infinity and NaN in a few rows
    const numeric = t.columns.filter((c) => c.kind === 'numeric' && c.role === 'feature');
    for (let r = 0; r < 60; r++) {
      const c = numeric[(r * 7) % numeric.length];
      if (c.kind === 'numeric') c.values[r * 13] = r % 3 === 0 ? Infinity : r % 3 === 1 ? -Infinity : NaN;
    }
    const byName = new Map(t.columns.map((c) => [c.name, c]));
    const pairs = stats.map((s) => [s, byName.get(s.name)] as const).filter((p) => p[1] !== undefined) as unknown as readonly (readonly [NumericStats | CategoricalStats, Column])[];
    let explained = 0;
    for (const top of [1, 3, 5]) {
      const explain = rowExplainer(stats, t, top);
      const texts = rowReasonTexts(stats, t, top);
      for (let r = 0; r < t.rowCount; r++) {
        const want = explainWith(pairs, r, top);
        assert.deepEqual(explain(r), want, `row ${r}, top ${top}`);
        const out = ['before'];
        texts(r, out);
        assert.deepEqual(out, ['before', ...want.map((f) => f.text)], `texts of row ${r}, top ${top}`);
        if (want.length === top) explained++;
      }
    }
    // the comparison covered rows with a full set of reasons (ties and cut-offs), not only empty ones
    assert.ok(explained > 1000, `${explained} rows had as many reasons as asked for`);
  },
);

test('the infinite rates of a zero-duration flow are one reason that says so, after every deviation; other infinities keep their name', () => {
  const stats: NumericStats[] = [
    { name: 'Flow Duration', kind: 'numeric', median: 1e6, spread: 1e5, p01: 1000, p99: 5e6 },
    { name: 'Flow Bytes/s', kind: 'numeric', median: 500, spread: 100, p01: 10, p99: 1e5 },
    { name: 'Flow Packets/s', kind: 'numeric', median: 5, spread: 1, p01: 0.1, p99: 100 },
    { name: 'Fwd Packets/s', kind: 'numeric', median: 3, spread: 1, p01: 0.1, p99: 60 },
    { name: 'Dst Port', kind: 'numeric', median: 443, spread: 1, p01: 443, p99: 443 },
  ];
  const col = (name: string, v: number[]): Column => numericColumn(name, 'feature', Float64Array.from(v));
  // row 0: a lone SYN to an unusual port (duration 0 is unusual too); row 1: infinite rates its only
  // unusual values; row 2: an infinite port (1e400 in a CSV), which is no rate
  const t: FlowTable = {
    rowCount: 3,
    format: 'cicflowmeter',
    columns: [
      col('Flow Duration', [0, 1e6, 1e6]),
      col('Flow Bytes/s', [Infinity, Infinity, 500]),
      col('Flow Packets/s', [Infinity, Infinity, 5]),
      col('Fwd Packets/s', [Infinity, Infinity, 3]),
      col('Dst Port', [31337, 443, Infinity]),
    ],
  };
  const texts = (r: number): string[] => rowExplainer(stats, t, 3)(r).map((f) => f.text);
  // the words a person reads (column-stats.ts ZERO_DURATION_REASON), spelt out so the test says them
  const ZERO_DURATION_REASON = 'a zero-duration flow (all its packets at one instant, so its per-second rates are infinite)';
  assert.deepEqual(texts(0), ['Dst Port 31337 (baseline median 443, 99th pct 443)', 'Flow Duration 0 (baseline median 1000000, 99th pct 5000000)', ZERO_DURATION_REASON]);
  assert.deepEqual(texts(1), [ZERO_DURATION_REASON]);
  assert.deepEqual(texts(2), ['Dst Port is Infinity']);
  // with fewer slots the deviations win them
  assert.deepEqual(rowExplainer(stats, t, 2)(0).map((f) => f.text), ['Dst Port 31337 (baseline median 443, 99th pct 443)', 'Flow Duration 0 (baseline median 1000000, 99th pct 5000000)']);
  const pairs = stats.map((s) => [s, t.columns.find((c) => c.name === s.name)!] as const);
  for (const top of [1, 2, 3, 5]) for (let r = 0; r < 3; r++) assert.deepEqual(rowExplainer(stats, t, top)(r), explainWith(pairs, r, top), `row ${r}, top ${top}`);
});
