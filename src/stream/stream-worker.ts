/**
 * The streaming worker behind `netsentinel stream`: a long-running consumer of the flow subjects
 * that scores each message with analyze's own stages (RulesStage → ScoreStage → alerts → store),
 * never a copy of analyze.
 *
 * Delivery is at least once, made exactly once in the results by keys:
 *   fetch message → decode → rules (in-memory, per partition, windowed per source) → score → flow alerts and the
 *   findings the rules closed → store (deduplicated by alert key) → publish to <prefix>.alerts /
 *   <prefix>.findings (JetStream msg id = alert key) → ack (after the commit; see `ack` below).
 * A crash anywhere before the ack redelivers the message; redoing it stores and publishes nothing
 * new. The durable consumer allows one unacknowledged message (max_ack_pending 1), so a
 * partition's flows are scored in stream order even across a crash; parallelism comes from
 * partitions and workers, not from reordering one source's flows. Rule state is per partition
 * (partition-scorers.ts): a partition's alerts depend on its own messages only, not on which other
 * partitions the worker owns or how their messages interleave with its own. Within a worker, scoring and
 * committing overlap: messages of its partitions are scored as they arrive while the ones scored
 * before are committed (several in one store transaction), in scoring order, each acknowledged
 * after its commit.
 *
 * Per-source flow-alert limit (flowAlertLimit, analyze's FlowAlertGate): a risky flow gets its own
 * alert only while its source has had fewer than N in the flow-time window the flow falls in, in
 * arrival order (all of a source's flows are in one partition, consumed in stream order, so the
 * same flows get the alerts whatever the batching or the worker); the rest are counted
 * (suppressed) in the stats, /metrics and the source's risky-source alert. The gate keeps at most
 * maxSources sources (the least recently limited forgotten, counted as evictions).
 *
 * State after a restart: rebuilt from a window of the stream. Before consuming, the worker
 * replays (nothing acknowledged, no flow alerts made) the messages of its subjects from
 * `rebuildMessages` stream sequences before the consumer's ack floor up to it, through the rules,
 * the source windows and the flow-alert limit (each replayed risky flow counted against its
 * source's window as when it was first scored). Findings it closes again are stored again as
 * no-ops. What can be missed: behaviour whose start lies before the window (a slow scan longer than
 * the window) is seen from the window's start only; and a source's flow-alert window that began
 * before the replayed messages is counted from them on, so it can get up to N more flow alerts
 * than without the restart (docs/deploy.md).
 *
 * Drain (SIGTERM, the signal): issue no more pulls, finish and ack the message the pull in flight
 * brings (if any), close the open rule episodes (as analyze does at the end of its input) and store
 * them, then close cleanly.
 *
 * A message that cannot be read or scored is rejected (said, counted, terminated), found before the
 * rules see it; a run of messages with none of the baseline's columns (another data set's) ends the
 * worker with one error instead (see `foreign`).
 *
 * Outages: a commit (store, publish, respond) that fails is retried until it works
 * (outage-retry.ts), the message unacknowledged meanwhile, unless the store's error is one no
 * waiting heals (src/store/lasting-store-errors.ts: a wrong password or role, a missing
 * permission, schema or table, a read-only standby): then the worker ends with one line naming it
 * and the fix, exit 2, the message unacknowledged (redelivered once the store is fixed); an ack that fails is left to JetStream
 * to redeliver (then acknowledged without rescoring, see `committed`); a pull that fails while
 * the worker is not draining (NATS restarted) is issued again. So PostgreSQL or NATS
 * going away stalls the worker and their return resumes it, with nothing lost or doubled.
 */
import { AckPolicy, DeliverPolicy, type Consumer, type JsMsg } from '@nats-io/jetstream';
import type { FlowTable } from '../flows/table.js';
import { storedAlert, type Alert } from '../analysis/alerts.js';
import type { Finding } from '../detect/finding.js';
import type { AlertStore } from '../store/alert-store.js';
import { UserError } from '../util/errors.js';
import { canonicalAddresses, leadingZeroNote, type AddressTally } from '../sources/address-text.js';
import { decodeFlows, SCHEMA_HEADER, type WireSchema } from './flow-codec.js';
import { findingsOfMessage, FINDINGS_HEADER } from './finding-messages.js';
import { decodeColumns } from './flow-columns.js';
import { flowSubject } from './partition.js';
import { shortReason, type Bus } from './nats-bus.js';
import type { StreamAdapter } from '../adapt/stream-adaptation.js';
import { NoModelColumns, type BatchScorer, type ScoringSetup } from './batch-scorer.js';
import { PartitionScorers, partitionOfSubject } from './partition-scorers.js';
import { retryThroughOutage } from './outage-retry.js';
import { lastingStoreError } from '../store/lasting-store-errors.js';
import { ResultPublisher, resultMessages } from './result-publisher.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** What one message (or stdin batch) produced, for hooks: the flows, their alerts and findings. */
export interface BatchScored {
  /** where the batch came from, stable across redeliveries: "stream:NAME#SEQ" (the respond policy's origin) */
  readonly origin: string;
  /** the message's flows (none for what the drain closes) */
  readonly batch?: FlowTable;
  readonly alerts: readonly Alert[];
  readonly findings: readonly Finding[];
}

