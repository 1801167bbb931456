/**
 * `netsentinel stream`: the long-running worker of a streaming deployment. Consumes the flow
 * subjects `netsentinel publish` fills (or flows on stdin), scores them with the baseline,
 * classifier and rules as analyze does, stores alerts and publishes findings and alerts to
 * JetStream; SIGTERM or SIGINT drains it.
 */
import { applyNeedsRespond } from './respond-hook.js';
import { runConfig } from '../run-config.js';
import { decisionStoreOf } from '../store-choice.js';
import { onInterrupt } from '../../util/atomic-output.js';
import type { Command } from '../command.js';
import { STREAM_SPEC } from './stream-spec.js';
import { readOptionsFrom } from '../data-options.js';
import { loadBaseline } from '../../risk/baseline.js';
import { loadTrainedModel } from '../../models/trained-model.js';
import { openStore } from '../../store/open-store.js';
import type { AlertStore } from '../../store/alert-store.js';
import { openBus, subjectPrefix, shortReason, type Bus } from '../../stream/nats-bus.js';
import { ownedConsumers, runWorker, type WorkerStats } from '../../stream/stream-worker.js';
import { BalancedMetrics } from '../../stream/balanced-metrics.js';
import { WorkerMetrics, type MetricsView, type ScrapeState } from '../../stream/worker-metrics.js';
import { streamResponder, type StreamResponder } from '../../stream/stream-respond.js';
import { loadRespondSettings } from '../../respond/respond-settings.js';
import { buildAllowlist } from '../../respond/allowlist.js';
import { problem } from './respond-common.js';
import { startMetricsServer, type MetricsServer } from '../../stream/metrics-server.js';
import { runStdinWorker } from '../../stream/stdin-worker.js';
import type { PacketDetectors } from '../../packets/packet-evidence.js';
import { InputMetrics } from '../../stream/input-metrics.js';
import { followFile } from '../../stream/follow-file.js';
import { progressLines } from '../worker-progress-lines.js';
import { UserError } from '../../util/errors.js';
import { formatSeconds } from '../progress.js';
import { DEFAULT_NATS } from '../../stream/stream-defaults.js';
import { adaptationFromOptions } from '../../adapt/stream-options.js';
import { runBalancedWorker } from '../../stream/balanced-worker.js';
import { openLeaseStore } from '../../stream/partition-leases.js';
import { hostname } from 'node:os';
import { liveCaptureFlows, watchingPackets } from '../live-capture-flows.js';
import { captureFilterWithout, verbConnections } from '../own-connections.js';
import { flowAlertLimitFrom } from '../flow-alert-options.js';
import type { FlowAlertLimitSettings } from '../../analysis/flow-alert-limit.js';
import { plural } from '../../util/plural.js';
import { thousands } from '../../util/thousands.js';

