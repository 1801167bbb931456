/**
 * What `netsentinel stream` accepts and its --help text, apart from the verb (stream.ts): only
 * constants, so `stream --help` and a mistake in its options load none of the worker (NATS client,
 * scorer, stores, capture).
 */
import type { CommandSpec } from '../args.js';
import { DATA_OPTIONS } from '../data-option-table.js';
import { STREAM_FLOW_ALERT_LIMIT_OPTIONS } from '../flow-alert-options.js';
import { ENV_FILE_OPTION } from '../../config/settings.js';
import { DEFAULT_STORE } from '../../store/store-url.js';
import { DEFAULT_MAX_FINDING_KEYS, DEFAULT_MAX_SOURCES, DEFAULT_NATS, DEFAULT_SOURCE_WINDOW_SECONDS, DEFAULT_STREAM } from '../../stream/stream-defaults.js';
import { ADAPT_OPTIONS } from '../../adapt/adapt-option-table.js';
import { RESPOND_OPTIONS } from './respond-hook.js';

export const STREAM_SPEC: CommandSpec = {
  name: 'stream',
  summary: 'streaming worker: score flows from NATS JetStream (or stdin) as they come, store and publish alerts',
  usage: '--baseline FILE [--nats URL | --stdin | --follow FILE | --interface IF] [options]',
  description: `Consumes <prefix>.flows.* (or the --partitions given, one durable consumer each) with a durable
JetStream consumer, scores each message with the baseline, --model and the rules (rule state in
memory, one per partition: a partition's alerts do not depend on which worker owns it or on its other
partitions; rules keyed on a target, such as floods towards one host, count one partition's sources), stores alerts (deduplicated by key) and publishes them to <prefix>.alerts and
rule findings to <prefix>.findings, then acknowledges the message: at least once, and a redelivery
stores nothing twice. After a restart the rule state is rebuilt by replaying the last
--rebuild-window stream messages before the consumer's ack floor. Risky-source alerts: analyze's
per-source aggregation over a tumbling --source-window of flow time per source (closed by the
source's own later flows, at drain, or when more than --max-sources are open). Flow alerts: as in
analyze, at most --flow-alerts-per-source per source per --flow-alert-window of flow time (the first
risky flows in stream order); the rest are counted (stats, /metrics, and the source's risky-source
alert: flowAlerts written/suppressed), and a restart rebuilds the counts with the rule state. With --respond each
message's risky sources and rule findings go through the response policy (decisions in the store;
with --apply, alerts through the outbox) before the ack, as 'analyze --respond'. SIGTERM/SIGINT: stop fetching, finish and ack
the message in hand, close open rule episodes, exit 0. With --stdin: JSON lines or CSV from standard
input, alerts as EVE JSON lines on stdout. With --follow FILE: the same from a file others append to,
read like tail -F (from its start, then as it grows, across rotation and truncation) until SIGTERM.
Both score a partial batch after 2 s without a new line; a bad line (not JSON, a ragged CSV row, text
in a numeric column) is said with its line and field, counted as rejected and left out.
A JetStream message the model cannot score is rejected (said, counted, not delivered again; its flows
unseen by the rules); 3 in a row with none of the baseline's columns (a baseline of another data set)
end the worker with one line naming them, exit 2, the message left for a worker with the right one.
With --interface IF: the flows of a live capture (tcpdump or dumpcap), scored as they finish (every
--batch-seconds) until SIGTERM, which finishes the open flows and scores them; the packet
detectors (ARP and DHCP spoofing, SYN watch, TTL jumps, fragments, Wi-Fi; as in 'netsentinel
capture') watch every packet, each finding raised as an alert once, when it opens (checked every
--batch-seconds, with or without flows), or at SIGTERM when it is only found then.
When PostgreSQL or NATS goes away mid-stream the worker stalls (retrying, the message in hand not
acknowledged) and resumes when it returns; with --balance, a lease store that cannot be reached
stops its partitions before their leases lapse, and they are taken again when it returns (a
refusal no waiting heals, such as a wrong password, permission or table, ends it: exit 2).
The same for the alert store and the respond policy's store: a refusal no waiting heals (wrong
password or role, missing database, schema, table or permission, read-only standby) ends the worker
with one line naming it and the fix, exit 2 (our own SQL refused: exit 70); refused, reset or timed
out connections are retried. Exit codes: 0 drained, 2 bad input or a store refusing for good, 70 our bug.
--metrics-port serves /metrics (Prometheus: lag, flows,
latency histogram, alerts by severity, store errors, reconnects; with --balance also the partitions
it holds, consumes and drains, and its moves; with --stdin, --follow and --interface the counters
that apply there: batches, flows, alerts, findings, suppressed flow alerts, evictions), /healthz and
/readyz (with those inputs: ready while reading). --drift
reports windows whose features moved from the baseline's reference (stderr, <prefix>.adapt.drift,
the store); --retrain-every refits the baseline on recent clean flows in a thread and swaps it in
between messages ('netsentinel models' lists versions; a retrain due with too few clean flows is said
and skipped); both work with --stdin, --follow and --balance (one
adaptation per process), and a restarted worker scores with the newest version its --durable recorded
from the --baseline file (said on stderr).`,
  options: [
    { name: 'baseline', short: 'b', type: 'string', value: 'FILE', description: "baseline from 'netsentinel baseline' (required)" },
    { name: 'model', short: 'm', type: 'string', value: 'FILE', description: 'a trained classifier model file to add its verdict' },
    { name: 'config', short: 'c', type: 'string', value: 'FILE', description: "YAML/JSON configuration (thresholds, weights, rules, store; relative paths from the file's folder); also NETSENTINEL_CONFIG" },
    { name: 'store', type: 'string', value: 'URL', description: `alert store: a SQLite path or postgres:// URL (also NETSENTINEL_STORE)`, default: DEFAULT_STORE },
    ENV_FILE_OPTION,
    { name: 'nats', type: 'string', value: 'URL', description: 'NATS server (also NETSENTINEL_NATS_URL)', default: DEFAULT_NATS },
    { name: 'stream', type: 'string', value: 'NAME', description: 'JetStream stream name', default: DEFAULT_STREAM },
    { name: 'prefix', type: 'string', value: 'SUBJECT', description: 'subject prefix (default: the stream name in lower case)' },
    { name: 'partitions', type: 'list', value: 'A,B', description: 'partitions this worker owns (default: all, one consumer)' },
    { name: 'balance', type: 'integer', value: 'N', description: 'share the N published partitions with the other workers of this --durable by leases in the store; rebalances when one joins or leaves' },
    { name: 'lease-ttl', type: 'number', value: 'SECONDS', description: 'with --balance: a leaving or dead worker\'s partitions move after at most this long', default: 10 },
    { name: 'durable', type: 'string', value: 'NAME', description: 'durable consumer name (per partition: NAME-pN); give each partition to one running worker; also names the chain of model versions a restart resumes (--drift, --retrain-every)', default: 'netsentinel-worker' },
    { name: 'ack-wait', type: 'number', value: 'SECONDS', description: 'redelivery delay of a message a dead worker held', default: 30 },
    { name: 'rebuild-window', type: 'integer', value: 'N', description: 'stream messages replayed through the rules at start to rebuild their state', default: 10000 },
    { name: 'no-publish', type: 'boolean', description: 'store alerts only; do not publish to <prefix>.alerts/.findings' },
    { name: 'flow-threshold', type: 'number', value: 'RISK', description: 'flows at or above this risk become alerts (config thresholds.flow)' },
    { name: 'metrics-port', type: 'integer', value: 'PORT', description: 'serve /metrics, /healthz and /readyz on this port (0: any free port, said on stderr)' },
    { name: 'metrics-host', type: 'string', value: 'ADDR', description: 'address the metrics port listens on (0.0.0.0 in a container)', default: '127.0.0.1' },
    { name: 'max-finding-keys', type: 'integer', value: 'N', description: 'finding keys remembered to emit each finding once (oldest evicted, counted in metrics)', default: DEFAULT_MAX_FINDING_KEYS },
    { name: 'source-window', type: 'number', value: 'SECONDS', description: 'flow-time window of the per-source risk (risky-source alerts)', default: DEFAULT_SOURCE_WINDOW_SECONDS },
    { name: 'max-sources', type: 'integer', value: 'N', description: 'open source windows kept in memory (the least recently seen closes early), and sources whose flow-alert counts are kept (the least recently limited forgotten); both counted in metrics', default: DEFAULT_MAX_SOURCES },
    ...STREAM_FLOW_ALERT_LIMIT_OPTIONS,
    ...RESPOND_OPTIONS,
    { name: 'stdin', type: 'boolean', description: 'score JSON lines or CSV from standard input instead of NATS' },
    { name: 'follow', type: 'string', value: 'FILE', description: 'score a CSV or JSON-lines file as it grows (tail -F: survives rotation) instead of NATS' },
    { name: 'interface', short: 'i', type: 'string', value: 'IF', description: "score the flows of a live capture on IF (tcpdump or dumpcap; 'any' for all) instead of NATS" },
    { name: 'filter', short: 'f', type: 'string', value: 'BPF', description: "with --interface: capture filter in tcpdump's syntax, e.g. 'not port 22'" },
    { name: 'capture-program', type: 'string', value: 'NAME', choices: ['tcpdump', 'dumpcap'], description: 'with --interface: capture program (default: tcpdump, else dumpcap)' },
    { name: 'batch-seconds', type: 'number', value: 'SECONDS', description: 'with --interface: score the flows finished so far at least this often', default: 5 },
    { name: 'duration', type: 'number', value: 'SECONDS', range: { min: 0, minOpen: true }, description: 'with --interface: stop after this long (as SIGTERM does: the open flows scored)' },
    { name: 'count', type: 'integer', value: 'N', range: { min: 1 }, description: 'with --interface: stop after N packets' },
    { name: 'batch-rows', type: 'integer', description: 'rows per batch with --stdin, --follow or --interface', default: 1000 },
    ...ADAPT_OPTIONS,
    ...DATA_OPTIONS,
  ],
  examples: [
    'netsentinel stream --nats nats://127.0.0.1:4222 --baseline office.nsb --store postgres://netsentinel@db/netsentinel',
    'netsentinel stream --partitions 0,1,2,3 --durable ns --baseline office.nsb -m gbdt.nsm',
    'tail -F flows.csv | netsentinel stream --stdin --baseline office.nsb --store none',
    'netsentinel stream --follow /var/log/cicflowmeter/flows.csv --baseline office.nsb --respond',
    "sudo netsentinel stream --interface eth0 --filter 'not port 22' --baseline office.nsb --store postgres://netsentinel@db/netsentinel",
  ],
};
