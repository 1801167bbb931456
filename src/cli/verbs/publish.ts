/**
 * `netsentinel publish`: feed flows from files or captures into NATS JetStream for streaming
 * workers (`netsentinel stream`), partitioned by source IP so each source's flows reach one worker.
 */
import type { Command } from '../command.js';
import { DATA_OPTIONS, readOptionsFrom, skippedFilesJson } from '../data-options.js';
import { datasetSource } from '../../analysis/flow-source.js';
import { ensureStream, openBus, subjectPrefix } from '../../stream/nats-bus.js';
import { DEFAULT_NATS, DEFAULT_STREAM } from '../../stream/stream-defaults.js';
import { publishFlows } from '../../stream/publish-flows.js';
import { UserError } from '../../util/errors.js';
import { formatSeconds } from '../progress.js';
import { thousands } from '../../util/thousands.js';

export { DEFAULT_NATS } from '../../stream/stream-defaults.js';

export const publish: Command = {
  spec: {
    name: 'publish',
    summary: 'feed flows into NATS JetStream for streaming workers, partitioned by source IP',
    usage: 'DATA... --nats URL [options]',
    positionals: { min: 1, name: 'DATA (flow files, folders, globs or - for stdin)' },
    description: `Flows are read as analyze reads them and published in binary columns (each flow with its
file and line; the schema in a header) to <prefix>.flows.<partition>, partition = FNV-1a hash of the
source IP mod --partitions. A partition's rows wait for the next read batch's until a message holds
--message-flows flows (through at most 4 batches; with one partition, within a file), so messages
stay full however the sources spread. The stream (subjects <prefix>.flows.*) and NAME_RESULTS (<prefix>.alerts,
<prefix>.findings, where workers publish) are created when absent. Workers: 'netsentinel stream'.`,
    options: [
      { name: 'nats', type: 'string', value: 'URL', description: 'NATS server (also NETSENTINEL_NATS_URL)', default: DEFAULT_NATS },
      { name: 'stream', type: 'string', value: 'NAME', description: 'JetStream stream name', default: DEFAULT_STREAM },
      { name: 'prefix', type: 'string', value: 'SUBJECT', description: 'subject prefix (default: the stream name in lower case)' },
      { name: 'partitions', type: 'integer', value: 'N', description: 'partitions (subjects) flows are spread over by source IP', default: 1 },
      { name: 'message-flows', type: 'integer', value: 'N', description: 'most flows per message (messages also stay under the server payload limit)', default: 200 },
      ...DATA_OPTIONS,
    ],
    examples: [
      'netsentinel publish monday.csv --nats nats://127.0.0.1:4222 --partitions 8',
      'netsentinel publish capture.pcap --stream OFFICE --json',
    ],
  },
  async run({ args, progress, out, json }) {
    const v = args.values;
    const partitions = v.partitions as number;
    if (!(partitions >= 1 && partitions <= 4096)) throw new UserError(`publish: --partitions must be between 1 and 4096, got ${partitions}`);
    const maxFlows = v.messageFlows as number;
    if (!(maxFlows >= 1)) throw new UserError(`publish: --message-flows must be at least 1, got ${maxFlows}`);
    const url = (process.env.NETSENTINEL_NATS_URL && v.nats === DEFAULT_NATS ? process.env.NETSENTINEL_NATS_URL : (v.nats as string));
    const stream = v.stream as string;
    const prefix = subjectPrefix(stream, v.prefix as string | undefined);
    const bus = await openBus(url, 'publish');
    try {
      const { created } = await ensureStream(bus, stream, prefix);
      const source = datasetSource(args.positionals, { ...readOptionsFrom(v), warn: (m) => progress.note(`netsentinel: warning: ${m}`) }, maxFlows * Math.max(Math.ceil(4096 / maxFlows), partitions));
      // a multiple of --message-flows: with one partition, message k holds rows k·N+1.. of a file, as analyze --batch-rows N reads them;
      // at least N per partition, so a read batch spread over the partitions still fills messages of about N flows
      progress.start('publishing', undefined, 'flows');
      const r = await publishFlows(bus, source, { prefix, partitions, maxFlows, progress: (n) => progress.update(n) });
      progress.done(`published ${r.flows.toLocaleString('en-US')} flows`);
      const summary = { stream, created, subjects: `${prefix}.flows.0..${partitions - 1}`, ...r, flowsPerSecond: Math.round(r.flows / Math.max(r.seconds, 1e-9)) };
      if (json) out(JSON.stringify({ ...summary, ...skippedFilesJson() }, null, 2));
      else {
        out(`Published ${r.flows.toLocaleString('en-US')} flows in ${r.messages.toLocaleString('en-US')} messages (${(r.bytes / 1e6).toFixed(1)} MB) to stream ${stream}${created ? ' (created)' : ''} in ${formatSeconds(r.seconds)}${r.duplicates ? `; ${thousands(r.duplicates)} messages were already there` : ''}`);
        out(`  per partition (${prefix}.flows.N): ${r.perPartition.map((n, i) => `${i}: ${thousands(n)}`).join(', ')}`);
      }
      return 0;
    } finally {
      await bus.close();
    }
  },
};
