/**
 * The per-source flow-alert limit as `analyze`, `capture` and `stream` take it: the two flags, their config
 * keys and defaults resolved in one place (flag, then config file, then default), and the one
 * sentence the text summary says when the limit folded flows (src/analysis/flow-alert-limit.ts
 * says which flows get the alerts).
 */
import type { OptionSpec } from './args.js';
import type { AnalysisConfig } from '../config/analysis-config.js';
import type { AnalysisResult } from '../report/analysis-result.js';
import { DEFAULT_FLOW_ALERTS_PER_SOURCE, DEFAULT_FLOW_ALERT_WINDOW_SECONDS, type FlowAlertLimitSettings } from '../analysis/flow-alert-limit.js';

export const FLOW_ALERT_LIMIT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'flow-alerts-per-source',
    type: 'integer',
    value: 'N',
    range: { min: 0 },
    description: `most flow alerts per source address per --flow-alert-window of flow time (the first risky flows in input order); the rest are counted in the summary and the source's alert, and stay in flows_scored.csv; 0 = no limit; findings and risky sources are never limited (config alerts.flowAlertsPerSource; default ${DEFAULT_FLOW_ALERTS_PER_SOURCE})`,
  },
  {
    name: 'flow-alert-window',
    type: 'integer',
    value: 'SECONDS',
    range: { min: 0 },
    description: `the window of --flow-alerts-per-source, in seconds of flow time, aligned to the epoch (60 = each UTC minute); 0 = the whole run (config alerts.flowAlertWindowSeconds; default ${DEFAULT_FLOW_ALERT_WINDOW_SECONDS})`,
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
    description: `the window of --flow-alerts-per-source, in seconds of flow time, aligned to the epoch (60 = each UTC minute); 0 = the worker's life (config alerts.flowAlertWindowSeconds; default ${DEFAULT_FLOW_ALERT_WINDOW_SECONDS})`,
  },
];

/** The limit from the flags, else the config file, else the defaults; undefined when it is off (N = 0). */
export function flowAlertLimitFrom(values: Record<string, unknown>, config: Pick<AnalysisConfig, 'flowAlertsPerSource' | 'flowAlertWindowSeconds'>): FlowAlertLimitSettings | undefined {
  const perSource = (values.flowAlertsPerSource as number | undefined) ?? config.flowAlertsPerSource ?? DEFAULT_FLOW_ALERTS_PER_SOURCE;
  const windowSeconds = (values.flowAlertWindow as number | undefined) ?? config.flowAlertWindowSeconds ?? DEFAULT_FLOW_ALERT_WINDOW_SECONDS;
  return perSource > 0 ? { perSource, windowSeconds } : undefined;
}

/** The text summary's line when the per-source limit folded risky flows. */
export function limitSentence(r: AnalysisResult): string {
  const a = r.alerts;
  const n = (a.flowAlertsSuppressed ?? 0).toLocaleString('en-US');
  const per = a.flowAlertWindowSeconds ? `per ${a.flowAlertWindowSeconds.toLocaleString('en-US')} s` : 'per run';
  const sources = a.suppressedSources ?? 0;
  return (
    `${n} of ${r.riskyFlows.toLocaleString('en-US')} risky flows folded into per-source limits ` +
    `(${a.flowAlertsPerSource} flow alerts per source ${per}, reached by ${sources.toLocaleString('en-US')} source${sources === 1 ? '' : 's'}; --flow-alerts-per-source, --flow-alert-window; 0 = no limit); ` +
    (r.outputs.flows ? 'counted in summary.json and, per risky source, in its alert and report.html; every flow is still in flows_scored.csv' : 'counted per risky source in its alert')
  );
}
