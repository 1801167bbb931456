/**
 * The per-source flow-alert limit as `analyze`, `capture` and `stream` take it: the two flags, their config
 * keys and defaults resolved in one place (flag, then config file, then default), and the one
 * sentence the text summary says when the limit folded flows (src/analysis/flow-alert-limit.ts
 * says which flows get the alerts).
 */
import type { OptionSpec } from './args.js';
import type { AnalysisConfig } from '../config/analysis-config.js';
import type { AnalysisResult } from '../report/analysis-result.js';
import { DEFAULT_FLOW_ALERTS_PER_SOURCE, DEFAULT_FLOW_ALERTS_PER_TARGET, DEFAULT_FLOW_ALERT_WINDOW_SECONDS, type FlowAlertLimitSettings } from '../analysis/flow-alert-limit.js';
import { thousands } from '../util/thousands.js';

export const FLOW_ALERT_LIMIT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'flow-alerts-per-source',
    type: 'integer',
    value: 'N',
    range: { min: 0 },
    description: `most flow alerts per source address per --flow-alert-window of flow time (the first risky flows in input order); the rest are counted in the summary and the source's alert, and stay in flows_scored.csv; 0 = no limit; findings are never limited, nor risky sources but the forged senders of a flood (--flow-alerts-per-target) (config alerts.flowAlertsPerSource; default ${DEFAULT_FLOW_ALERTS_PER_SOURCE})`,
  },
  {
    name: 'flow-alert-window',
    type: 'integer',
    value: 'SECONDS',
    range: { min: 0 },
    description: `the window of --flow-alerts-per-source and --flow-alerts-per-target, in seconds of flow time, aligned to the epoch (60 = each UTC minute); 0 = the whole run (config alerts.flowAlertWindowSeconds; default ${DEFAULT_FLOW_ALERT_WINDOW_SECONDS})`,
  },
  {
    name: 'flow-alerts-per-target',
    type: 'integer',
    value: 'N',
    range: { min: 0 },
    description: `most flow alerts towards one destination address per --flow-alert-window (a flood from thousands of forged sources is N alerts, not one per source; its flood findings say the rest); the rest are counted like the per-source limit's; 0 = no limit (config alerts.flowAlertsPerTarget; default ${DEFAULT_FLOW_ALERTS_PER_TARGET}, 0 when --flow-alerts-per-source is 0)`,
  },
];

/**
 * The same two flags for `stream`, said in a worker's terms: no flows_scored.csv or run summary
 * there, and no end of the run (window 0 = the worker's life).
 */
export const STREAM_FLOW_ALERT_LIMIT_OPTIONS: readonly OptionSpec[] = [
  {
    ...FLOW_ALERT_LIMIT_OPTIONS[0],
    description: `most flow alerts per source address per --flow-alert-window of flow time (the first risky flows in stream order); the rest are counted in the stats, /metrics and the source's risky-source alert; 0 = no limit; findings and risky sources are never limited (config alerts.flowAlertsPerSource; default ${DEFAULT_FLOW_ALERTS_PER_SOURCE})`,
  },
  {
    ...FLOW_ALERT_LIMIT_OPTIONS[1],
    description: `the window of --flow-alerts-per-source and --flow-alerts-per-target, in seconds of flow time, aligned to the epoch (60 = each UTC minute); 0 = the worker's life (config alerts.flowAlertWindowSeconds; default ${DEFAULT_FLOW_ALERT_WINDOW_SECONDS})`,
  },
  {
    ...FLOW_ALERT_LIMIT_OPTIONS[2],
    description: `most flow alerts towards one destination address per --flow-alert-window, counted by each worker over the sources of its partitions; the rest are counted in the stats; 0 = no limit (config alerts.flowAlertsPerTarget; default ${DEFAULT_FLOW_ALERTS_PER_TARGET}, 0 when --flow-alerts-per-source is 0)`,
  },
];

/** The limit from the flags, else the config file, else the defaults; undefined when it is off (N = 0). */
export function flowAlertLimitFrom(values: Record<string, unknown>, config: Pick<AnalysisConfig, 'flowAlertsPerSource' | 'flowAlertWindowSeconds' | 'flowAlertsPerTarget'>): FlowAlertLimitSettings | undefined {
  const perSource = (values.flowAlertsPerSource as number | undefined) ?? config.flowAlertsPerSource ?? DEFAULT_FLOW_ALERTS_PER_SOURCE;
  // `--flow-alerts-per-source 0` has always meant an alert for every risky flow: the per-target
  // limit is then off too, unless it is asked for by itself
  const perTarget = (values.flowAlertsPerTarget as number | undefined) ?? config.flowAlertsPerTarget ?? (perSource > 0 ? DEFAULT_FLOW_ALERTS_PER_TARGET : 0);
  const windowSeconds = (values.flowAlertWindow as number | undefined) ?? config.flowAlertWindowSeconds ?? DEFAULT_FLOW_ALERT_WINDOW_SECONDS;
  return perSource > 0 || perTarget > 0 ? { perSource, windowSeconds, perTarget } : undefined;
}

/** The text summary's line when the per-source or per-target limit folded risky flows. */
export function limitSentence(r: AnalysisResult): string {
  const a = r.alerts;
  const n = thousands((a.flowAlertsSuppressed ?? 0));
  const per = a.flowAlertWindowSeconds ? `per ${thousands(a.flowAlertWindowSeconds)} s` : 'per run';
  const sources = a.suppressedSources ?? 0;
  const byTarget = a.flowAlertsSuppressedByTarget ?? 0;
  const where = r.outputs.flows ? 'counted in summary.json and, per risky source, in its alert and report.html; every flow is still in flows_scored.csv' : 'counted per risky source in its alert';
  if (byTarget === 0) {
    return (
      `${n} of ${thousands(r.riskyFlows)} risky flows folded into per-source limits ` +
      `(${a.flowAlertsPerSource} flow alerts per source ${per}, reached by ${thousands(sources)} source${sources === 1 ? '' : 's'}; --flow-alerts-per-source, --flow-alert-window; 0 = no limit); ${where}`
    );
  }
  const targets = a.suppressedTargets ?? [];
  const bySource = (a.flowAlertsSuppressed ?? 0) - byTarget;
  const sourcePart = a.flowAlertsPerSource ? `${thousands(bySource)} over the per-source limit (${a.flowAlertsPerSource} flow alerts per source ${per}; --flow-alerts-per-source, --flow-alert-window; 0 = no limit) and ` : '';
  return (
    `${n} of ${thousands(r.riskyFlows)} risky flows folded into flow-alert limits: ${sourcePart}` +
    `${thousands(byTarget)} over the per-target limit (${a.flowAlertsPerTarget} flow alerts per target ${per}, reached by ${thousands(targets.length)}${targets.length === 20 ? '+' : ''} target${targets.length === 1 ? '' : 's'}: ` +
    `${targets.slice(0, 3).map((t) => `${t.ip} ${thousands(t.suppressed)}`).join(', ')}${targets.length > 3 ? ', …' : ''}; --flow-alerts-per-target); ${where}` +
    (a.sourceAlertsFolded ? `; ${thousands(a.sourceAlertsFolded)} risky source${a.sourceAlertsFolded === 1 ? '' : 's'} with nothing against ${a.sourceAlertsFolded === 1 ? 'it' : 'them'} but flows held back by a target's limit (a flood from forged addresses sends from thousands) got no alert of ${a.sourceAlertsFolded === 1 ? 'its' : 'their'} own: still listed as risky sources` : '')
  );
}