export interface WorkerOptions extends ScoringSetup {
  readonly bus: Bus;
  readonly stream: string;
  readonly prefix: string;
  /** partitions this worker owns (one durable consumer each); undefined = every partition, one consumer */
  readonly partitions?: readonly number[];
  /** durable consumer name (per partition: NAME-pN) */
  readonly durable: string;
  readonly store: AlertStore;
  readonly ackWaitMs: number;
  /** stream sequences replayed before the ack floor to rebuild rule state (0 = none) */
  readonly rebuildMessages: number;
  /** drain when aborted */
  readonly signal: AbortSignal;
  /** publish alerts and findings to <prefix>.alerts / <prefix>.findings (default true) */
  readonly publishResults?: boolean;
  readonly progress?: (s: WorkerStats) => void;
  /** drift detection, retraining and model swaps (src/adapt/): hooks before and after each message */
  readonly adapt?: StreamAdapter;
  /** per message: milliseconds from the stream storing it to its ack */
  readonly latency?: (ms: number, flows: number) => void;
  /** counters for --metrics-port (updated whether or not anyone scrapes) */
  readonly metrics?: WorkerMetrics;
  /** operator lines (outage start/end), to stderr */
  readonly note?: (line: string) => void;
  /**
   * count and say the NATS connection's losses and returns (default true); false when one watch
   * covers several workers on one connection (--balance: one per process, not one per partition)
   */
  readonly watchNats?: boolean;
  /**
   * after a message's alerts are stored and published, before its ack: more committing steps (the
   * respond policy and outbox). Must be idempotent by key: a redelivery calls it again. Retried
   * through outages like the store commit.
   */
  readonly afterCommit?: (scored: BatchScored) => Promise<void>;
  /** after a message is acknowledged (drift detection, statistics): must not throw */
  readonly onBatchScored?: (scored: BatchScored) => void;
  /** the scorers to use (the caller keeps them to swapModels while the worker runs); default: made from the setup */
  readonly scorers?: PartitionScorers;
}

export interface WorkerStats {
  messages: number;
  flows: number;
  redelivered: number;
  rejected: number;
  /** every alert committed (flow alerts, findings, risky sources; again-closed ones included) */
  alerts: number;
  /**
   * flow alerts of the messages scored (never re-made by a rebuild or a drain): each flow scored
   * once between all workers means the store holds exactly their sum of 'risky flow' alerts
   */
  flowAlerts: number;
  /** risky flows of the messages scored given no alert of their own by the per-source limit */
  flowAlertsSuppressed: number;
  findings: number;
  stored: number;
  /**
   * alerts already in the store: a redelivered message's, and after a restart or a partition move
   * an episode or source window closed again (by the rebuild's replay, or closed with the same
   * flows by the old holder's drain and the new holder); each a no-op by its key
   */
  duplicates: number;
  rebuiltMessages: number;
  rebuiltFlows: number;
  seconds: number;
  /** per message, ms from the stream storing it to its ack (after commit): median and 99th percentile */
  latencyP50Ms?: number;
  latencyP99Ms?: number;
}

/** How long one pull waits for a message: also the longest a drain waits for the pull in flight. */
const PULL_EXPIRES_MS = 1000;

/**
 * How long a pull may hear nothing (no message, heartbeat or expiry notice) before the client gives
 * it up. nats.js gives a fetch up after two missed idle heartbeats, and the heartbeat can be at most
 * half the expiry (the server refuses more), so by default it gives up at about PULL_EXPIRES_MS on
 * its own clock while the server, which received the pull later, still holds it open. Under CPU
 * load (the server or this event loop late by a few hundred ms) the server then hands the message
 * to the inbox the client just left: nobody acknowledges it, and with max_ack_pending 1 the
 * partition waits ack_wait (30 s) for its redelivery. Given up only after this much silence, a pull
 * is abandoned only once the server has long expired it (it answers every pull with a message, or
 * heartbeats and a 408 at the expiry), so nothing can be delivered to a dead inbox unless the
 * server is more than this late. Kept under a third of the lease TTL's stop margin (docs/deploy.md).
 */
