/**
 * The analysis configuration: rule thresholds, fusion weights, risk thresholds, GeoIP path and the
 * store, from a YAML or JSON file (`--config`, or NETSENTINEL_CONFIG), over the defaults. Each
 * value is checked where it is read, with the file and key named in the error. Every key of these
 * sections but rules.* (RULE_PARAMETERS in src/detect/rules-config.ts) is a row of
 * ANALYSIS_PARAMETERS, which the loader checks the file against and `config show` lists.
 *
 *   thresholds: { flow: 0.999, ip: 0.99, verdict: 0.95 }   (alert a flow / list a source / call a flow an attack)
 *   weights:    { detectors: { isolation-forest: 1, autoencoder: 1, one-class-svm: 1 }, classifier: 1, rules: 1 }
 *   rules:      { portScan: { ports: 10, windowSeconds: 60 }, ... }   (see src/detect/rules-config.ts)
 *   store:      netsentinel.db | postgres://user@host/db   (a relative path: from this file's folder)
 *   alerts:     { flowAlertsPerSource: 10, flowAlertsPerTarget: 100, flowAlertWindowSeconds: 60, maxFlowAlerts: 100000 }
 *               (at most 10 flow alerts per source per 60 s of flow time, 0 = no limit, window 0 = the
 *               whole run; then most flow alerts per run, 0 = no cap; findings and sources never limited)
 */
import { UserError } from '../util/errors.js';
import type { RulesConfigInput } from '../detect/rules-config.js';
import { resolveRulesConfig } from '../detect/rules-config.js';
import { CONFIG_SECTIONS } from './setting-keys.js';
import { DEFAULT_STORE } from '../store/store-url.js';
import { readConfigDocument, type SettingsFiles } from './settings.js';

/**
 * The detectors a baseline fits by default (DEFAULT_DETECTORS in src/risk/baseline.ts, held equal by
 * a test; not imported, so reading the configuration loads no model). A weight for another
 * detector name is accepted and listed too.
 */
export const WEIGHTED_DETECTORS: readonly string[] = ['isolation-forest', 'autoencoder', 'one-class-svm'];

/** The file's top-level keys this loader reads; each is rules or has its keys in ANALYSIS_PARAMETERS (a test holds that). */
export const ANALYSIS_SECTIONS: readonly string[] = ['thresholds', 'weights', 'rules', 'store', 'alerts'];

/** One key of the analysis sections (rules.* aside), as the file writes it, with what a run does with it. */
export interface AnalysisParameter {
  /** e.g. "thresholds.flow" */
  readonly key: string;
  readonly default: number | string;
  readonly description: string;
  /** the flags of the verbs that override it, e.g. "--flow-threshold (analyze, capture, stream)" */
  readonly flags?: string;
  /** the environment variable a run reads for it, over the file (only the store has one) */
  readonly env?: string;
  /** the value a run takes from the loaded configuration (the default when the file does not give it) */
  readonly read: (c: AnalysisConfig) => number | string;
}

/**
 * Every key of thresholds, weights, alerts and store, in the order `config show` lists them. The
 * defaults of alerts.* and store are the runs' own constants (DEFAULT_MAX_FLOW_ALERTS,
 * DEFAULT_FLOW_ALERTS_PER_SOURCE, DEFAULT_FLOW_ALERT_WINDOW_SECONDS, DEFAULT_STORE), written here
 * and held equal by a test, so that reading the configuration loads no analysis module.
 */
export const ANALYSIS_PARAMETERS: readonly AnalysisParameter[] = [
  { key: 'thresholds.flow', default: 0.999, flags: '--flow-threshold (analyze, capture, stream)', description: 'a flow with risk at or above this gets an alert (between 0 and 1)', read: (c) => c.thresholds.flow },
  { key: 'thresholds.ip', default: 0.99, flags: '--ip-threshold (analyze, capture)', description: 'a source with risk at or above this is listed as risky, but for a source of one flow below thresholds.flow with no finding or other evidence (between 0 and 1)', read: (c) => c.thresholds.ip },
  { key: 'thresholds.verdict', default: 0.95, flags: '--verdict-threshold (analyze)', description: 'a flow with risk at or above this is called an attack (flows_scored.csv, quality figures; between 0 and 1)', read: (c) => c.thresholds.verdict },
  ...WEIGHTED_DETECTORS.map(detectorWeight),
  { key: 'weights.classifier', default: 1, description: "weight of the classifier's evidence in a flow's risk (≥ 0; 0 = ignored)", read: (c) => c.weights.classifier },
  { key: 'weights.rules', default: 1, description: "weight of each rule finding in a source's risk (≥ 0; 0 = ignored)", read: (c) => c.weights.rules },
  { key: 'alerts.maxFlowAlerts', default: 100_000, flags: '--max-flow-alerts (analyze, capture)', description: 'most flow alerts per run, after the per-source limit; 0 = no cap', read: (c) => c.maxFlowAlerts ?? 100_000 },
  { key: 'alerts.flowAlertsPerSource', default: 10, flags: '--flow-alerts-per-source (analyze, capture, stream)', description: 'most flow alerts per source address per window of flow time; 0 = no limit', read: (c) => c.flowAlertsPerSource ?? 10 },
  { key: 'alerts.flowAlertsPerTarget', default: 100, flags: '--flow-alerts-per-target (analyze, capture, stream)', description: 'most flow alerts towards one destination address per window of flow time; 0 = no limit (and 0 when alerts.flowAlertsPerSource is 0, unless set)', read: (c) => c.flowAlertsPerTarget ?? ((c.flowAlertsPerSource ?? 10) > 0 ? 100 : 0) },
  { key: 'alerts.flowAlertWindowSeconds', default: 60, flags: '--flow-alert-window (analyze, capture, stream)', description: 'that window, in seconds of flow time; 0 = the whole run', read: (c) => c.flowAlertWindowSeconds ?? 60 },
  { key: 'store', default: DEFAULT_STORE, flags: '--store (analyze, capture, stream)', env: 'NETSENTINEL_STORE', description: "where alerts and runs are kept: a SQLite path, a postgres:// URL, or 'none'", read: (c) => c.store ?? DEFAULT_STORE },
];

