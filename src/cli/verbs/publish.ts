/**
 * `netsentinel publish`: feed flows from files or captures into NATS JetStream for streaming
 * workers (`netsentinel stream`), partitioned by source IP so each source's flows reach one worker.
 */
import type { Command } from '../command.js';
import { PUBLISH_SPEC } from './publish-spec.js';
import { readOptionsFrom, skippedFilesJson } from '../data-options.js';
import { datasetSource } from '../../analysis/flow-source.js';
import { ensureStream, openBus, subjectPrefix } from '../../stream/nats-bus.js';
import { DEFAULT_NATS } from '../../stream/stream-defaults.js';
import { publishFlows } from '../../stream/publish-flows.js';
import { UserError } from '../../util/errors.js';
import { formatSeconds } from '../progress.js';
import { thousands } from '../../util/thousands.js';
import { runConfig } from '../run-config.js';
import { packetDetectors, packetFindingsOf } from '../../packets/packet-evidence.js';

export const publish: Command = {
  spec: PUBLISH_SPEC,
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
      // captures go past the packet detectors, as analyze's do (text never reaches them): their
      // findings are sent to the workers between the flows (stream/finding-messages.ts)
      const { config } = await runConfig(v);
      const detectors = packetDetectors(config.rules, { live: true, warn: (m) => progress.note(`netsentinel: warning: ${m}`) });
      const read = readOptionsFrom(v);
      const source = datasetSource(args.positionals, { ...read, capture: { ...read.capture, ...detectors.hooks }, warn: (m) => progress.note(`netsentinel: warning: ${m}`) }, maxFlows * Math.max(Math.ceil(4096 / maxFlows), partitions));
      // a multiple of --message-flows: with one partition, message k holds rows k·N+1.. of a file, as analyze --batch-rows N reads them;
      // at least N per partition, so a read batch spread over the partitions still fills messages of about N flows
      progress.start('publishing', undefined, 'flows');
      const r = await publishFlows(bus, source, { prefix, partitions, maxFlows, progress: (n) => progress.update(n), packetFindings: packetFindingsOf(detectors) });
      progress.done(`published ${r.flows.toLocaleString('en-US')} flows`);
      const summary = { stream, created, subjects: `${prefix}.flows.0..${partitions - 1}`, ...r, flowsPerSecond: Math.round(r.flows / Math.max(r.seconds, 1e-9)) };
      if (json) out(JSON.stringify({ ...summary, ...skippedFilesJson() }, null, 2));
      else {
        out(`Published ${r.flows.toLocaleString('en-US')} flows${r.findings ? ` and ${thousands(r.findings)} packet-detector ${r.findings === 1 ? 'finding' : 'findings'}` : ''} in ${r.messages.toLocaleString('en-US')} messages (${(r.bytes / 1e6).toFixed(1)} MB) to stream ${stream}${created ? ' (created)' : ''} in ${formatSeconds(r.seconds)}${r.duplicates ? `; ${thousands(r.duplicates)} messages were already there` : ''}`);
        out(`  per partition (${prefix}.flows.N): ${r.perPartition.map((n, i) => `${i}: ${thousands(n)}`).join(', ')}`);
      }
      return 0;
    } finally {
      await bus.close();
    }
  },
};
