/**
 * rowExplainer keeps only its top reasons and makes text for those alone (analyze explains every
 * risky flow); its answer must be explainWith's, the plain definition (every unusual feature as
 * text, a stable sort by weight, the first `top`), for every row: same features, weights, texts, order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import type { Column } from '../flows/table.js';
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
