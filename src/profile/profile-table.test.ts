import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categoricalFrom, numericColumn, type FlowTable } from '../flows/table.js';
import { loadCicSample } from '../testing/datasets.js';
import { skipWithoutShared } from '../testing/shared-data.js';
import { UserError } from '../util/errors.js';
import { chiSquareIndependence } from './chi-square.js';
import { mannWhitneyU } from './mann-whitney.js';
import { profileTable } from './profile-table.js';
import { tinyFlowTable } from './profile-fixtures.js';

function close(got: number | null, want: number, rtol = 1e-12): void {
  assert.ok(got !== null && Math.abs(got - want) <= rtol * Math.abs(want), `got ${got}, want ${want}`);
}

test('profile: rows, class balance and the normal class found by name', () => {
  const p = profileTable(tinyFlowTable());
  assert.equal(p.rows, 8);
  assert.equal(p.columnCount, 8);
  assert.ok(p.label);
  assert.equal(p.label.column, 'attack_cat');
  assert.equal(p.label.normalClass, 'Normal');
  assert.deepEqual(p.label.classes.map((c) => [c.value, c.count]), [['Normal', 4], ['dos', 2], ['probe', 1]]);
  close(p.label.classes[0].share, 4 / 7);
  assert.equal(p.label.missing, 1);
  assert.deepEqual([p.label.normalRows, p.label.attackRows], [4, 3]);
});

test('profile: per column missing, infinite, zeros, range, mean, sample std, distinct, top values', () => {
  const p = profileTable(tinyFlowTable());
  const rate = p.columns.find((c) => c.name === 'rate');
  assert.ok(rate);
  assert.deepEqual([rate.type, rate.missing, rate.infinite, rate.zeros], ['numeric', 1, 2, 2]);
  // finite values 5, 5, 1, 0, -0: mean 2.2, squared deviations sum to 26.8
  assert.deepEqual([rate.min, rate.max], [0, 5]);
  close(rate.mean, 2.2);
  close(rate.std, Math.sqrt(26.8 / 4));
  assert.equal(rate.distinct, 5, '+Infinity, -Infinity, 5, 1 and one zero');
  assert.deepEqual(rate.topValues[0], { value: '0', count: 2 });
  const proto = p.columns.find((c) => c.name === 'proto');
  assert.ok(proto);
  assert.deepEqual([proto.type, proto.missing, proto.distinct, proto.min], ['categorical', 1, 3, null]);
  assert.deepEqual(proto.topValues, [{ value: 'icmp', count: 3 }, { value: 'tcp', count: 3 }, { value: 'udp', count: 1 }]);
  const flag = p.columns.find((c) => c.name === 'flag');
  assert.ok(flag?.constant);
  assert.equal(flag.std, 0);
});

test('profile: distinct values past the cap are reported as a lower bound, with a note', () => {
  const p = profileTable(tinyFlowTable(), { maxDistinct: 3 });
  const bytes = p.columns.find((c) => c.name === 'bytes');
  assert.ok(bytes);
  assert.deepEqual([bytes.distinct, bytes.distinctCapped, bytes.topValues.length], [4, true, 0]);
  assert.ok(p.notes.some((n) => n.includes('counted up to 3') && n.includes('bytes')));
});

test('profile: correlated pairs by |r|, pairwise over finite rows, constant columns skipped', () => {
  const p = profileTable(tinyFlowTable(), { topPairs: 3 });
  const c = p.correlations;
  assert.equal(c.rowsUsed, 8);
  assert.equal(c.sampled, false);
  assert.deepEqual(c.skippedConstant, ['flag']);
  assert.equal(c.pairs.length, 3);
  const find = (a: string, b: string) => c.pairs.find((q) => (q.a === a && q.b === b) || (q.a === b && q.b === a));
  close(find('bytes', 'twice')?.r ?? null, 1);
  const neg = find('bytes', 'neg');
  close(neg?.r ?? null, -1);
  assert.equal(neg?.n, 7, 'the NaN row left out of that pair only');
  assert.ok(c.pairs.every((q, i) => i === 0 || Math.abs(q.r) <= Math.abs(c.pairs[i - 1].r)));
  assert.ok(!c.pairs.some((q) => q.a === 'src_port' || q.b === 'src_port'), 'meta columns are not features');
});

test('profile: Mann-Whitney per numeric feature and chi-square per categorical one, normal vs attack', () => {
  const p = profileTable(tinyFlowTable());
  assert.deepEqual(p.tests.map((t) => t.feature), ['bytes', 'rate', 'proto', 'flag', 'twice', 'neg']);
  const bytes = p.tests[0];
  // rows with a label: normal 1, 2, 3, 4; attack 10, 11, 12 (row 8 has no label)
  const ref = mannWhitneyU([1, 2, 3, 4], [10, 11, 12]);
  assert.deepEqual([bytes.test, bytes.statistic, bytes.effect, bytes.n], ['mann-whitney-u', 0, 1, 7]);
  close(bytes.pValue, ref.pValue);
  close(bytes.pValue, 0.05182992721790968, 1e-12); // scipy mannwhitneyu(..., method='asymptotic')
  // proto: tcp [3, 0], udp [1, 0], icmp [0, 2] (row 7 has no proto, row 8 no label): chi2 = 6 by hand
  const proto = p.tests[2];
  assert.deepEqual([proto.test, proto.dof, proto.n], ['chi-square', 2, 6]);
  close(proto.statistic, 6);
  close(proto.statistic, chiSquareIndependence([3, 0, 1, 0, 0, 2], 3, 2).statistic);
  close(proto.pValue, 0.04978706836786395); // scipy chi2.sf(6, 2)
  close(proto.effect, 1);
  const flag = p.tests[3];
  assert.equal(flag.pValue, null, 'no variance: no p-value (null, not NaN)');
  assert.equal(p.tests[5].effect, 0, 'neg: attacks always lower');
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p, 'plain JSON: nothing lost in a round trip');
});