export const PULL_SILENCE_MS = 3000;

/**
 * Let a fetch's idle-heartbeat monitor give up only after PULL_SILENCE_MS (see there), and then
 * only once the connection has answered a PING sent after that silence (`nc`). It is nats.js's own
 * monitor (still cancelled on disconnect and restarted on reconnect by the library); only the
 * number of missed beats it tolerates and what it does then change. Returns false if this nats.js
 * has no such monitor (a test fails then: src/stream/pull-silence.test.ts).
 *
 * Why the PING: the server writes to a connection in order, so whatever it sent to the pull's inbox
 * before it answered the PING has arrived when the PONG does. With NATS behind by more than the
 * silence budget (its output held up 4 s: a loaded server or link), the pull was given up at
 * PULL_SILENCE_MS while its message was on its way, the message stranded in the left inbox, and
 * with max_ack_pending 1 the partition stalled for ack_wait (30 s) until its redelivery. Now a late
 * answer is waited for as long as the connection is late; a pull the server really dropped (the
 * PONG comes and still nothing) is given up as before.
 */
export function lengthenPullSilence(msgs: unknown, nc?: { flush(): Promise<void> }): boolean {
  const monitor = (msgs as { monitor?: { interval?: unknown; _change?: unknown; callback?: unknown; last?: unknown; timer?: unknown; cancel?: unknown } | null }).monitor;
  if (!monitor || typeof monitor.interval !== 'number' || typeof monitor._change !== 'function') return false;
  const beat = monitor.interval;
  (monitor._change as (interval: number, cancelAfter: number, maxOut: number) => void).call(monitor, beat, 0, Math.max(2, Math.ceil(PULL_SILENCE_MS / beat)));
  if (!nc) return true;
  if (typeof monitor.callback !== 'function' || typeof monitor.last !== 'number' || typeof monitor.cancel !== 'function') return false;
  const giveUp = monitor.callback as (missed: number) => boolean;
  let probing = false;
  monitor.callback = (missed: number): boolean => {
    if (probing) return false;
    probing = true;
    const silentSince = monitor.last;
    nc.flush().then(
      () => {
        probing = false;
        // heard from since (a message, a heartbeat, the expiry): the pull goes on as it should;
        // stopped meanwhile (ended, or cancelled by a disconnect): nothing to give up
        if (monitor.last !== silentSince || !monitor.timer) return;
        if (giveUp(missed) === true) (monitor.cancel as () => void).call(monitor);
      },
      // the connection failed: the library's disconnect handling takes the pull over
      () => (probing = false),
    );
    return false;
  };
  return true;
}

/** The durable consumers a worker uses: one per owned partition (NAME-pN), or one over all. */
export function ownedConsumers(durable: string, prefix: string, partitions?: readonly number[]): { name: string; filter: string }[] {
  return partitions ? partitions.map((p) => ({ name: `${durable}-p${p}`, filter: flowSubject(prefix, p) })) : [{ name: durable, filter: `${prefix}.flows.*` }];
}