export const stream: Command = {
  spec: STREAM_SPEC,
  async run({ args, progress, out, json }) {
    const v = args.values;
    applyNeedsRespond('stream', v);
    // a live capture's options without --interface: said before anything is loaded
    for (const [o, flag] of [['filter', 'filter'], ['duration', 'duration'], ['count', 'count']] as const) if (v[o] !== undefined && v.interface === undefined) throw new UserError(`stream: --${flag} goes with --interface IF`);
    const baselineFile = v.baseline as string | undefined;
    if (!baselineFile) throw new UserError("stream: --baseline FILE is required (a worker never fits its detectors on the traffic it judges; make one with 'netsentinel baseline')");
    const { config, store: storeLoc } = await runConfig(v);
    const baseline = await loadBaseline(baselineFile);
    const modelFile = v.model as string | undefined;
    const classifier = modelFile ? await loadTrainedModel(modelFile) : undefined;
    if (classifier && classifier.kind !== 'classifier') throw new UserError(`stream: ${modelFile} is a ${classifier.kind}; --model takes a classifier`);
    const flowThreshold = (v.flowThreshold as number | undefined) ?? config.thresholds.flow;
    if (!(flowThreshold > 0 && flowThreshold < 1)) throw new UserError(`stream: --flow-threshold must be between 0 and 1, got ${flowThreshold}`);
    const metrics = new WorkerMetrics();
    const maxFindingKeys = v.maxFindingKeys as number;
    if (!(maxFindingKeys >= 1)) throw new UserError(`stream: --max-finding-keys must be at least 1, got ${maxFindingKeys}`);
    const sourceWindowSeconds = v.sourceWindow as number;
    if (!(sourceWindowSeconds > 0)) throw new UserError(`stream: --source-window must be a positive number of seconds, got ${sourceWindowSeconds}`);
    const maxSources = v.maxSources as number;
    if (!(maxSources >= 1)) throw new UserError(`stream: --max-sources must be at least 1, got ${maxSources}`);
    const flowAlertLimit = flowAlertLimitFrom(v, config);
    const inputNotesSaid = new Set<string>();
    const setup = {
      baseline,
      flowAlertLimit,
      // respond bans flood senders only when told to: then it needs their alerts one by one
      keepFloodSenderAlerts: Boolean(v.respond) && loadRespondSettings({ configFile: v.config as string | undefined, envFile: v.envFile as string | undefined }).respond.banFloodSenders,
      classifier,
      rules: config.rules,
      weights: config.weights,
      flowThreshold,
      ipThreshold: config.thresholds.ip,
      sourceWindowSeconds,
      maxSources,
      maxFindingKeys,
      onEvict: (set: string, n: number) => metrics.evicted(set, n),
      // analyze's input notes (summary "input:", report, summary.json), here on stderr once each:
      // before, a worker read offset-less times as UTC without a word, every alert's time hanging on it
      onInputNotes: (notes: readonly string[]) => {
        for (const n of notes) {
          // once per kind: a count in a note ("3 distinct values ... are not timestamps") differs per batch
          const key = n.replace(/\d[\d,]*/g, '#');
          if (inputNotesSaid.has(key)) continue;
          inputNotesSaid.add(key);
          progress.note(`netsentinel: stream: input: ${n}`);
        }
      },
    };

    // the JetStream workers' totals, offered every second: all on a terminal, fewer in a log
    const runningTotals = progressLines((line) => progress.note(line), { tty: Boolean(process.stderr.isTTY) });
    const controller = new AbortController();
    const onSignal = (sig: string): void => {
      // one line, as serve's: a service manager's SIGTERM needs no advice, Ctrl-C in a terminal gets the way out
      if (!controller.signal.aborted) progress.note(`netsentinel: stream: ${sig}: draining (finishing the message in hand), then stopping${sig === 'SIGINT' ? ' (Ctrl-C again stops at once)' : ''}`);
      controller.abort();
    };
    // claim SIGINT/SIGTERM from the CLI's interrupt handling (which would otherwise exit at once): the
    // worker drains and returns 0; a second signal still stops it at once. 'announced': the line
    // above says it all (before, the CLI's "SIGTERM received: stopping after the current step (send
    // it again to stop at once)" followed it, two lines for one signal)
    const releaseSignals = onInterrupt((sig) => {
      onSignal(sig);
      return 'announced';
    });
    let store: AlertStore | undefined;
    let server: MetricsServer | undefined;
    // its stores are opened once for the worker and closed at drain (stream-respond.ts)
    let responder: StreamResponder | undefined;
    try {
      if (v.stdin || v.follow !== undefined || v.interface !== undefined) {
        if ([v.stdin, v.follow, v.interface].filter((x) => x !== undefined && x !== false).length > 1) throw new UserError('stream: give one of --stdin, --follow FILE and --interface IF');
        if (!((v.batchSeconds as number) > 0)) throw new UserError(`stream: --batch-seconds must be above 0, got ${v.batchSeconds}`);
        store = storeLoc === 'none' ? undefined : await openStoreOrSay(storeLoc);
        responder = v.respond ? await responderFrom(v, storeLoc) : undefined;
        const adapt = await adaptationFromOptions(v, { worker: v.durable as string, baselineFile, baseline, flowThreshold, storeLocation: storeLoc, note: (l) => progress.note(l), metrics });
        const ifName = v.interface as string | undefined;
        // a live capture: the capture program's pcap → decoder → flow meter, flows handed on as they finish
        // (its own connections left out of the capture: the PostgreSQL store's commits, --respond's notifications)
        const captureOptions = ifName !== undefined ? { ...v, userFilter: v.filter, filter: await captureFilterWithout(v.filter as string | undefined, await verbConnections(v, storeLoc), (l) => progress.note(`netsentinel: stream: ${l}`)) } : v;
        const live = ifName !== undefined ? await liveCaptureFlows(ifName, captureOptions, { verb: 'stream', doing: "scoring its flows as they finish, and the packet detectors' findings as they open", rules: config.rules, signal: controller.signal, note: progress.note.bind(progress) }) : undefined;
        // a capture piped to --stdin: its packets go past the same detectors (text never reaches them)
        const piped = v.stdin ? watchingPackets(config.rules) : undefined;
        const path = v.follow as string | undefined;
        const followed = path !== undefined ? await followFile(path, { signal: controller.signal, onRotate: (why, oldName) => progress.note(`netsentinel: stream: ${path} rotated (${why}); reading the new file from its start, its lines numbered from 1 (the old file's: ${oldName} line N)`) }) : undefined;
        // said once the file is open: from here a rename or a missing path is waited out, not an error
        if (followed) progress.note(`netsentinel: stream: following ${path} from its start (across rotation, until SIGTERM)`);
        // the counters that apply to an input read once in order (input-metrics.ts says which do not); nothing to read at scrape time
        if (v.metricsPort !== undefined) server = await serveMetrics(v, new InputMetrics(metrics, live ? 'interface' : followed ? 'follow' : 'stdin'), v.durable as string, async () => ({ natsConnected: false }), progress.note.bind(progress));
        const stats = await runStdinWorker({
          ...setup,
          baseline: adapt?.adapter.current().baseline ?? baseline,
          adapt: adapt?.adapter,
          input: live ? undefined : (followed?.stream ?? process.stdin),
          batches: live?.source.batches(),
          packetFindings: live?.packets ?? piped?.packets,
          inputName: live ? `capture:${ifName}` : (path ?? 'stdin'),
          read: withPacketHooks(readOptionsFrom(v), piped?.hooks),
          // (a count in it: said when first met and with the total at the end, not deduplicated as setup's notes are)
          readerNote: (n) => progress.note(`netsentinel: stream: input: ${n}`),
          batchRows: v.batchRows as number,
          store,
          emit: (a) => out(JSON.stringify(a.record)),
          metrics,
          afterCommit: responder
            ? async (origin, alerts, findings) => {
                const r = await responder!.respondTo(origin, alerts, findings);
                if (r) metrics.decisions += r.stored;
              }
            : undefined,
          idleFlushMs: followed ? FOLLOW_IDLE_FLUSH_MS : undefined,
          where: followed?.where,
          signal: followed || live ? undefined : controller.signal,
        }).finally(async () => {
          // also when scoring failed (bad input, a store refusing): a followed file is polled
          // until this signal, and the process would stay up, silent, after saying the error
          controller.abort();
          live?.program.stop();
          await adapt?.versions.close();
        });
        await followed?.done;
        progress.note(statsLine(stats, store?.where, flowAlertLimit) + (followed ? `; followed ${followed.stats.bytes.toLocaleString('en-US')} bytes across ${followed.stats.rotations} ${plural(followed.stats.rotations, 'rotation')}` : ''));
        if (json) process.stderr.write(JSON.stringify({ ...stats, ...(followed ? { follow: followed.stats } : {}), ...(responder ? { respond: responder.totals } : {}), ...(adapt ? { adaptation: adapt.adapter.stats } : {}) }) + '\n');
        return 0;
      }
      // flows from NATS were read by `publish`, their times with them (a CICFlowMeter time is a number
      // by then; the zone travels in the message header): taken here, the flag did nothing, unsaid
      if (v.timezone !== undefined) throw new UserError('stream: --timezone applies to what this worker reads itself (--stdin, --follow FILE); flows from NATS were read by publish: give --timezone to netsentinel publish');
      if (storeLoc === 'none') throw new UserError('stream: a JetStream worker needs a store (its alert keys make redeliveries no-ops); give --store');
      const partitions = v.partitions ? (v.partitions as string[]).map((p) => {
        const n = Number(p);
        if (!Number.isInteger(n) || n < 0) throw new UserError(`stream: --partitions: "${p}" is not a partition number`);
        return n;
      }) : undefined;
      const ackWait = v.ackWait as number;
      if (!(ackWait >= 1)) throw new UserError(`stream: --ack-wait must be at least 1 second, got ${ackWait}`);
      const url = process.env.NETSENTINEL_NATS_URL && v.nats === DEFAULT_NATS ? process.env.NETSENTINEL_NATS_URL : (v.nats as string);
      const streamName = v.stream as string;
      const prefix = subjectPrefix(streamName, v.prefix as string | undefined);
      store = await openStoreOrSay(storeLoc);
      responder = v.respond ? await responderFrom(v, storeLoc) : undefined;
      const balance = v.balance as number | undefined;
      if (balance !== undefined) {
        if (!(balance >= 1) || partitions) throw new UserError('stream: --balance N takes the number of published partitions (at least 1), instead of --partitions');
        const ttl = v.leaseTtl as number;
        if (!(ttl >= 1)) throw new UserError(`stream: --lease-ttl must be at least 1 second, got ${ttl}`);
        const leases = await openLeaseStore(storeLoc);
        const bus = await openBus(url, 'stream');
        try {
          const owner = `${v.durable as string}@${hostname()}:${process.pid}`;
          progress.note(`netsentinel: stream: ${owner} sharing ${balance} partitions of ${streamName} by leases in ${leases.where}`);
          // one adaptation per process, over every partition it holds; its chain of versions is the group's (--durable)
          const adapt = await adaptationFromOptions(v, { worker: v.durable as string, baselineFile, baseline, flowThreshold, storeLocation: storeLoc, bus, stream: streamName, prefix, note: (l) => progress.note(l), metrics });
          // the process's counts (evictions of the setup, decisions, the connection) in `metrics`, each partition's in its own
          const balanced = new BalancedMetrics(balance, owner, ttl * 1000, metrics);
          if (v.metricsPort !== undefined) server = await serveMetrics(v, balanced, v.durable as string, () => balancedScrape(bus, streamName, v.durable as string, prefix, balanced), progress.note.bind(progress));
          const stats = await runBalancedWorker({
            ...setup,
            baseline: adapt?.adapter.current().baseline ?? baseline,
            adapt: adapt?.adapter,
            bus,
            stream: streamName,
            prefix,
            durable: v.durable as string,
            store,
            ackWaitMs: ackWait * 1000,
            rebuildMessages: v.rebuildWindow as number,
            signal: controller.signal,
            publishResults: !v.noPublish,
            metrics: balanced,
            afterCommit: responder
              ? async (sc) => {
                  const r = await responder!.respondTo(sc.origin, sc.alerts, sc.findings);
                  if (r) metrics.decisions += r.stored;
                }
              : undefined,
            partitionCount: balance,
            leases,
            ttlMs: ttl * 1000,
            owner,
            note: (l) => progress.note(l),
            progress: (s) => runningTotals(`netsentinel: stream: partitions ${s.partitions.join(',') || 'none'}: ${statsLine(s, undefined, flowAlertLimit)}`, `${s.partitions.join(',')} ${totalsOf(s)}`),
          }).finally(() => adapt?.versions.close());
          const adaptStats = adapt?.adapter.stats;
          if (json) out(JSON.stringify({ stream: streamName, store: store.where, owner, ...stats, ...(adaptStats ? { adaptation: adaptStats } : {}) }, null, 2));
          else out(statsLine(stats, store.where, flowAlertLimit) + (adaptStats ? `; model ${adaptStats.version}, ${thousands(adaptStats.driftReports)} drift reports, ${thousands(adaptStats.swaps)} swaps${adaptStats.retrainsSkipped ? `, ${thousands(adaptStats.retrainsSkipped)} retrains skipped (too few clean flows)` : ''}` : ''));
        } finally {
          await bus.close();
          await leases.close();
        }
        return 0;
      }
      const bus = await openBus(url, 'stream');
      const durable = v.durable as string;
      try {
        const adapt = await adaptationFromOptions(v, { worker: v.durable as string, baselineFile, baseline, flowThreshold, storeLocation: storeLoc, bus, stream: streamName, prefix, note: (l) => progress.note(l), metrics });
        if (v.metricsPort !== undefined) {
          const names = ownedConsumers(durable, prefix, partitions).map((c) => c.name);
          server = await serveMetrics(v, metrics, durable, async () => {
            const consumers = await Promise.all(names.map(async (name) => {
              const i = await bus.jsm.consumers.info(streamName, name);
              return { consumer: name, pending: i.num_pending, ackPending: i.num_ack_pending, redelivered: i.num_redelivered };
            }));
            return { natsConnected: true, consumers };
          }, progress.note.bind(progress));
        }
        progress.note(`netsentinel: stream: consuming ${prefix}.flows.${partitions ? `{${partitions.join(',')}}` : '*'} from ${streamName} at ${url}; alerts to ${store.where}`);
        const stats = await runWorker({
          ...setup,
          baseline: adapt?.adapter.current().baseline ?? baseline,
          bus,
          stream: streamName,
          prefix,
          partitions,
          durable,
          metrics,
          note: (line) => progress.note(`netsentinel: stream: ${line}`),
          store,
          ackWaitMs: ackWait * 1000,
          rebuildMessages: v.rebuildWindow as number,
          signal: controller.signal,
          publishResults: !v.noPublish,
          adapt: adapt?.adapter,
          afterCommit: responder
            ? async (s) => {
                const r = await responder!.respondTo(s.origin, s.alerts, s.findings);
                if (r) metrics.decisions += r.stored;
              }
            : undefined,
          progress: (s) => runningTotals(`netsentinel: stream: ${statsLine(s, undefined, flowAlertLimit)}`, totalsOf(s)),
        }).finally(() => adapt?.versions.close());
        const adaptStats = adapt?.adapter.stats;
        const respond = responder ? { respond: responder.totals } : {};
        if (json) out(JSON.stringify({ stream: streamName, store: store.where, ...stats, ...respond, ...(adaptStats ? { adaptation: adaptStats } : {}) }, null, 2));
        else out(statsLine(stats, store.where, flowAlertLimit) + (responder ? `; respond: ${thousands(responder.totals.decisions)} decisions, ${thousands(responder.totals.queued)} notifications queued` : '') + (adaptStats ? `; model ${adaptStats.version}, ${thousands(adaptStats.driftReports)} drift reports, ${thousands(adaptStats.swaps)} swaps${adaptStats.retrainsSkipped ? `, ${thousands(adaptStats.retrainsSkipped)} retrains skipped (too few clean flows)` : ''}` : ''));
      } finally {
        await bus.close();
      }
      return 0;
    } finally {
      releaseSignals();
      // the flush in progress finishes; what a channel down left waits in the outbox (said)
      const left = await responder?.close();
      if (left?.waiting) progress.note(`netsentinel: stream: ${thousands(left.waiting)} ${plural(left.waiting, 'notification waits', 'notifications wait')} in the outbox (a channel down); the next worker with --respond --apply, or \`netsentinel notify --flush\`, sends ${left.waiting === 1 ? 'it' : 'them'}`);
      await server?.close();
      await store?.close();
    }
  },
};

