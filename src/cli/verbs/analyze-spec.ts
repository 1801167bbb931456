/**
 * What `netsentinel analyze` accepts and its --help text, apart from the verb (analyze.ts): this
 * module imports only constants, so `analyze --help` and a mistake in its options load ~30 of our
 * modules instead of the ~160 of the analysis (readers, models, rules, reports, stores).
 */
import { THREADS_RANGE, type CommandSpec } from '../args.js';
import { DATA_OPTIONS } from '../data-option-table.js';
import { FLOW_ALERT_LIMIT_OPTIONS } from '../flow-alert-options.js';
import { DEFAULT_MAX_FLOW_ALERTS } from '../../analysis/flow-alert-limit.js';
import { DEFAULT_STORE } from '../../store/store-url.js';
import { defaultThreads } from '../../util/default-threads.js';
import { RESPOND_OPTIONS } from './respond-hook.js';
import { INTEL_UPLOAD_OPTIONS } from '../analyze-intel-upload.js';

export const ANALYZE_SPEC: CommandSpec = {
  name: 'analyze',
  summary: 'judge traffic: detectors + rules fused into a risk per flow and per source IP, with reasons',
  usage: 'DATA... [options]',
  positionals: { min: 1, name: 'DATA (flow files, folders or globs)' },
  description: `Risk is in [0, 1]: the fused evidence of the baseline's detectors (each calibrated on held-out
normal traffic), the classifier's P(attack) when --model is given, and the behavioural rules, by the
weighted Stouffer rule (docs/architecture.md, "How a risk is made"). Risk is calibrated on held-out
baseline traffic: a flow at risk 0.999 is more unusual than 999 in 1000 normal flows. Without --baseline the detectors are fitted on DATA itself (weaker; the output says so).
Outputs in --out: flows_scored.csv, risky_ips.csv, risky_ips.txt, alerts.jsonl (Suricata EVE),
risk_scores.png, report.html, summary.json.`,
  options: [
    { name: 'baseline', short: 'b', type: 'string', value: 'FILE', description: "baseline from 'netsentinel baseline' (recommended)" },
    { name: 'model', short: 'm', type: 'string', value: 'FILE', description: 'a trained classifier model file to add its verdict' },
    { name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'output folder', default: 'netsentinel-output' },
    { name: 'config', short: 'c', type: 'string', value: 'FILE', description: "YAML/JSON configuration (thresholds, weights, rules, store; relative paths from the file's folder); also NETSENTINEL_CONFIG" },
    { name: 'store', type: 'string', value: 'URL', description: `alert store: a SQLite path or postgres:// URL; 'none' to skip (also NETSENTINEL_STORE; with --respond, decisions then go to NETSENTINEL_STORE, the config's store: or the default)`, default: DEFAULT_STORE },
    { name: 'flow-threshold', type: 'number', value: 'RISK', range: { min: 0, max: 1, minOpen: true, maxOpen: true }, description: 'flows at or above this risk become alerts (config thresholds.flow)' },
    { name: 'ip-threshold', type: 'number', value: 'RISK', range: { min: 0, max: 1, minOpen: true, maxOpen: true }, description: 'sources at or above this risk are listed as risky, but for one of a single flow below --flow-threshold and nothing else about it (config thresholds.ip)' },
    { name: 'verdict-threshold', type: 'number', value: 'RISK', range: { min: 0, max: 1, minOpen: true, maxOpen: true }, description: "flows at or above this risk get verdict 'attack' in flows_scored.csv (config thresholds.verdict; default 0.95)" },
    { name: 'fail-on', type: 'number', value: 'RISK', range: { min: 0, max: 1 }, description: 'exit 1 when any source reaches this risk (for cron and CI); with --respond --apply, exit 1 also when notifications were left undelivered' },
    ...FLOW_ALERT_LIMIT_OPTIONS,
    { name: 'max-flow-alerts', type: 'integer', value: 'N', range: { min: 0 }, description: `most flow alerts per run (after the per-source limit), the first in input order; 0 = no cap; findings and risky sources are never capped (config alerts.maxFlowAlerts; default ${DEFAULT_MAX_FLOW_ALERTS})` },
    { name: 'batch-rows', type: 'integer', range: { min: 1 }, description: 'rows per streamed batch (memory stays bounded by it)', default: 65536 },
    { name: 'verbose', short: 'v', type: 'boolean', description: 'in the text summary: why each rule is off, every reason of a source' },
    { name: 'timings', type: 'boolean', description: 'print where the time went (process start, modules, model load, each stage and output; the whole command\'s wall and CPU time) on stderr, and in --json' },
    { name: 'no-report', type: 'boolean', description: 'skip report.html and the chart' },
    { name: 'seed', type: 'integer', range: { min: 0 }, description: 'random seed (self-fitted mode)', default: 42 },
    { name: 'threads', type: 'integer', range: THREADS_RANGE, description: 'worker threads', default: defaultThreads() },
    ...RESPOND_OPTIONS,
    ...INTEL_UPLOAD_OPTIONS,
    ...DATA_OPTIONS,
  ],
  examples: [
    'netsentinel baseline normal-week.csv -o office.nsb && netsentinel analyze today.csv -b office.nsb',
    'netsentinel analyze flows/ -b office.nsb -m gbdt.nsm -o out/ --fail-on 0.9999',
    'netsentinel analyze conn.csv --store postgres://netsentinel@db/netsentinel --json | jq .riskyIps',
  ],
};