export async function runWorker(o: WorkerOptions): Promise<WorkerStats> {
  const t0 = performance.now();
  const stats: WorkerStats = { messages: 0, flows: 0, redelivered: 0, rejected: 0, alerts: 0, flowAlerts: 0, flowAlertsSuppressed: 0, findings: 0, stored: 0, duplicates: 0, rebuiltMessages: 0, rebuiltFlows: 0, seconds: 0 };
  const scorers = o.scorers ?? new PartitionScorers(o);
  const startedAt = new Date().toISOString();
  let runId: number;
  try {
    runId = await o.store.saveRun({ startedAt, finishedAt: startedAt, inputs: [`nats:${o.stream}/${o.prefix}.flows`], flows: 0, alerts: 0, summary: { state: 'running', worker: o.durable, partitions: o.partitions ?? 'all' } });
  } catch (e) {
    throw new UserError(`stream: cannot write to the store at ${o.store.where} (${shortReason(e)})`);
  }
  const publishResults = o.publishResults ?? true;
  const metrics = o.metrics;
  const note = o.note ?? ((line: string) => process.stderr.write(`netsentinel: stream: ${line}\n`));
  const stalled = (on: boolean): void => {
    if (metrics) metrics.stalled = on;
  };
  // `what` names the step in the one line a lasting error ends the worker with
  const watch = (count: 'storeErrors' | 'publishErrors' | 'respondErrors', what: string) => ({
    note,
    signal: o.signal,
    onFailure: () => {
      stalled(true);
      if (metrics) metrics[count]++;
    },
    // a store error no waiting heals (a wrong password or role, a missing database, schema, table
    // or permission, a read-only standby or file: lasting-store-errors.ts) ends the worker with one
    // line and exit 2 (our own SQL refused: exit 70), as the lease round does; before, it was
    // retried forever and the worker looked alive. NATS and connection errors are not named there:
    // retried as an outage.
    lasting: (e: unknown) => lastingStoreError(e, `stream: ${what}`),
  });

  // one reply subscription for every result this worker publishes (made at the first results)
  let results: ResultPublisher | undefined;
  // each step retried through an outage on its own, so a step that succeeded is not redone. Several
  // messages' results are committed together (one store transaction, one round of publishes);
  // each message's afterCommit still gets its own origin.
  const commitMany = async (items: readonly CommitItem[]): Promise<void> => {
    let alerts: readonly Alert[] = items.length === 1 ? items[0].alerts : items.flatMap((i) => i.alerts);
    let findings: readonly Finding[] = items.length === 1 ? items[0].findings : items.flatMap((i) => i.findings);
    if (alerts.length) {
      const rows = alerts.map(storedAlert);
      const what = `storing alerts in ${o.store.where}`;
      const r = await retryThroughOutage(what, () => o.store.saveAlerts(runId, rows), watch('storeErrors', what));
      stats.stored += r.inserted;
      stats.duplicates += r.duplicates;
    }
    if (publishResults && (alerts.length || findings.length)) {
      const messages = resultMessages(o.prefix, alerts, findings);
      const done = new Uint8Array(messages.length);
      const publisher = (results ??= new ResultPublisher(o.bus.nc));
      const what = `publishing results to ${o.prefix}.alerts/.findings`;
      await retryThroughOutage(what, () => publisher.publish(messages, done), watch('publishErrors', what));
    }
    if (o.afterCommit)
      for (const i of items)
        if (i.alerts.length || i.findings.length) {
          const scored = { origin: i.origin, batch: i.batch, alerts: i.alerts, findings: i.findings };
          await retryThroughOutage('the respond policy and outbox', () => o.afterCommit!(scored), watch('respondErrors', 'the respond policy and outbox'));
        }
    stalled(false);
    stats.alerts += alerts.length;
    stats.findings += findings.length;
    if (metrics) {
      for (const a of alerts) metrics.alert(a.input.severity);
      metrics.findings += findings.length;
    }
    alerts = findings = [];
  };
  const commit = (alerts: readonly Alert[], findings: readonly Finding[], batch?: FlowTable, origin = `stream:${o.stream}/drain:${o.durable}:${startedAt}`): Promise<void> =>
    commitMany([{ alerts, findings, batch, origin }]);

  // JSON lines written by another program may spell IPv4 with leading zeros: read as decimal (as
  // every reader does), said once with the first message and cell, and the total at the end
  const addresses: AddressTally = { cells: 0 };
  let addressesSaid = 0;
  const decode = (m: JsMsg): FlowTable => {
    const t = decodeFlowMessage(m, addresses);
    if (addressesSaid === 0 && addresses.cells > 0) {
      addressesSaid = addresses.cells;
      note(`input: ${leadingZeroNote(addresses)}`);
    }
    return t;
  };

  // one durable consumer per owned partition, or one over every partition
  const owned = ownedConsumers(o.durable, o.prefix, o.partitions);
  const consumers: Consumer[] = [];
  for (const c of owned) {
    const config = { durable_name: c.name, filter_subject: c.filter, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_ack_pending: 1, ack_wait: o.ackWaitMs * 1e6 };
    try {
      const info = await o.bus.jsm.consumers.info(o.stream, c.name).catch(() => undefined);
      if (!info) await o.bus.jsm.consumers.add(o.stream, config);
      else if (info.config.ack_wait !== config.ack_wait || info.config.max_ack_pending !== 1) await o.bus.jsm.consumers.update(o.stream, c.name, { ack_wait: config.ack_wait, max_ack_pending: 1 });
      await rebuild(o, c, decode, scorers, stats, commit);
      consumers.push(await o.bus.js.consumers.get(o.stream, c.name));
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`stream: cannot use consumer ${c.name} on stream ${o.stream} (${shortReason(e)}); was it published to? ('netsentinel publish' creates the stream)`);
    }
  }

  // per subject filter, the last stream sequence this process committed: a message redelivered
  // after we committed it (it outlived ack_wait) is acknowledged again, not fed to the rules twice
  const committed = new Map<string, number>();
  // A plain ack (one write, no reply awaited) while consuming: with max_ack_pending 1 the
  // consumer's next message cannot come before the server has taken this ack, so waiting for its
  // confirmation bought nothing but a round trip (a reply to parse, a timer, promises) per message.
  // An ack that never arrives is the case of one that failed: redelivered after ack_wait and
  // acknowledged then without rescoring (`committed`). While draining it is confirmed (ackAck),
  // and the acks written before are flushed, so that the drain ends with every message it
  // finished acknowledged on the server.
  const ack = async (m: JsMsg): Promise<void> => {
    try {
      if (o.signal.aborted) await m.ackAck();
      else m.ack();
    } catch (e) {
      // NATS went away between commit and ack: the message comes back and is acknowledged then
      if (metrics) metrics.ackErrors++;
      note(`acknowledging ${m.subject}#${m.seq} failed (${shortReason(e)}); it will be redelivered and acknowledged without rescoring`);
    }
  };
  // Scoring and committing overlap: a message is decoded and scored as soon as it arrives (in
  // arrival order, so the rules see each partition's flows in stream order), then queued; the
  // committer takes everything queued, commits it together and acknowledges each message in queue
  // order, after its commit. While one group commits, the other consumers' messages are scored.
  // Each consumer still has one message at a time (max_ack_pending 1): it pulls again only when
  // its message is acknowledged, so at drain nothing is left scored but unacknowledged.
  const queue: Scored[] = [];
  const latencies: number[] = [];
  let committing = false;
  let failed: unknown;
  const runCommits = async (): Promise<void> => {
    committing = true;
    try {
      while (queue.length && failed === undefined) {
        const group = queue.splice(0, MAX_GROUP);
        try {
          await commitMany(group);
          for (const s of group) committed.set(s.filter, s.m.seq);
          // (a message of findings alone has no flows for the drift monitor or the clean reservoir)
          for (const s of group) if (s.batch !== NO_FLOWS) await o.adapt?.observe(s.batch, s.risk, s.findings, `${s.m.subject}#${s.m.seq}`);
          await Promise.all(group.map((s) => ack(s.m)));
        } catch (e) {
          // a commit given up on (drain during an outage) or a hook that threw: nothing after it is
          // committed or acknowledged (the rules saw those messages after this one), all redelivered
          failed = e;
          for (const s of group) s.done(e);
          break;
        }
        for (const s of group) {
          const ms = Date.now() - s.m.info.timestampNanos / 1e6;
          stats.messages++;
          stats.flows += s.batch.rowCount;
          for (const a of s.alerts) if (a.input.source === 'risk:flow') stats.flowAlerts++;
          stats.flowAlertsSuppressed += s.suppressed;
          latencies.push(ms);
          if (metrics) {
            metrics.flowAlertsSuppressed += s.suppressed;
            metrics.messages++;
            metrics.flows += s.batch.rowCount;
            metrics.latency(ms / 1000);
          }
          o.latency?.(ms, s.batch.rowCount);
          o.onBatchScored?.({ origin: s.origin, batch: s.batch, alerts: s.alerts, findings: s.findings });
          s.done();
        }
      }
      if (failed !== undefined) for (const s of queue.splice(0)) s.done(failed);
    } finally {
      committing = false;
    }
  };
  // Messages in a row, whatever their consumer, with none of the models' columns (NoModelColumns):
  // a baseline made from another data set than the stream's, or a publisher switched to another
  // format. One such message is rejected like any unscorable one; FOREIGN_RUN of them in a row
  // (counting the ones already in the stream after it) end the worker with one error naming the
  // columns, the message left unacknowledged for a worker with the right baseline. Before, the
  // worker rejected every message, one stderr line each, for as long as it ran. Reset by a message
  // scored.
  let foreign = 0;
  const foreignOrRejected = async (m: JsMsg, e: NoModelColumns, rejectIt: (e: unknown) => Promise<void>): Promise<void> => {
    foreign++;
    const stage = scorers.of(partitionOfSubject(m.subject)).score;
    const ahead = foreign < FOREIGN_RUN ? await foreignAhead(o, o.partitions ? m.subject : `${o.prefix}.flows.*`, m.seq, FOREIGN_RUN - foreign, decode, (b) => {
      const p = stage.problems(b);
      return p.missing.length > 0 && p.missing.length === p.needed.length;
    }) : 0;
    if (foreign + ahead < FOREIGN_RUN) return rejectIt(e);
    const names = (list: readonly string[], n: number): string => list.slice(0, n).map((c) => JSON.stringify(c)).join(', ') + (list.length > n ? ` and ${list.length - n} more` : '');
    const before = foreign - 1;
    const which = [before ? `the ${before} message${before === 1 ? '' : 's'} before it` : '', ahead ? `the ${ahead} after it` : ''].filter(Boolean).join(' and ');
    throw new UserError(
      `stream: ${m.subject}#${m.seq} and ${which} have none of the ${e.missing.length} columns the baseline${o.classifier ? ' and the classifier need' : ' needs'}: missing ${names(e.missing, 8)}` +
        ` (the messages have ${e.have.length ? names(e.have, 5) : 'no feature columns'}). Was --baseline made from another data set than the stream's? Make one from flows like these ('netsentinel baseline NORMAL-FLOWS -o FILE')` +
        ` or publish the flows it was made for; ${m.subject}#${m.seq} is left unacknowledged, for a worker with the right baseline`,
    );
  };
  const handle = (m: JsMsg): Promise<void> => {
    if (failed !== undefined) return Promise.reject(failed);
    if (m.redelivered) {
      stats.redelivered++;
      if (metrics) metrics.redelivered++;
    }
    const filter = o.partitions ? m.subject : '*';
    if (m.seq <= (committed.get(filter) ?? 0)) return ack(m);
    // a message that can never be read or scored is terminated (not redelivered forever), and said
    const rejectIt = (e: unknown): Promise<void> => {
      stats.rejected++;
      if (metrics) metrics.rejected++;
      note(`rejected ${m.subject}#${m.seq}: ${(e as Error).message}`);
      m.term();
      return Promise.resolve();
    };
    // a publisher's packet-detector findings (finding-messages.ts): raised as the rules' are
    let packetFindings: Finding[] | undefined;
    try {
      packetFindings = findingsOfMessage(m);
    } catch (e) {
      return rejectIt(e);
    }
    if (packetFindings) {
      const r = scorers.of(partitionOfSubject(m.subject)).addFindings(packetFindings, Date.now());
      return new Promise<void>((resolve, reject) => {
        queue.push({ m, filter, batch: NO_FLOWS, alerts: o.adapt ? o.adapt.stamp(r.alerts) : r.alerts, findings: r.findings, risk: NO_RISK, suppressed: 0, origin: `stream:${o.stream}#${m.seq}`, done: (e) => (e === undefined ? resolve() : reject(e)) });
        if (!committing) void runCommits();
      });
    }
    let batch: FlowTable;
    try {
      batch = decode(m);
    } catch (e) {
      return rejectIt(e);
    }
    const swapped = o.adapt?.takeSwap();
    if (swapped) scorers.swapModels({ baseline: swapped, classifier: o.classifier });
    let scored: ReturnType<BatchScorer['scoreBatch']>;
    try {
      scored = scorers.of(partitionOfSubject(m.subject)).scoreBatch(batch, Date.now());
    } catch (e) {
      // a message with none of the models' columns: rejected, unless it is one of a run of them
      if (e instanceof NoModelColumns) return foreignOrRejected(m, e, rejectIt);
      // flows the model cannot score (a baseline fitted on other columns, text in a column it
      // has as numbers: an InputError naming file, line and column) are the message's fault, as
      // an undecodable one is (found before the rules see the message: rejected, it changed no
      // rule state); anything else is ours (exit 70), not a pull to try again
      return e instanceof UserError ? rejectIt(e) : Promise.reject(e);
    }
    foreign = 0;
    const { alerts, findings, risk, suppressed } = scored;
    return new Promise<void>((resolve, reject) => {
      queue.push({ m, filter, batch, alerts: o.adapt ? o.adapt.stamp(alerts) : alerts, findings, risk, suppressed, origin: `stream:${o.stream}#${m.seq}`, done: (e) => (e === undefined ? resolve() : reject(e)) });
      if (!committing) void runCommits();
    });
  };

  // each consumer pulls one message at a time and asks again only when that one is finished and
  // acknowledged; messages are scored one at a time, in the order they arrive, whatever partition
  // they come from (each by its own partition's state, so that order changes no alert), and
  // committed in that order (see handle). No pull is left open while the worker drains: a pull request open on the server
  // when the worker stops listening could hand the next message to nobody (delivered again after
  // ack_wait, so counted twice), so the drain waits for the pull in flight to end (a message, which
  // is finished like any other, or its expiry, PULL_EXPIRES_MS; a pull the server says nothing at
  // all about, after PULL_SILENCE_MS) and issues no more. The client gives a pull up only after
  // PULL_SILENCE_MS of silence, not at its expiry, so a late answer is still heard (see there).
  const ticker = o.progress
    ? setInterval(() => {
        stats.seconds = (performance.now() - t0) / 1000;
        o.progress!(stats);
      }, 1000)
    : undefined;
  const watchConnection = o.watchNats === false ? undefined : watchStatus(o.bus, metrics, note);
  if (metrics) metrics.ready = true;
  try {
    await Promise.all(
      consumers.map(async (c, ci) => {
        // a pull that fails while not draining (NATS restarted, the consumer's leader moved) is
        // issued again after a pause; the durable consumer keeps the position on the server
        while (!o.signal.aborted) {
          try {
            const msgs = await c.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS });
            lengthenPullSilence(msgs, o.bus.nc);
            for await (const m of msgs) {
              await handle(m).catch((e) => {
                throw new HandlerFailed(e);
              });
            }
            continue;
          } catch (e) {
            // scoring or a commit given up on: not a subscription problem, never retried here
            if (e instanceof HandlerFailed) throw e.cause;
            if (o.signal.aborted) break;
            note(`consumer ${owned[ci].name}: ${shortReason(e)}; pulling again`);
          }
          if (metrics) metrics.consumerRestarts++;
          await new Promise((r) => setTimeout(r, 500));
        }
      }),
    );
  } finally {
    if (metrics) metrics.ready = false;
    watchConnection?.stop();
    if (ticker) clearInterval(ticker);
  }
  // the plain acks written before the drain began reach the server before the worker says it is
  // done (bounded: with NATS away the flush would wait for its return; those acks are then lost
  // like any failed one, the messages redelivered and found already stored)
  await boundedFlush(o.bus, ACK_FLUSH_MS);
  // drain: the open episodes become findings, as at the end of analyze's input
  const last = scorers.finish(Date.now());
  await commit(o.adapt ? o.adapt.stamp(last.alerts) : last.alerts, last.findings);
  results?.close();
  await o.adapt?.close();
  if (addresses.cells > addressesSaid) note(`input: in all, ${leadingZeroNote(addresses)}`);
  stats.seconds = (performance.now() - t0) / 1000;
  if (latencies.length) {
    latencies.sort((a, b) => a - b);
    const q = (p: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 10) / 10;
    stats.latencyP50Ms = q(0.5);
    stats.latencyP99Ms = q(0.99);
  }
  await o.store.saveRun({ startedAt, finishedAt: new Date().toISOString(), inputs: [`nats:${o.stream}/${o.prefix}.flows`], flows: stats.flows, alerts: stats.alerts, summary: { state: 'drained', worker: o.durable, ...stats } });
  return stats;
}

