/**
 * The analysis configuration: rule thresholds, fusion weights, risk thresholds, GeoIP path and the
 * store, from a YAML or JSON file (`--config`, or NETSENTINEL_CONFIG), over the defaults. Each
 * value is checked where it is read, with the file and key named in the error.
 *
 *   thresholds: { flow: 0.999, ip: 0.99, verdict: 0.95 }   (alert a flow / list a source / call a flow an attack)
 *   weights:    { detectors: { isolation-forest: 1, autoencoder: 1, one-class-svm: 1 }, classifier: 1, rules: 1 }
 *   rules:      { portScan: { ports: 10, windowSeconds: 60 }, ... }   (see src/detect/rules-config.ts)
 *   store:      netsentinel.db | postgres://user@host/db
 *   alerts:     { flowAlertsPerSource: 10, flowAlertWindowSeconds: 60, maxFlowAlerts: 100000 }
 *               (at most 10 flow alerts per source per 60 s of flow time, 0 = no limit, window 0 = the
 *               whole run; then most flow alerts per run, 0 = no cap; findings and sources never limited)
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { errnoCause } from '../util/fs-errors.js';
import type { RulesConfigInput } from '../detect/rules-config.js';
import { resolveRulesConfig } from '../detect/rules-config.js';
import { CONFIG_SECTIONS } from './setting-keys.js';

export interface AnalysisConfig {
  readonly thresholds: { readonly flow: number; readonly ip: number; readonly verdict: number };
  readonly weights: { readonly detectors: Readonly<Record<string, number>>; readonly classifier: number; readonly rules: number };
  readonly rules: RulesConfigInput;
  readonly store?: string;
  /** most flow alerts per run (the first in input order); 0 = no cap; undefined = the default */
  readonly maxFlowAlerts?: number;
  /** most flow alerts per source per window (src/analysis/flow-alert-limit.ts); 0 = no limit; undefined = the default */
  readonly flowAlertsPerSource?: number;
  /** that window, in seconds of flow time; 0 = the whole run; undefined = the default */
  readonly flowAlertWindowSeconds?: number;
  /** where each value came from, for `netsentinel config` */
  readonly sources: Readonly<Record<string, string>>;
}

export const DEFAULT_ANALYSIS_CONFIG: AnalysisConfig = {
  thresholds: { flow: 0.999, ip: 0.99, verdict: 0.95 },
  weights: { detectors: {}, classifier: 1, rules: 1 },
  rules: {},
  sources: {},
};

export async function loadAnalysisConfig(path?: string): Promise<AnalysisConfig> {
  const file = path ?? process.env.NETSENTINEL_CONFIG;
  if (!file) return DEFAULT_ANALYSIS_CONFIG;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the configuration ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errnoCause(e)}`);
  }
  let doc: unknown;
  try {
    // yaml loaded only when a YAML file is given (~0.1 s of module loading otherwise paid by every run)
    doc = /\.json$/i.test(file) ? JSON.parse(text) : (await import('yaml')).default.parse(text);
  } catch (e) {
    const m = (e as Error).message.split('\n')[0];
    throw new UserError(`${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${m}`);
  }
  if (doc === null || doc === undefined) return DEFAULT_ANALYSIS_CONFIG;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UserError(`${file}: the configuration must be a mapping of keys to values`);
  const d = doc as Record<string, unknown>;
  const known = ['thresholds', 'weights', 'rules', 'store', 'alerts'];
  // the same file holds the other folders' sections (intel, upload, log, smtp, ...): see setting-keys.ts
  const allKnown = [...new Set([...known, ...CONFIG_SECTIONS])];
  for (const k of Object.keys(d)) if (!allKnown.includes(k)) throw new UserError(`${file}: unknown key "${k}" (known: ${allKnown.join(', ')})`);
  const sources: Record<string, string> = {};
  const th = (d.thresholds ?? {}) as Record<string, unknown>;
  const prob = (key: string, v: unknown, def: number): number => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !(v > 0 && v < 1)) throw new UserError(`${file}: ${key} must be a number between 0 and 1, got ${JSON.stringify(v)}`);
    sources[key] = file;
    return v;
  };
  const w = (d.weights ?? {}) as Record<string, unknown>;
  const weight = (key: string, v: unknown, def: number): number => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new UserError(`${file}: ${key} must be a number ≥ 0, got ${JSON.stringify(v)}`);
    sources[key] = file;
    return v;
  };
  const det: Record<string, number> = {};
  for (const [k, v] of Object.entries((w.detectors ?? {}) as Record<string, unknown>)) det[k] = weight(`weights.detectors.${k}`, v, 1);
  if (d.rules !== undefined) {
    // validate now, so a typo is reported against the file before any data is read
    try {
      resolveRulesConfig(d.rules, `${file}: rules`);
    } catch (e) {
      throw e instanceof UserError ? e : new UserError(`${file}: ${(e as Error).message}`);
    }
    sources.rules = file;
  }
  const al = (d.alerts ?? {}) as Record<string, unknown>;
  if (al === null || typeof al !== 'object' || Array.isArray(al)) throw new UserError(`${file}: alerts must be a mapping (alerts: { flowAlertsPerSource: 10, flowAlertWindowSeconds: 60, maxFlowAlerts: 100000 })`);
  const alertKeys: Record<string, string> = { maxFlowAlerts: '0 = no cap', flowAlertsPerSource: '0 = no limit', flowAlertWindowSeconds: '0 = the whole run' };
  for (const k of Object.keys(al)) if (!(k in alertKeys)) throw new UserError(`${file}: unknown key "alerts.${k}" (known: ${Object.keys(alertKeys).map((x) => `alerts.${x}`).join(', ')})`);
  for (const [k, zero] of Object.entries(alertKeys)) {
    const v = al[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new UserError(`${file}: alerts.${k} must be a whole number ≥ 0 (${zero}), got ${JSON.stringify(v)}`);
    sources[`alerts.${k}`] = file;
  }
  if (d.store !== undefined && typeof d.store !== 'string') throw new UserError(`${file}: store must be a path or a postgres:// URL`);
  return {
    thresholds: { flow: prob('thresholds.flow', th.flow, 0.999), ip: prob('thresholds.ip', th.ip, 0.99), verdict: prob('thresholds.verdict', th.verdict, 0.95) },
    weights: { detectors: det, classifier: weight('weights.classifier', w.classifier, 1), rules: weight('weights.rules', w.rules, 1) },
    rules: (d.rules ?? {}) as RulesConfigInput,
    store: d.store as string | undefined,
    maxFlowAlerts: al.maxFlowAlerts as number | undefined,
    flowAlertsPerSource: al.flowAlertsPerSource as number | undefined,
    flowAlertWindowSeconds: al.flowAlertWindowSeconds as number | undefined,
    sources,
  };
}