test('profile: numeric 0/1 label, a named normal class, and the cases without tests', () => {
  const t = tinyFlowTable();
  const numericLabel: FlowTable = {
    ...t,
    defaultTarget: 'y',
    columns: [...t.columns.filter((c) => c.role !== 'label'), numericColumn('y', 'label', Float64Array.of(0, 0, 0, 0, 1, 1, 1, 1))],
  };
  const p = profileTable(numericLabel);
  assert.equal(p.label?.normalClass, '0');
  assert.deepEqual([p.label?.normalRows, p.label?.attackRows], [4, 4]);
  assert.equal(p.tests[0].effect, 1);

  const named = profileTable(t, { normalClass: 'dos' });
  assert.deepEqual([named.label?.normalRows, named.label?.attackRows], [2, 5]);

  const noNormal: FlowTable = { ...t, columns: [...t.columns.slice(0, 7), categoricalFrom('attack_cat', 'label', Array(8).fill('x').map((x, i) => `${x}${i % 2}`))] };
  const q = profileTable(noNormal);
  assert.equal(q.label?.normalClass, null);
  assert.deepEqual(q.tests, []);
  assert.ok(q.notes.some((n) => n.includes('no normal class found')));

  const noLabel = profileTable({ ...t, defaultTarget: undefined, columns: t.columns.slice(0, 7) });
  assert.equal(noLabel.label, null);
  assert.ok(noLabel.notes.some((n) => n.includes('no label column')));

  assert.throws(() => profileTable(t, { label: 'Label' }), (e: unknown) => e instanceof UserError && /no column "Label"; label columns are "attack_cat"/.test(e.message));
  assert.throws(() => profileTable(t, { normalClass: 'BENIGN' }), /class "BENIGN" does not occur/);
  assert.throws(() => profileTable(t, { topPairs: -1 }), /'topPairs' parameter of profileTable/);
});

test('profile: correlations past correlationRows use a seeded sample, and say so', () => {
  const n = 5000;
  const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const t: FlowTable = {
    rowCount: n,
    format: 'test',
    columns: [numericColumn('a', 'feature', a), numericColumn('b', 'feature', Float64Array.from(a, (x, i) => 3 * x + 0.1 * Math.cos(7 * i)))],
  };
  const p = profileTable(t, { correlationRows: 500 });
  assert.equal(p.correlations.rowsUsed, 500);
  assert.equal(p.correlations.sampled, true);
  assert.ok(p.correlations.pairs[0].r > 0.99);
  assert.ok(p.notes.some((x) => x.includes('seeded random sample of 500 of 5,000 rows')));
  assert.deepEqual(profileTable(t, { correlationRows: 500 }), p, 'same seed, same profile');
});

test('profile of the CIC-IDS2017 sample agrees with scipy and pandas', { skip: skipWithoutShared('datasets', 'cicids2017-sample') }, async () => {
  const table = await loadCicSample();
  assert.ok(table);
  const started = performance.now();
  const p = profileTable(table, { topPairs: 4000 });
  const ms = performance.now() - started;
  assert.equal(p.rows, 25_127);
  assert.equal(p.label?.column, 'Label');
  assert.equal(p.label?.normalClass, 'BENIGN');
  assert.deepEqual([p.label?.normalRows, p.label?.attackRows], [2500, 22_627]);
  const test = (name: string) => p.tests.find((t) => t.feature === name);
  // scipy.stats.mannwhitneyu(normal, attack, method='asymptotic') on the same parsed values
  assert.equal(test('Fwd Seg Size Min')?.statistic, 6_907_507.5);
  assert.equal(test('Dst Port')?.statistic, 23_175_461);
  close(test('Dst Port')?.pValue ?? null, 4.709661658774776e-56, 1e-9);
  close(test('Flow Duration')?.pValue ?? null, 7.278707971028648e-60, 1e-9);
  // scipy.stats.chi2_contingency(crosstab(Protocol, normal/attack))
  close(test('Protocol')?.statistic ?? null, 15_099.006068814726, 1e-12);
  assert.equal(test('Protocol')?.dof, 3);
  // numpy.corrcoef
  const pair = p.correlations.pairs.find((q) => [q.a, q.b].sort().join('|') === 'Flow IAT Max|Fwd IAT Max');
  close(pair?.r ?? null, 0.9996714753456796, 1e-11);
  // indicative: ~0.6 s here on a loaded 2-core machine
  assert.ok(ms < 15_000, `profile took ${ms.toFixed(0)} ms`);
});