let lastSchemaHeader: string | undefined;
let lastSchema: WireSchema | undefined;

/** The flows of one message of the flow subjects: binary columns or JSON lines, as its schema header says. */
export function decodeFlowMessage(m: JsMsg, addresses?: AddressTally): FlowTable {
  const h = m.headers?.get(SCHEMA_HEADER);
  let schema: WireSchema | undefined;
  if (h && h === lastSchemaHeader) schema = lastSchema;
  else if (h) {
    try {
      schema = JSON.parse(h) as WireSchema;
    } catch {
      throw new UserError(`${m.subject} #${m.seq}: header ${SCHEMA_HEADER} is not JSON`);
    }
    // a publisher sends one schema message after message: parsed once, not per message
    lastSchemaHeader = h;
    lastSchema = schema;
  }
  if (schema?.layout === 'columns' || schema?.layout === 'narrow-columns') return decodeColumns(m.data, `${m.subject}#${m.seq}`, schema);
  // JSON lines: publish's own are canonical already; another program's may not be (address-text.ts)
  return canonicalAddresses(decodeFlows(m.string(), `${m.subject}#${m.seq}`, schema), addresses);
}

/** Replay the window before the consumer's ack floor through the rules, source windows and flow-alert limit (see the top comment). */
async function rebuild(
  o: WorkerOptions,
  c: { name: string; filter: string },
  decode: (m: JsMsg) => FlowTable,
  scorers: PartitionScorers,
  stats: WorkerStats,
  commit: (alerts: readonly Alert[], findings: readonly Finding[], batch?: FlowTable, origin?: string) => Promise<void>,
): Promise<void> {
  if (o.rebuildMessages <= 0) return;
  const info = await o.bus.jsm.consumers.info(o.stream, c.name);
  const floor = info.ack_floor.stream_seq;
  if (!floor) return;
  const start = Math.max(1, floor - o.rebuildMessages + 1);
  const oc = await o.bus.js.consumers.get(o.stream, { filter_subjects: c.filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start });
  try {
    for (;;) {
      const m = await oc.next({ expires: 2000 });
      if (!m || m.seq > floor) break;
      let packetFindings: Finding[] | undefined;
      try {
        packetFindings = findingsOfMessage(m);
      } catch {
        continue; // it was rejected when first seen
      }
      if (packetFindings) {
        // their alerts again (the store has them: no-ops), their sources' windows as before
        const again = scorers.of(partitionOfSubject(m.subject)).addFindings(packetFindings, Date.now());
        if (again.alerts.length) await commit(again.alerts, again.findings, undefined, `stream:${o.stream}#${m.seq}`);
        stats.rebuiltMessages++;
        if (m.seq === floor) break;
        continue;
      }
      let batch: FlowTable;
      try {
        batch = decode(m);
      } catch {
        continue; // it was rejected when first seen
      }
      let again: { alerts: Alert[]; findings: Finding[] };
      try {
        again = scorers.of(partitionOfSubject(m.subject)).replay(batch, Date.now());
      } catch (e) {
        if (e instanceof UserError) continue; // rejected when first seen (flows the model cannot score)
        throw e;
      }
      if (again.alerts.length) await commit(again.alerts, again.findings, batch, `stream:${o.stream}#${m.seq}`);
      stats.rebuiltMessages++;
      stats.rebuiltFlows += batch.rowCount;
      if (m.seq === floor) break;
    }
  } finally {
    await oc.delete().catch(() => undefined);
  }
}

