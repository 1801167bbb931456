/**
 * `netsentinel publish`: feed flows from files, captures or a live capture (--interface: a sensor)
 * into NATS JetStream for streaming workers (`netsentinel stream`), partitioned by source IP so
 * each source's flows reach one worker.
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
import { plural } from '../../util/plural.js';
import { runConfig } from '../run-config.js';
import { packetDetectors, packetFindingsOf, type PacketFindings } from '../../packets/packet-evidence.js';
import type { LiveCaptureSummary } from '../../packets/live-flow-source.js';
import type { FlowSource } from '../../analysis/flow-source.js';
import { captureRequest, liveCaptureFlows, type LiveCaptureFlows } from '../live-capture-flows.js';
import { captureFilterWithout, urlConnections } from '../own-connections.js';
import { onInterrupt } from '../../util/atomic-output.js';
import { progressLines } from '../worker-progress-lines.js';

export const publish: Command = {
  spec: PUBLISH_SPEC,
  async run({ args, progress, out, json }) {
    const v = args.values;
    const partitions = v.partitions as number;
    if (!(partitions >= 1 && partitions <= 4096)) throw new UserError(`publish: --partitions must be between 1 and 4096, got ${partitions}`);
    const maxFlows = v.messageFlows as number;
    if (!(maxFlows >= 1)) throw new UserError(`publish: --message-flows must be at least 1, got ${maxFlows}`);
    const ifName = v.interface as string | undefined;
    if (ifName !== undefined && args.positionals.length) throw new UserError(`publish: give flow files or --interface IF, not both (got ${args.positionals.join(' ')} and --interface ${ifName})`);
    if (ifName === undefined && !args.positionals.length) throw new UserError('publish: give the flows to publish (files, folders, globs, or - for stdin) or --interface IF for a live capture');
    if (ifName === undefined) {
      for (const [o, flag] of [['filter', 'filter'], ['captureProgram', 'capture-program'], ['duration', 'duration'], ['count', 'count']] as const) if (v[o] !== undefined) throw new UserError(`publish: --${flag} goes with --interface IF`);
    }
    const url = (process.env.NETSENTINEL_NATS_URL && v.nats === DEFAULT_NATS ? process.env.NETSENTINEL_NATS_URL : (v.nats as string));
    // a live capture leaves out publish's own connection to NATS (else its messages would be
    // captured, published, captured again ...); the capture program's absence is said before connecting
    const captureOptions = ifName !== undefined ? { ...v, userFilter: v.filter, filter: await captureFilterWithout(v.filter as string | undefined, urlConnections(url, 4222, 'NATS'), (l) => progress.note(`netsentinel: publish: ${l}`)) } : v;
    if (ifName !== undefined) captureRequest(ifName, captureOptions, 'publish');
    const stream = v.stream as string;
    const prefix = subjectPrefix(stream, v.prefix as string | undefined);
    const bus = await openBus(url, 'publish');
    // a live capture ends at SIGINT/SIGTERM: its open flows are finished and published, then the totals
    const stop = new AbortController();
    const releaseSignals =
      ifName !== undefined
        ? onInterrupt((sig) => {
            if (!stop.signal.aborted) progress.note(`netsentinel: publish: ${sig}: finishing the open flows and publishing them, then stopping${sig === 'SIGINT' ? ' (Ctrl-C again stops at once)' : ''}`);
            stop.abort(sig);
            return 'announced';
          })
        : undefined;
    let live: LiveCaptureFlows | undefined;
    try {
      // captures go past the packet detectors, as analyze's do (text never reaches them): their
      // findings are sent to the workers between the flows (stream/finding-messages.ts)
      const { config } = await runConfig(v);
      // a multiple of --message-flows: with one partition, message k holds rows k·N+1.. of a file, as analyze --batch-rows N reads them;
      // at least N per partition, so a read batch spread over the partitions still fills messages of about N flows
      const batchRows = maxFlows * Math.max(Math.ceil(4096 / maxFlows), partitions);
      let summary: LiveCaptureSummary | undefined;
      const startedAt = Date.now();
      let source: FlowSource;
      let packetFindings: PacketFindings;
      if (ifName !== undefined) {
        live = await liveCaptureFlows(ifName, { ...captureOptions, batchRows }, { verb: 'publish', doing: `publishing its flows as they finish (every ${v.batchSeconds as number} s; its own connection to NATS left out) and the packet detectors' findings as they open to ${prefix}.flows.*`, rules: config.rules, signal: stop.signal, note: (l) => progress.note(l), onSummary: (s) => (summary = s) });
        source = live.source;
        packetFindings = live.packets;
      } else {
        const detectors = packetDetectors(config.rules, { live: true, warn: (m) => progress.note(`netsentinel: warning: ${m}`) });
        const read = readOptionsFrom(v);
        source = datasetSource(args.positionals, { ...read, capture: { ...read.capture, ...detectors.hooks }, warn: (m) => progress.note(`netsentinel: warning: ${m}`) }, batchRows);
        packetFindings = packetFindingsOf(detectors);
      }
      // (after the capture started: an interface that cannot be captured on creates no stream)
      const { created } = await ensureStream(bus, stream, prefix);
      // a live capture's totals as a worker's are (worker-progress-lines.ts): in a log, a line when
      // they changed, at most every 10 s (every 5 min when idle), not one per batch for weeks
      const running = live ? progressLines((l) => progress.note(l), { tty: Boolean(process.stderr.isTTY) }) : undefined;
      const runningLine = (n: number, sent: { messages: number; findings: number }): void =>
        running!(`netsentinel: publish: ${thousands(n)} ${plural(n, 'flow')} and ${thousands(sent.findings)} packet-detector ${plural(sent.findings, 'finding')} in ${thousands(sent.messages)} ${plural(sent.messages, 'message')} from ${ifName} in ${formatSeconds((Date.now() - startedAt) / 1000)}`, `${n} ${sent.findings} ${sent.messages}`);
      if (!live) progress.start('publishing', undefined, 'flows');
      const r = await publishFlows(bus, source, { prefix, partitions, maxFlows, progress: live ? runningLine : (n) => progress.update(n), packetFindings, flushEachBatch: live !== undefined });
      if (!live) progress.done(`published ${thousands(r.flows)} ${plural(r.flows, 'flow')}`);
      const summaryJson = { stream, created, subjects: `${prefix}.flows.0..${partitions - 1}`, ...r, flowsPerSecond: Math.round(r.flows / Math.max(r.seconds, 1e-9)) };
      const s = summary as LiveCaptureSummary | undefined;
      const capture = s && { interface: ifName, program: s.program.name, packets: s.packets, flows: s.flows, stoppedBy: s.stoppedBy, droppedByKernel: s.program.droppedByKernel ?? 0, seconds: Math.round(Date.now() - startedAt) / 1000 };
      if (json) out(JSON.stringify({ ...summaryJson, ...(capture ? { capture } : skippedFilesJson()) }, null, 2));
      else {
        out(`Published ${thousands(r.flows)} ${plural(r.flows, 'flow')}${r.findings ? ` and ${thousands(r.findings)} packet-detector ${r.findings === 1 ? 'finding' : 'findings'}` : ''} in ${thousands(r.messages)} ${plural(r.messages, 'message')} (${(r.bytes / 1e6).toFixed(1)} MB) to stream ${stream}${created ? ' (created)' : ''} in ${formatSeconds(r.seconds)}${r.duplicates ? `; ${thousands(r.duplicates)} messages were already there` : ''}`);
        out(`  per partition (${prefix}.flows.N): ${r.perPartition.map((n, i) => `${i}: ${thousands(n)}`).join(', ')}`);
        if (capture) out(`  captured ${thousands(capture.packets)} packets on ${ifName} with ${capture.program} (stopped by ${capture.stoppedBy}${capture.droppedByKernel ? `; the kernel dropped ${thousands(capture.droppedByKernel)}` : ''})`);
      }
      // a capture program that died on its own: what it captured went out, but the run did not end as asked
      return s && s.program.exitCode !== 0 && s.stoppedBy === 'program exited' ? 2 : 0;
    } finally {
      live?.program.stop();
      releaseSignals?.();
      await bus.close();
    }
  },
};