/** --metrics-port: the server started and its address said on stderr (tests and operators read it there) */
async function serveMetrics(v: Record<string, unknown>, view: MetricsView, worker: string, scrape: () => Promise<ScrapeState>, note: (line: string) => void): Promise<MetricsServer> {
  const server = await startMetricsServer(v.metricsPort as number, v.metricsHost as string, { metrics: view, worker, scrape });
  note(`netsentinel: stream: metrics on http://${v.metricsHost as string}:${server.port}/metrics (/healthz, /readyz)`);
  return server;
}

/**
 * A --balance worker's scrape: the lag of the partitions it holds now (a consumer whose info cannot
 * be read — just taken, not yet made — is left out, never reported as zero), and the connection
 * checked by a round trip (a worker holding no partition reads no consumer).
 */
async function balancedScrape(bus: Bus, streamName: string, durable: string, prefix: string, m: BalancedMetrics): Promise<ScrapeState> {
  const held = m.heldPartitions();
  const [natsConnected, consumers] = await Promise.all([
    bus.nc.rtt().then(() => true, () => false),
    Promise.all(held.map(async (p) => {
      const name = ownedConsumers(durable, prefix, [p])[0].name;
      const i = await bus.jsm.consumers.info(streamName, name).catch(() => undefined);
      return i && { consumer: name, partition: p, pending: i.num_pending, ackPending: i.num_ack_pending, redelivered: i.num_redelivered };
    })),
  ]);
  return { natsConnected, consumers: consumers.filter((c) => c !== undefined) };
}

