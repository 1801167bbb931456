/**
 * `stream --balance N`: a worker that shares the N partitions of a stream with the other workers
 * of its durable name, by leases in the store (partition-leases.ts), and rebalances when a worker
 * joins or leaves. Each partition it holds runs as its own single-partition worker (runWorker with
 * one partition and its own drain signal), so a partition can be given back — drained: message in
 * hand finished and acknowledged, open rule episodes closed and stored — without stopping the rest.
 * A drain runs beside the heartbeat, never in it: a slow one (a long message, a store outage) must
 * not stop the renewal of the other leases — nor of the draining partition's own, released only
 * once its drain is done — or another worker would take partitions mid-drain.
 *
 * Adaptation (--drift, --retrain-every): one per process, over every partition it holds (one drift
 * monitor and reservoir, one chain of versions); each partition's scorer swaps to the current
 * version at its next message (partitionAdapter), and a partition taken later starts with it.
 * Partitions are source-disjoint (a hash of the source IP), so per-partition rule state is all the
 * rules need.
 *
 * Rule state after a move is rebuilt from the stream: the new holder's runWorker replays
 * `rebuildMessages` messages of the partition before its consumer's ack floor through the rules,
 * as after a restart. What can be missed while it rebuilds, and what a move changes: behaviour
 * that began before the replay window is seen from the window's start; an episode open at the
 * hand-over is closed by the old holder (a finding up to the move) and, if it goes on, found again
 * by the new holder from the replayed window on, so one long episode can give two findings.
 * Closures the old holder already stored (an episode or source window the replay closes again, or
 * that the new holder closes with the same flows the old one's drain did) are stored again as
 * no-ops by their keys and counted as duplicates; flow alerts are not (each message is scored by
 * one holder), unless a message comes again after an acknowledgement lost in an outage.
 *
 * Lease store outages (PostgreSQL or the SQLite file unreachable): the lease round is retried
 * (retryThroughOutage) instead of ending the worker. Meanwhile it takes no partition (claims go
 * through the store) and keeps consuming those it holds only while their leases surely hold: the
 * leases last renewed at R expire at R + TTL for everyone else, so at R + 2/3 TTL (two missed
 * rounds) every partition it runs is stopped — a timer, not the failing round, so a store that
 * hangs rather than refuses stops them too. The stop is a drain with the store away: the message in
 * hand is not acknowledged (its commit gives up at the abort; JetStream delivers it again to the
 * next holder after --ack-wait) and the episodes the drain closes cannot be stored (the next
 * holder's replay of the partition finds them again), so such a drain's failure is not the
 * worker's. When the store answers again the partitions still leased to this worker (no one
 * claimed them meanwhile: renew extends only our own rows) are started again, up to its share, the
 * rest released; those another worker took in the meantime are simply no longer ours.
 * Errors no waiting heals (authentication, a missing database, schema or permission, tables that
 * are not ours: src/store/lasting-store-errors.ts) are not an outage: the worker drains and ends
 * with one line naming the error and its fix (exit 2), rather than retrying forever.
 *
 * Metrics (--metrics-port): each partition's worker counts into that partition's WorkerMetrics, the
 * lease rounds and moves into BalancedMetrics (balanced-metrics.ts), and the NATS connection — one
 * per process, shared by the partitions — is watched once here.
 */
import type { WorkerOptions, WorkerStats } from './stream-worker.js';
import { runWorker, watchStatus } from './stream-worker.js';
import type { BalancedMetrics } from './balanced-metrics.js';
import type { LeaseStore } from './partition-leases.js';
import { partitionAdapter, type StreamAdapter } from '../adapt/stream-adaptation.js';
import { retryThroughOutage, StopRetrying } from './outage-retry.js';
import { shortReason } from './nats-bus.js';
import { lastingStoreError } from '../store/lasting-store-errors.js';

export interface BalancedOptions extends Omit<WorkerOptions, 'partitions' | 'progress' | 'adapt' | 'metrics' | 'watchNats'> {
  /** the process's adaptation, shared by its partitions; closed after the last one drained */
  readonly adapt?: StreamAdapter;
  /** runs one partition (default runWorker); tests give a slow drain through it */
  readonly runPartition?: (o: WorkerOptions) => Promise<WorkerStats>;
  /** partitions of the stream (as published with --partitions) */
  readonly partitionCount: number;
  readonly leases: LeaseStore;
  /** how long a lease or heartbeat holds without renewal */
  readonly ttlMs: number;
  /** this worker's name among its group (unique per process) */
  readonly owner: string;
  readonly note: (line: string) => void;
  /** --metrics-port: each partition counts into its own, the lease state and the connection here */
  readonly metrics?: BalancedMetrics;
  readonly progress?: (s: WorkerStats & { partitions: number[] }) => void;
}