/** messages in a row with none of the models' columns that end the worker (see `foreign` in runWorker) */
export const FOREIGN_RUN = 3;

/**
 * How many of the up to `max` messages after `seq` on `filter` (already in the stream) also have
 * none of the models' columns (`foreign`), stopping at the first that has some (or cannot be read):
 * looked at with a consumer of its own, as the rebuild does, the worker's own consumer untouched.
 */
async function foreignAhead(o: WorkerOptions, filter: string, seq: number, max: number, decode: (m: JsMsg) => FlowTable, foreign: (b: FlowTable) => boolean): Promise<number> {
  // a look we cannot take (NATS refusing the consumer) is no evidence: the message is judged alone
  const oc = await o.bus.js.consumers.get(o.stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq + 1 }).catch(() => undefined);
  if (!oc) return 0;
  let n = 0;
  try {
    while (n < max) {
      const m = await oc.next({ expires: 1000 }).catch(() => null);
      if (!m) break;
      // a message of packet findings between them says nothing of the flows' columns
      if (m.headers?.get(FINDINGS_HEADER)) continue;
      let b: FlowTable;
      try {
        b = decode(m);
      } catch {
        break;
      }
      if (!foreign(b)) break;
      n++;
    }
  } finally {
    await oc.delete().catch(() => undefined);
  }
  return n;
}