/** The policy and outbox from the respond settings (the same as analyze --respond's), on the worker's store. */
async function responderFrom(v: Record<string, unknown>, storeLoc: string): Promise<StreamResponder> {
  const settings = loadRespondSettings({ configFile: v.config as string | undefined, envFile: v.envFile as string | undefined });
  const r = settings.respond;
  const allowlist = await buildAllowlist({ entries: r.allowlist, defaults: r.allowlistDefaults, gateways: r.gateways, resolvers: r.resolvers, where: `${settings.file ?? 'configuration'}: respond.allowlist` });
  return streamResponder({ config: r, notify: settings.notify, allowlist, store: decisionStoreOf(storeLoc, settings.store, settings.files), apply: Boolean(v.apply) || r.apply, onProblem: problem });
}


/** The read options with the packet detectors' hooks on the capture readers (none: as they are). */
function withPacketHooks(read: ReturnType<typeof readOptionsFrom>, hooks: PacketDetectors['hooks'] | undefined): ReturnType<typeof readOptionsFrom> {
  return hooks ? { ...read, capture: { ...read.capture, ...hooks } } : read;
}

/** a followed file's partial batch is scored after this long without a new line */
const FOLLOW_IDLE_FLUSH_MS = 2000;

async function openStoreOrSay(loc: string): Promise<AlertStore> {
  try {
    return await openStore(loc);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`stream: ${e.message}`);
    throw new UserError(`stream: cannot open the store ${loc.replace(/\/\/[^@/]*@/, '//')} (${shortReason(e)})`);
  }
}