/** the abort reason of a partition stopped because its lease could not be renewed */
const LEASE_OUTAGE = 'lease store unreachable';

const sum = (a: WorkerStats, b: WorkerStats): void => {
  for (const k of ['messages', 'flows', 'redelivered', 'rejected', 'alerts', 'flowAlerts', 'flowAlertsSuppressed', 'findings', 'stored', 'duplicates', 'rebuiltMessages', 'rebuiltFlows'] as const) a[k] += b[k];
};

export async function runBalancedWorker(o: BalancedOptions): Promise<WorkerStats & { moves: { partition: number; action: 'took' | 'gave back' | 'lost'; at: string }[] }> {
  const t0 = performance.now();
  const group = `${o.stream}/${o.durable}`;
  const totals: WorkerStats = { messages: 0, flows: 0, redelivered: 0, rejected: 0, alerts: 0, flowAlerts: 0, flowAlertsSuppressed: 0, findings: 0, stored: 0, duplicates: 0, rebuiltMessages: 0, rebuiltFlows: 0, seconds: 0 };
  const moves: { partition: number; action: 'took' | 'gave back' | 'lost'; at: string }[] = [];
  const running = new Map<number, { ctl: AbortController; done: Promise<void> }>();
  // partitions given back or lost whose drain has not ended: their leases are still ours (renewed
  // by the heartbeat) until released, and they are not taken again meanwhile
  const draining = new Map<number, Promise<void>>();
  let failure: unknown;
  const runPartition = o.runPartition ?? runWorker;

  const start = (p: number): void => {
    const ctl = new AbortController();
    // a partition taken after a swap starts with the current version
    const model = o.adapt?.current();
    const done = runPartition({
      ...o,
      baseline: model?.baseline ?? o.baseline,
      adapt: o.adapt ? partitionAdapter(o.adapt) : undefined,
      partitions: [p],
      signal: ctl.signal,
      progress: undefined,
      metrics: o.metrics?.partition(p),
      // the connection is the process's: watched once below, not once per partition
      watchNats: false,
      note: (line) => o.note(`netsentinel: stream: partition ${p}: ${line}`),
    })
      .then((s) => sum(totals, s))
      .catch((e: unknown) => {
        // a partition stopped because its lease could not be renewed drains with the store away:
        // its commit gives up, the message in hand comes again to the next holder (top comment)
        if (ctl.signal.reason === LEASE_OUTAGE) o.note(`netsentinel: stream: partition ${p}: drain ended without its commit (${shortReason(e)}); its message in hand is delivered again to the next holder`);
        else failure ??= e;
      });
    running.set(p, { ctl, done });
    o.metrics?.took(p);
    moves.push({ partition: p, action: 'took', at: new Date().toISOString() });
    o.note(`netsentinel: stream: ${o.owner} took partition ${p}`);
  };
  /** begin draining `p`; its lease is released (when given back) once the drain is done */
  const stop = (p: number, action: 'gave back' | 'lost', why?: string): void => {
    const r = running.get(p)!;
    running.delete(p);
    r.ctl.abort(why ? LEASE_OUTAGE : undefined);
    o.metrics?.draining(p);
    o.note(`netsentinel: stream: ${o.owner} ${action === 'lost' ? 'lost' : 'giving back'} partition ${p}${action === 'lost' ? (why ? ` (${why})` : '') : ' (draining)'}`);
    const end = (async () => {
      await r.done;
      // a release that fails (the store away) leaves the lease ours: released at a later round, or it expires
      if (action === 'gave back') await o.leases.release(group, o.owner, p).catch((e: unknown) => o.note(`netsentinel: stream: partition ${p}: could not release its lease (${shortReason(e)}); released at the next lease round, or it expires`));
      moves.push({ partition: p, action, at: new Date().toISOString() });
      o.metrics?.released(p, action);
      if (action === 'gave back') o.note(`netsentinel: stream: ${o.owner} gave back partition ${p}`);
    })().finally(() => draining.delete(p));
    draining.set(p, end);
  };

  // the lease guard: every partition run is stopped before the leases last renewed can lapse
  // (at 2/3 of the TTL after that renewal, when the store has not answered since; top comment)
  let guard: NodeJS.Timeout | undefined;
  const renewed = (at: number): void => {
    clearTimeout(guard);
    guard = setTimeout(() => {
      const secs = ((Date.now() - at) / 1000).toFixed(1);
      for (const p of [...running.keys()]) stop(p, 'lost', `its lease not renewed for ${secs} s, the lease store unreachable: stopped before the lease lapses, another worker may take it`);
    }, Math.max(0, at + (o.ttlMs * 2) / 3 - Date.now()));
  };

  const tick = async (): Promise<void> => {
    const now = Date.now();
    const live = Math.max(1, await o.leases.heartbeat(group, o.owner, now, o.ttlMs));
    const held = new Set(await o.leases.renew(group, o.owner, now, o.ttlMs));
    renewed(now);
    o.metrics?.beat(live, now);
    // a lease that expired under us (we stalled longer than the TTL) may be someone else's now
    for (const p of [...running.keys()]) if (!held.has(p)) stop(p, 'lost');
    const share = Math.ceil(o.partitionCount / live);
    const mine = [...running.keys()].sort((a, b) => b - a);
    while (running.size > share) stop(mine.shift()!, 'gave back');
    // leases still ours that no partition runs on (stopped through a lease-store outage, or a
    // release that failed): run again if within the share (renewed just now: no one else has them), else released
    for (const p of [...held].sort((a, b) => a - b)) {
      if (running.has(p) || draining.has(p)) continue;
      if (running.size < share) start(p);
      else await o.leases.release(group, o.owner, p);
    }
    for (let p = 0; p < o.partitionCount && running.size < share; p++) {
      if (running.has(p) || draining.has(p)) continue;
      if (await o.leases.claim(group, o.owner, p, now, o.ttlMs)) start(p);
    }
  };

  const ticker = o.progress
    ? setInterval(() => o.progress!({ ...totals, seconds: (performance.now() - t0) / 1000, partitions: [...running.keys()].sort((a, b) => a - b) }), 1000)
    : undefined;
  const connection = watchStatus(o.bus, o.metrics?.process, (line) => o.note(`netsentinel: stream: ${line}`));
  try {
    while (!o.signal.aborted && failure === undefined) {
      try {
        // through a lease-store outage: retried (no partition taken meanwhile, those held stopped by the guard)
        await retryThroughOutage(`the lease round in ${o.leases.where}`, tick, {
          signal: o.signal,
          note: (line) => o.note(`netsentinel: stream: ${line.replace('the message in hand stays unacknowledged', 'partitions run until their leases would lapse, none taken')}`),
          onFailure: () => {
            if (o.metrics) o.metrics.leaseStoreDown = true;
          },
          // a wrong password, a missing permission or table: the worker ends (exit 2) with one line
          lasting: (e) => lastingStoreError(e, `stream: the lease round in ${o.leases.where}`),
        });
      } catch (e) {
        // asked to stop while the store is away: drain; the leases not given back expire
        if (e instanceof StopRetrying) {
          o.note(`netsentinel: stream: the lease store is still unreachable; draining (its leases expire after --lease-ttl)`);
          break;
        }
        throw e;
      }
      if (o.metrics) o.metrics.leaseStoreDown = false;
      if (o.metrics) o.metrics.balancing = true;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(t);
          o.signal.removeEventListener('abort', wake);
          resolve();
        };
        const t = setTimeout(wake, o.ttlMs / 3);
        o.signal.addEventListener('abort', wake, { once: true });
      });
    }
  } finally {
    clearTimeout(guard);
    if (o.metrics) o.metrics.balancing = false;
    if (ticker) clearInterval(ticker);
    // drain: every partition in hand finished and given back (all at once, the heartbeat going on
    // meanwhile), then leave the group
    for (const p of [...running.keys()]) stop(p, 'gave back');
    const beat = setInterval(() => {
      const now = Date.now();
      void o.leases
        .heartbeat(group, o.owner, now, o.ttlMs)
        .then(async (live) => {
          await o.leases.renew(group, o.owner, now, o.ttlMs);
          o.metrics?.beat(live, now);
        })
        .catch(() => undefined);
    }, o.ttlMs / 3);
    try {
      while (draining.size) await Promise.all([...draining.values()]);
    } finally {
      clearInterval(beat);
      connection.stop();
    }
    await o.adapt?.close();
    await o.leases.leave(group, o.owner).catch(() => undefined);
  }
  if (failure !== undefined) throw failure;
  return { ...totals, seconds: (performance.now() - t0) / 1000, moves };
}