/** weights.detectors.NAME: a detector's weight; without one, the weight its baseline stored (always 1 today). */
export function detectorWeight(name: string): AnalysisParameter {
  return {
    key: `weights.detectors.${name}`,
    default: 1,
    description: `weight of the ${name} detector in a flow's risk (≥ 0; 0 = ignored)`,
    read: (c) => c.weights.detectors[name] ?? 1,
  };
}

export interface AnalysisConfig {
  readonly thresholds: { readonly flow: number; readonly ip: number; readonly verdict: number };
  readonly weights: { readonly detectors: Readonly<Record<string, number>>; readonly classifier: number; readonly rules: number };
  readonly rules: RulesConfigInput;
  readonly store?: string;
  /** most flow alerts per run (the first in input order); 0 = no cap; undefined = the default */
  readonly maxFlowAlerts?: number;
  /** most flow alerts per source per window (src/analysis/flow-alert-limit.ts); 0 = no limit; undefined = the default */
  readonly flowAlertsPerSource?: number;
  readonly flowAlertsPerTarget?: number;
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
  // the one reader of the config file (settings.ts): yaml loaded only for a YAML file, and the
  // relative paths (store:, rules.geoip's databases) resolved from the file's folder
  const d = readConfigDocument(file);
  const known = ANALYSIS_SECTIONS;
  // the same file holds the other folders' sections (intel, upload, log, smtp, ...): see setting-keys.ts
  const allKnown = [...new Set([...known, ...CONFIG_SECTIONS])];
  for (const k of Object.keys(d)) if (!allKnown.includes(k)) throw new UserError(`${file}: unknown key "${k}" (known: ${allKnown.join(', ')})`);
  const sources: Record<string, string> = {};
  const section = (name: string, example: string): Record<string, unknown> => {
    const v = d[name] ?? {};
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${file}: ${name} must be a mapping (${name}: ${example})`);
    return v as Record<string, unknown>;
  };
  // a key ANALYSIS_PARAMETERS does not know would be passed over by a run (a typo): refused, naming the known ones
  const onlyKnown = (name: string, obj: Record<string, unknown>, more: readonly string[] = []): void => {
    const keys = [...ANALYSIS_PARAMETERS.map((p) => p.key).filter((k) => k.startsWith(`${name}.`) && !k.startsWith('weights.detectors.')), ...more];
    for (const k of Object.keys(obj)) if (!keys.includes(`${name}.${k}`)) throw new UserError(`${file}: unknown key "${name}.${k}" (known: ${keys.join(', ')})`);
  };
  const th = section('thresholds', '{ flow: 0.999, ip: 0.99, verdict: 0.95 }');
  onlyKnown('thresholds', th);
  const prob = (key: string, v: unknown, def: number): number => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !(v > 0 && v < 1)) throw new UserError(`${file}: ${key} must be a number between 0 and 1, got ${JSON.stringify(v)}`);
    sources[key] = file;
    return v;
  };
  const w = section('weights', '{ detectors: { isolation-forest: 1 }, classifier: 1, rules: 1 }');
  onlyKnown('weights', w, ['weights.detectors']);
  const weight = (key: string, v: unknown, def: number): number => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new UserError(`${file}: ${key} must be a number ≥ 0, got ${JSON.stringify(v)}`);
    sources[key] = file;
    return v;
  };
  const detectors = w.detectors ?? {};
  if (detectors === null || typeof detectors !== 'object' || Array.isArray(detectors)) throw new UserError(`${file}: weights.detectors must be a mapping of detector names to weights (detectors: { isolation-forest: 1 })`);
  const det: Record<string, number> = {};
  for (const [k, v] of Object.entries(detectors as Record<string, unknown>)) det[k] = weight(`weights.detectors.${k}`, v, 1);
  const al = section('alerts', '{ flowAlertsPerSource: 10, flowAlertsPerTarget: 100, flowAlertWindowSeconds: 60, maxFlowAlerts: 100000 }');
  onlyKnown('alerts', al);
  const alertKeys: Record<string, string> = { maxFlowAlerts: '0 = no cap', flowAlertsPerSource: '0 = no limit', flowAlertsPerTarget: '0 = no limit', flowAlertWindowSeconds: '0 = the whole run' };
  for (const [k, zero] of Object.entries(alertKeys)) {
    const v = al[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new UserError(`${file}: alerts.${k} must be a whole number ≥ 0 (${zero}), got ${JSON.stringify(v)}`);
    sources[`alerts.${k}`] = file;
  }
  if (d.store !== undefined && typeof d.store !== 'string') throw new UserError(`${file}: store must be a path or a postgres:// URL`);
  if (d.store !== undefined) sources.store = file;
  return {
    thresholds: { flow: prob('thresholds.flow', th.flow, 0.999), ip: prob('thresholds.ip', th.ip, 0.99), verdict: prob('thresholds.verdict', th.verdict, 0.95) },
    weights: { detectors: det, classifier: weight('weights.classifier', w.classifier, 1), rules: weight('weights.rules', w.rules, 1) },
    rules: (d.rules ?? {}) as RulesConfigInput,
    store: d.store as string | undefined,
    maxFlowAlerts: al.maxFlowAlerts as number | undefined,
    flowAlertsPerSource: al.flowAlertsPerSource as number | undefined,
    flowAlertsPerTarget: al.flowAlertsPerTarget as number | undefined,
    flowAlertWindowSeconds: al.flowAlertWindowSeconds as number | undefined,
    sources,
  };
}

/** One key of the analysis sections as a run will use it, for `netsentinel config show`. */
export interface AnalysisSetting {
  readonly key: string;
  readonly value: number | string;
  readonly default: number | string;
  readonly source: 'environment' | '.env' | 'file' | 'default';
  /** the file, the variable or the .env line it came from; null for a default */
  readonly origin: string | null;
  /** the variable a run reads for it, when it reads one */
  readonly env: string | null;
  /** the flags that override it in a run */
  readonly flags: string | null;
  readonly description: string;
}

/**
 * Every key of ANALYSIS_PARAMETERS (and a weight the file gives another detector, after the
 * default detectors' weights) with the value a run takes: its variable when set (a run reads only
 * NETSENTINEL_STORE, from the environment, else the .env file: pass the run's located `files`),
 * else the file's value as loaded (so checked as a run checks it), else the default. The runs'
 * flags, which `config show` does not take, are named.
 */
export function analysisSettings(c: AnalysisConfig, vars: Readonly<Record<string, string | undefined>> | Pick<SettingsFiles, 'variable'> = process.env): AnalysisSetting[] {
  const variable = (name: string): { value: string; source: 'environment' | '.env'; origin: string } | undefined => {
    if (typeof vars.variable === 'function') return (vars as Pick<SettingsFiles, 'variable'>).variable(name);
    const v = (vars as Readonly<Record<string, string | undefined>>)[name];
    return v ? { value: v, source: 'environment', origin: name } : undefined;
  };
  const others = Object.keys(c.weights.detectors).filter((n) => !WEIGHTED_DETECTORS.includes(n)).map(detectorWeight);
  const at = ANALYSIS_PARAMETERS.findIndex((p) => p.key === `weights.detectors.${WEIGHTED_DETECTORS[WEIGHTED_DETECTORS.length - 1]}`) + 1;
  const params = [...ANALYSIS_PARAMETERS.slice(0, at), ...others, ...ANALYSIS_PARAMETERS.slice(at)];
  return params.map((p) => {
    const common = { key: p.key, default: p.default, env: p.env ?? null, flags: p.flags ?? null, description: p.description };
    const fromEnv = p.env ? variable(p.env) : undefined;
    if (fromEnv) return { ...common, value: fromEnv.value, source: fromEnv.source, origin: fromEnv.origin };
    const file = c.sources[p.key];
    return { ...common, value: p.read(c), source: file ? 'file' : 'default', origin: file ?? null };
  });
}

/** Help text: one line per key with its default and the flags that override it, for `netsentinel config --help`. */
export function describeAnalysisParameters(): string {
  const width = Math.max(...ANALYSIS_PARAMETERS.map((p) => p.key.length));
  return ANALYSIS_PARAMETERS.map(
    (p) => `${p.key.padEnd(width)}  ${p.description} (default ${JSON.stringify(p.default)}${p.env ? `; environment ${p.env}` : ''}${p.flags ? `; flag ${p.flags}` : ''})`,
  ).join('\n');
}
