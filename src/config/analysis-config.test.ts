/**
 * The analysis sections' keys (thresholds, weights, alerts, store) are one table, ANALYSIS_PARAMETERS:
 * every value the loader returns, and every section it accepts, is a row of it (so a key added to
 * the loader without a row, which `config show` would not list, fails here); its defaults are the
 * runs' own constants; `analysisSettings` says each value's source as a run takes it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import {
  ANALYSIS_PARAMETERS,
  ANALYSIS_SECTIONS,
  DEFAULT_ANALYSIS_CONFIG,
  WEIGHTED_DETECTORS,
  analysisSettings,
  loadAnalysisConfig,
  type AnalysisConfig,
} from './analysis-config.js';
import { DEFAULT_MAX_FLOW_ALERTS } from '../analysis/run-analysis.js';
import { DEFAULT_FLOW_ALERTS_PER_SOURCE, DEFAULT_FLOW_ALERT_WINDOW_SECONDS } from '../analysis/flow-alert-limit.js';
import { DEFAULT_STORE } from '../store/store-url.js';
import { DEFAULT_DETECTORS } from '../risk/baseline.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-analysis-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The loaded configuration's values as config keys: thresholds.flow, weights.detectors.x, store, and the alerts' top-level fields as alerts.NAME. */
function leafKeys(c: AnalysisConfig): string[] {
  const out: string[] = [];
  const walk = (o: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (prefix === '' && (k === 'sources' || k === 'rules')) continue;
      if (v === undefined) continue;
      const key = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, key);
      else out.push(prefix === '' && k !== 'store' ? `alerts.${k}` : key);
    }
  };
  walk(c as unknown as Record<string, unknown>, '');
  return out;
}

/** A valid value other than the default, for every row. */
function otherValue(key: string, def: number | string): number | string {
  if (key.startsWith('thresholds.')) return def === 0.5 ? 0.6 : 0.5;
  if (typeof def === 'number') return def + 7;
  return `${def}-other`;
}

function fileGiving(entries: readonly [string, unknown][]): string {
  const doc: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const parts = key.split('.');
    let o = doc;
    // weights.detectors.isolation-forest: a detector name may hold a dash, never a dot
    for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
    o[parts[parts.length - 1]] = value;
  }
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

test('every value the loader returns is a row of ANALYSIS_PARAMETERS, and every row is read from the file', async () => {
  const file = fileGiving(ANALYSIS_PARAMETERS.map((p) => [p.key, otherValue(p.key, p.default)]));
  const c = await loadAnalysisConfig(file);
  const keys = ANALYSIS_PARAMETERS.map((p) => p.key);
  for (const k of leafKeys(c)) assert.ok(keys.includes(k), `${k} is loaded but has no row in ANALYSIS_PARAMETERS (config show would not list it)`);
  for (const k of leafKeys(DEFAULT_ANALYSIS_CONFIG)) assert.ok(keys.includes(k), `${k} has a default but no row in ANALYSIS_PARAMETERS`);
  assert.deepEqual(leafKeys(c).sort(), [...keys].sort());
  for (const s of analysisSettings(c, {})) {
    const p = ANALYSIS_PARAMETERS.find((x) => x.key === s.key)!;
    // a relative store path is read from the file's folder (config-file-paths.ts)
    const value = p.key === 'store' ? resolve(dir, String(otherValue(p.key, p.default))) : otherValue(p.key, p.default);
    assert.deepEqual([s.key, s.value, s.source, s.origin], [p.key, value, 'file', file]);
  }
});

test('every section the loader accepts as its own has its keys listed (rules by RULE_PARAMETERS)', () => {
  for (const s of ANALYSIS_SECTIONS) {
    if (s === 'rules') continue;
    assert.ok(ANALYSIS_PARAMETERS.some((p) => p.key === s || p.key.startsWith(`${s}.`)), `section ${s} has no row`);
  }
  for (const p of ANALYSIS_PARAMETERS) assert.ok(ANALYSIS_SECTIONS.includes(p.key.split('.')[0]), p.key);
});

test("the rows' defaults are the runs' own", async () => {
  const by = Object.fromEntries(ANALYSIS_PARAMETERS.map((p) => [p.key, p.default]));
  assert.deepEqual(
    [by['thresholds.flow'], by['thresholds.ip'], by['thresholds.verdict'], by['weights.classifier'], by['weights.rules']],
    [DEFAULT_ANALYSIS_CONFIG.thresholds.flow, DEFAULT_ANALYSIS_CONFIG.thresholds.ip, DEFAULT_ANALYSIS_CONFIG.thresholds.verdict, DEFAULT_ANALYSIS_CONFIG.weights.classifier, DEFAULT_ANALYSIS_CONFIG.weights.rules],
  );
  assert.deepEqual(
    [by['alerts.maxFlowAlerts'], by['alerts.flowAlertsPerSource'], by['alerts.flowAlertWindowSeconds'], by.store],
    [DEFAULT_MAX_FLOW_ALERTS, DEFAULT_FLOW_ALERTS_PER_SOURCE, DEFAULT_FLOW_ALERT_WINDOW_SECONDS, DEFAULT_STORE],
  );
  assert.deepEqual(WEIGHTED_DETECTORS, DEFAULT_DETECTORS);
  // with no file, each row's value is its default
  for (const s of analysisSettings(await loadAnalysisConfig(undefined), {})) assert.deepEqual([s.value, s.source, s.origin], [s.default, 'default', null], s.key);
});

test('analysisSettings: NETSENTINEL_STORE over the file, a weight for another detector listed after the defaults', async () => {
  const file = fileGiving([['store', 'file.db'], ['weights.detectors.lof', 3], ['thresholds.flow', 0.9]]);
  const c = await loadAnalysisConfig(file);
  const rows = analysisSettings(c, { NETSENTINEL_STORE: 'env.db' });
  const store = rows.find((r) => r.key === 'store')!;
  assert.deepEqual([store.value, store.source, store.origin, store.env], ['env.db', 'environment', 'NETSENTINEL_STORE', 'NETSENTINEL_STORE']);
  assert.deepEqual(analysisSettings(c, {}).find((r) => r.key === 'store')!.source, 'file');
  const keys = rows.map((r) => r.key);
  assert.equal(keys.indexOf('weights.detectors.lof'), keys.indexOf('weights.detectors.one-class-svm') + 1);
  assert.equal(rows.find((r) => r.key === 'weights.detectors.lof')!.value, 3);
  assert.equal(rows.length, ANALYSIS_PARAMETERS.length + 1);
});

test('a key of thresholds or weights the table does not know is refused, as one in alerts was', async () => {
  await assert.rejects(loadAnalysisConfig(fileGiving([['thresholds.flw', 0.5]])), /unknown key "thresholds\.flw" \(known: thresholds\.flow, thresholds\.ip, thresholds\.verdict\)/);
  await assert.rejects(loadAnalysisConfig(fileGiving([['weights.rule', 2]])), /unknown key "weights\.rule" \(known: weights\.classifier, weights\.rules, weights\.detectors\)/);
  await assert.rejects(loadAnalysisConfig(fileGiving([['thresholds', 0.5]])), /thresholds must be a mapping/);
  await assert.rejects(loadAnalysisConfig(fileGiving([['weights.detectors', 2]])), /weights\.detectors must be a mapping/);
});
