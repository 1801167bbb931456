/**
 * What `netsentinel publish` accepts and its --help text, apart from the verb (publish.ts): only constants,
 * so `publish --help` and a mistake in its options load none of what the verb runs.
 */
import type { CommandSpec } from '../args.js';
import { DATA_OPTIONS } from '../data-option-table.js';
import { DEFAULT_NATS, DEFAULT_STREAM } from '../../stream/stream-defaults.js';
import { ENV_FILE_OPTION } from '../../config/settings.js';

export const PUBLISH_SPEC: CommandSpec = {
  name: 'publish',
  summary: 'feed flows into NATS JetStream for streaming workers, partitioned by source IP',
  usage: 'DATA... --nats URL [options]  |  --interface IF --nats URL [options]',
  positionals: { min: 0, name: 'DATA (flow files, folders, globs or - for stdin)' },
  description: `Flows are read as analyze reads them and published in binary columns (each flow with its
file and line; the schema in a header) to <prefix>.flows.<partition>, partition = FNV-1a hash of the
source IP mod --partitions. A partition's rows wait for the next read batch's until a message holds
--message-flows flows (through at most 4 batches; with one partition, within a file), so messages
stay full however the sources spread. The stream (subjects <prefix>.flows.*) and NAME_RESULTS (<prefix>.alerts,
<prefix>.findings, where workers publish) are created when absent. Workers: 'netsentinel stream'.
Captures (pcap, pcapng) also go past the packet detectors, as in analyze (ARP and DHCP spoofing, the
SYN watch, TTL jumps, fragments, Wi-Fi; their settings: the config file's rules): each finding is
sent once, as it opens or at the end, to the partition of its source between the flows, and the
worker owning it raises it as an alert.

With --interface IF (a sensor feeding the workers): the flows of a live capture (tcpdump or dumpcap
on a pipe, as 'capture' reads it), published as they finish: every --batch-seconds each partition's
finished flows go out, however few, and what the packet detectors found since (also on a link where
no flow finished). SIGTERM or Ctrl-C finishes the open flows, publishes them and what the detectors
hold, and prints the totals with the capture's (packets, the kernel's drops). Its own connection
to NATS is left out of the capture (added to --filter). Message ids hold a hash of the message, so
a restarted publish is never taken for a retry of the last one.`,
  options: [
    { name: 'nats', type: 'string', value: 'URL', description: 'NATS server (also NETSENTINEL_NATS_URL)', default: DEFAULT_NATS },
    { name: 'stream', type: 'string', value: 'NAME', description: 'JetStream stream name', default: DEFAULT_STREAM },
    { name: 'prefix', type: 'string', value: 'SUBJECT', description: 'subject prefix (default: the stream name in lower case)' },
    { name: 'partitions', type: 'integer', value: 'N', description: 'partitions (subjects) flows are spread over by source IP', default: 1 },
    { name: 'message-flows', type: 'integer', value: 'N', description: 'most flows per message (messages also stay under the server payload limit)', default: 200 },
    { name: 'interface', short: 'i', type: 'string', value: 'IF', description: "publish the flows of a live capture on IF (tcpdump or dumpcap; 'any' for all) instead of files, until SIGTERM" },
    { name: 'filter', short: 'f', type: 'string', value: 'BPF', description: "with --interface: capture filter in tcpdump's syntax, e.g. 'not port 22' (publish's own NATS connection is left out anyway)" },
    { name: 'capture-program', type: 'string', value: 'NAME', choices: ['tcpdump', 'dumpcap'], description: 'with --interface: capture program (default: tcpdump, else dumpcap)' },
    { name: 'batch-seconds', type: 'number', value: 'SECONDS', range: { min: 0, minOpen: true }, description: 'with --interface: publish the flows finished so far at least this often', default: 5 },
    { name: 'duration', type: 'number', value: 'SECONDS', range: { min: 0, minOpen: true }, description: 'with --interface: stop after this long (as SIGTERM does: the open flows published)' },
    { name: 'count', type: 'integer', value: 'N', range: { min: 1 }, description: 'with --interface: stop after N packets' },
    { name: 'config', short: 'c', type: 'string', value: 'FILE', description: "YAML/JSON configuration: its rules settings tune the packet detectors run on captures; also NETSENTINEL_CONFIG" },
    ENV_FILE_OPTION,
    ...DATA_OPTIONS,
  ],
  examples: [
    'netsentinel publish monday.csv --nats nats://127.0.0.1:4222 --partitions 8',
    'netsentinel publish capture.pcap --stream OFFICE --json',
    "sudo netsentinel publish --interface eth0 --filter 'not port 22' --nats nats://broker:4222 --partitions 8",
  ],
};