/** longest the drain waits for the acks written before it to reach the server */
const ACK_FLUSH_MS = 2000;

async function boundedFlush(bus: Bus, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([bus.nc.flush().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** most messages committed in one group (one store transaction) */
const MAX_GROUP = 64;

interface CommitItem {
  readonly alerts: readonly Alert[];
  readonly findings: readonly Finding[];
  readonly batch?: FlowTable;
  readonly origin: string;
}

/** a message scored and waiting for its commit and ack */
/** the flows of a message of findings alone: none */
const NO_FLOWS: FlowTable = { rowCount: 0, columns: [], format: 'findings' };
const NO_RISK = new Float64Array(0);

interface Scored extends CommitItem {
  readonly m: JsMsg;
  /** the key of `committed` (the partition's subject, or '*') */
  readonly filter: string;
  readonly batch: FlowTable;
  readonly alerts: Alert[];
  readonly risk: Float64Array;
  /** its risky flows the per-source limit gave no alert */
  readonly suppressed: number;
  readonly done: (e?: unknown) => void;
}

class HandlerFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('handler failed');
  }
}

/** Count and say the NATS connection's losses and returns (the client reconnects by itself). */
export function watchStatus(bus: Bus, metrics: WorkerMetrics | undefined, note: (line: string) => void): { stop(): void } {
  let stopped = false;
  let lostAt = 0;
  void (async () => {
    for await (const s of bus.nc.status()) {
      if (stopped) break;
      if (s.type === 'disconnect') {
        if (metrics) metrics.disconnects++;
        lostAt = Date.now();
        note(`lost the connection to NATS at ${bus.url}; reconnecting`);
      } else if (s.type === 'reconnect') {
        if (metrics) metrics.reconnects++;
        note(`reconnected to NATS${lostAt ? ` after ${((Date.now() - lostAt) / 1000).toFixed(1)} s` : ''}`);
      }
    }
  })().catch(() => undefined);
  return {
    stop() {
      stopped = true;
    },
  };
}