/** what counts as progress in a worker's totals (statsLine also says the time elapsed) */
function totalsOf(s: WorkerStats): string {
  return `${s.messages} ${s.flows} ${s.alerts} ${s.findings} ${s.rejected} ${s.redelivered} ${s.rebuiltMessages}`;
}

/** The worker's closing line (and its periodic progress): counts in words, singular where they are one ("1 messages" before). */
export function statsLine(s: WorkerStats, where?: string, limit?: FlowAlertLimitSettings): string {
  const per = limit?.windowSeconds ? `per ${limit.windowSeconds.toLocaleString('en-US')} s` : 'per run';
  const perTarget = limit?.perTarget ? ` and ${limit.perTarget} per target` : '';
  const folded = limit && s.flowAlertsSuppressed ? `; ${s.flowAlertsSuppressed.toLocaleString('en-US')} risky flows folded into per-source${perTarget ? ' and per-target' : ''} limits (${limit.perSource} flow alerts per source${perTarget} ${per}; --flow-alerts-per-source${perTarget ? ', --flow-alerts-per-target' : ''}, 0 = no limit)` : '';
  const n = (x: number, word: string): string => `${thousands(x)} ${plural(x, word)}`;
  return `${n(s.flows, 'flow')} in ${n(s.messages, 'message')} scored in ${formatSeconds(s.seconds)}; ${n(s.alerts, 'alert')} (${n(s.findings, 'finding')})${folded}${where ? `, ${thousands(s.stored)} new in ${where} (${thousands(s.duplicates)} already there)` : ''}${s.redelivered ? `; ${thousands(s.redelivered)} redelivered` : ''}${s.rejected ? `; ${thousands(s.rejected)} rejected` : ''}${s.rebuiltMessages ? `; rule state rebuilt from ${thousands(s.rebuiltFlows)} flows` : ''}`;
}
