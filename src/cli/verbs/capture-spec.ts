/**
 * What `netsentinel capture` accepts and its --help text, apart from the verb (capture.ts): only
 * constants, so `capture --help` and a mistake in its options load none of the analysis.
 */
import type { CommandSpec } from '../args.js';
import { CAPTURE_OPTIONS } from '../capture-options.js';
import { FLOW_ALERT_LIMIT_OPTIONS } from '../flow-alert-options.js';
import { DEFAULT_MAX_FLOW_ALERTS } from '../../analysis/flow-alert-limit.js';
import { ENV_FILE_OPTION } from '../../config/settings.js';
import { DEFAULT_STORE } from '../../store/store-url.js';
import { RESPOND_OPTIONS } from './respond-hook.js';
import { DEFAULT_MAX_SOURCES, DEFAULT_SOURCE_WINDOW_SECONDS } from '../../stream/stream-defaults.js';

export const CAPTURE_SPEC: CommandSpec = {
  name: 'capture',
  summary: 'analyse an interface live: tcpdump on a pipe → flows → the analysis, alerts printed as they come',
  usage: '--interface IF [--filter BPF] -b BASELINE [options]',
  positionals: { min: 0, max: 0, name: 'nothing' },
  description: `Runs tcpdump (-U -n -w - -i IF [FILTER]), or dumpcap when tcpdump is not installed, and reads
its pcap from a pipe: no native addon, and only the capture program needs the privilege (root, or
CAP_NET_RAW on the program). Flows are metered as packets arrive and handed to the analysis every
--batch-seconds (flows idle past --idle-timeout, and TCP connections that closed, are finished then);
each finding is printed on stdout when a detector crosses its threshold ("opened: ...", or a
"finding_opened" record with --json) and again, with its final counts, when its episode closes
(one line, or its EVE JSON alert with --json),
each risky source when its --source-window of flow time closes (5 min by default: told within
the window plus the two flow timeouts and two batches, or at the end; 0 judges each source once,
over the whole capture, at the end, as analyze), risky flows as they are scored with --print-flows. Ctrl-C (SIGINT),
SIGTERM, --duration or --count stop the capture: open flows are finished and analysed, the outputs
written, exit 0. A second Ctrl-C stops at once. With -o the outputs are analyze's (flows_scored.csv, alerts.jsonl, report.html,
summary.json, ...) and alerts go to the store; without it nothing is written but --write's files.
--respond runs the response policy on each finding as it is printed (a "decided:" line, or a
"decision" record with --json): its source is banned or alerted on and the alert sent (--apply; a
dry run by default), while the capture runs; each risky source as its window closes; at the end the whole result as 'analyze --respond'
(decisions in --store, or NETSENTINEL_STORE, the config's store: or the default, when there is none).`,
  options: [
    { name: 'interface', short: 'i', type: 'string', value: 'IF', description: "interface to capture on ('any' for all, in Linux cooked framing)" },
    { name: 'filter', short: 'f', type: 'string', value: 'BPF', description: "capture filter in tcpdump's syntax, e.g. 'not port 22'" },
    { name: 'baseline', short: 'b', type: 'string', value: 'FILE', description: "baseline from 'netsentinel baseline' for anomaly scores (without it the rules and packet detectors judge alone: live flows cannot fit the detectors on themselves)" },
    { name: 'model', short: 'm', type: 'string', value: 'FILE', description: 'a trained classifier model file to add its verdict' },
    { name: 'out', short: 'o', type: 'string', value: 'DIR', description: "write analyze's outputs here when the capture ends (and store the alerts)" },
    { name: 'config', short: 'c', type: 'string', value: 'FILE', description: "YAML/JSON configuration (thresholds, weights, rules, store; relative paths from the file's folder); also NETSENTINEL_CONFIG" },
    { name: 'store', type: 'string', value: 'URL', description: `alert store (SQLite path or postgres:// URL; 'none' to skip); with -o as analyze's (NETSENTINEL_STORE, config store, else ${DEFAULT_STORE}), without -o none` },
    ENV_FILE_OPTION,
    { name: 'program', type: 'string', value: 'NAME', choices: ['tcpdump', 'dumpcap'], description: 'capture program (default: tcpdump, else dumpcap)' },
    { name: 'write', short: 'w', type: 'string', value: 'DIR', description: 'also keep the packets: pcap files in DIR, each renamed into place when complete' },
    { name: 'rotate-seconds', type: 'number', value: 'N', range: { min: 0, minOpen: true }, description: 'with --write: start a new file every N seconds of capture' },
    { name: 'rotate-mb', type: 'number', value: 'N', range: { min: 0, minOpen: true }, description: 'with --write: start a new file before one exceeds N MB (of pcap, before --compress)' },
    { name: 'compress', type: 'string', value: 'KIND', choices: ['gzip', 'zstd'], description: 'with --write: compress each file as it is written (.pcap.gz; .pcap.zst needs the zstd program); every verb reads them back' },
    { name: 'duration', type: 'number', value: 'SECONDS', range: { min: 0, minOpen: true }, description: 'stop after this long' },
    { name: 'count', type: 'integer', value: 'N', range: { min: 1 }, description: 'stop after N packets' },
    { name: 'batch-seconds', type: 'number', value: 'SECONDS', range: { min: 0, minOpen: true }, description: 'hand finished flows to the analysis at least this often', default: 5 },
    { name: 'batch-rows', type: 'integer', range: { min: 1 }, description: '... or when this many flows finished', default: 65536 },
    { name: 'flow-threshold', type: 'number', value: 'RISK', range: { min: 0, max: 1, minOpen: true, maxOpen: true }, description: 'flows at or above this risk become alerts (config thresholds.flow)' },
    { name: 'ip-threshold', type: 'number', value: 'RISK', range: { min: 0, max: 1, minOpen: true, maxOpen: true }, description: 'sources at or above this risk are listed as risky, but for one of a single flow below --flow-threshold and nothing else about it (config thresholds.ip)' },
    ...FLOW_ALERT_LIMIT_OPTIONS,
    { name: 'max-flow-alerts', type: 'integer', value: 'N', range: { min: 0 }, description: `most flow alerts per run (after the per-source limit); 0 = no cap; findings and risky sources are never capped (default ${DEFAULT_MAX_FLOW_ALERTS})` },
    { name: 'source-window', type: 'number', value: 'SECONDS', range: { min: 0 }, description: 'judge each source per window of flow time and print its risky-source alert when the window closes (0: once, over the whole capture, at the end)', default: DEFAULT_SOURCE_WINDOW_SECONDS },
    { name: 'max-sources', type: 'integer', value: 'N', range: { min: 1 }, description: 'open source windows kept in memory (the least recently seen closes early, said on stderr)', default: DEFAULT_MAX_SOURCES },
    { name: 'print-flows', type: 'boolean', description: "also print each risky flow's alert (by default: findings and risky sources; every alert is in alerts.jsonl with -o)" },
    { name: 'no-report', type: 'boolean', description: 'with -o: skip report.html and the chart' },
    ...CAPTURE_OPTIONS,
    { name: 'respond', type: 'boolean', description: "run the response policy on each finding as it comes, and on the whole result at the end (as 'analyze --respond'): decisions, alerts, blocklist files with -o" },
    ...RESPOND_OPTIONS.filter((o) => o.name !== 'respond'),
  ],
  examples: [
    'sudo netsentinel capture -i eth0 -b office.nsb',
    "sudo netsentinel capture -i eth0 -f 'not port 22' -b office.nsb -o out/ --duration 3600",
    'sudo netsentinel capture -i any -b office.nsb --write /var/lib/netsentinel/pcap --rotate-mb 100 --json | jq .alert.signature',
    'sudo netsentinel capture -i eth0 --write /var/lib/netsentinel/pcap --rotate-seconds 3600 --compress zstd   # a week of packets, an hour a file',
    'sudo netsentinel capture -i eth0 -b office.nsb --respond --apply --config netsentinel.yaml   # alerts by webhook/e-mail/syslog as findings come',
  ],
};
