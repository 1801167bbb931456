/**
 * What a `stream --balance` worker shows on its metrics port: the same series as a worker with
 * fixed partitions (WorkerMetrics), summed over the partitions it runs, plus its lease state.
 *
 * Each partition it takes runs as its own runWorker, counting into that partition's WorkerMetrics;
 * the object is kept when the partition is given back and counts on if it is taken again, so every
 * counter only grows however partitions move (a counter that fell at a move would read as a reset
 * to Prometheus' rate()). What belongs to the process rather than to a partition — the NATS
 * connection's losses, evictions from the scoring setup, respond decisions — is counted once, in
 * `process`.
 *
 * Readiness is the worker's, not every partition's: it is ready while it takes part in the group
 * (its lease heartbeat went through within the TTL), is connected to NATS and no partition it holds
 * is stalled on a failing commit. A worker holding no partition (more workers than partitions) is
 * ready — a standby that takes partitions when another leaves; a partition rebuilding its rule state
 * after a move shows as held but not consuming, without making the worker unready (its other
 * partitions are being consumed meanwhile).
 */
import { WorkerMetrics, escapeLabel, writeMetric, type MetricsView, type ScrapeState } from './worker-metrics.js';

export type MoveAction = 'took' | 'gave back' | 'lost';

export class BalancedMetrics implements MetricsView {
  /** one per partition ever run by this process, kept across moves */
  private readonly parts = new Map<number, WorkerMetrics>();
  /** partitions this worker runs ('running': starting or consuming) or is draining */
  private readonly held = new Map<number, 'running' | 'draining'>();
  private readonly moves = new Map<MoveAction, number>();
  /** live workers of the group at the last heartbeat */
  liveWorkers = 0;
  /** when the last heartbeat and renewal went through (0: not yet) */
  lastBeatMs = 0;
  /** taking part in the group: from the first lease round to the start of the drain */
  balancing = false;
  /** the last lease round failed and is being retried (the store unreachable) */
  leaseStoreDown = false;

  constructor(
    readonly partitionCount: number,
    /** this worker's name among its group (`durable@host:pid`) */
    readonly owner: string,
    readonly ttlMs: number,
    /** what the process counts once (connection, evictions, decisions) */
    readonly process: WorkerMetrics = new WorkerMetrics(),
  ) {}

  /** the metrics partition `p`'s worker counts into: the same object each time `p` is taken */
  partition(p: number): WorkerMetrics {
    let m = this.parts.get(p);
    if (!m) this.parts.set(p, (m = new WorkerMetrics()));
    return m;
  }

  took(p: number): void {
    this.held.set(p, 'running');
    this.moved('took');
  }

  draining(p: number): void {
    this.held.set(p, 'draining');
  }

  /** `p`'s drain is done: given back (its lease released) or lost (its lease expired under us) */
  released(p: number, action: Exclude<MoveAction, 'took'>): void {
    this.held.delete(p);
    this.moved(action);
  }

  beat(liveWorkers: number, nowMs: number): void {
    this.liveWorkers = liveWorkers;
    this.lastBeatMs = nowMs;
  }

  /** the partitions run or drained now, in order (their consumers' lag is read at each scrape) */
  heldPartitions(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  private moved(action: MoveAction): void {
    this.moves.set(action, (this.moves.get(action) ?? 0) + 1);
  }

  private stalledPartitions(): number[] {
    return this.heldPartitions().filter((p) => this.parts.get(p)?.stalled);
  }

  notReady(s: ScrapeState): string {
    if (!this.balancing) return 'not in the group (starting, or leaving it: draining)';
    if (!s.natsConnected) return 'not connected to NATS';
    if (this.leaseStoreDown) return 'the lease store is unreachable (the lease round is retried; partitions are stopped before their leases lapse)';
    if (Date.now() - this.lastBeatMs > this.ttlMs) return 'the lease heartbeat has not gone through for longer than the lease TTL (store unreachable)';
    const stalled = this.stalledPartitions();
    if (stalled.length) return `a commit of partition ${stalled.join(', ')} is failing and being retried (store or NATS unreachable)`;
    return '';
  }

  render(worker: string, s: ScrapeState): string {
    const total = new WorkerMetrics().add(this.process);
    for (const m of this.parts.values()) total.add(m);
    // the summed view answers for the worker: ready as notReady says, stalled when any partition is
    total.ready = this.notReady(s) === '';
    total.stalled = this.stalledPartitions().length > 0;
    const out = [total.render(worker, s).trimEnd()];
    const w = `worker="${escapeLabel(worker)}"`;
    const every = Array.from({ length: this.partitionCount }, (_, p) => p);
    const perPartition = (v: (p: number) => number): [string, number][] => every.map((p) => [`partition="${p}"`, v(p)]);
    const ran = [...this.parts.keys()].sort((a, b) => a - b);
    writeMetric(out, w, 'netsentinel_stream_worker_info', 'gauge', "this worker's name in its --balance group (durable@host:pid)", [[`owner="${escapeLabel(this.owner)}"`, 1]]);
    writeMetric(out, w, 'netsentinel_stream_partitions', 'gauge', 'partitions of the stream shared by the group (--balance N)', [['', this.partitionCount]]);
    writeMetric(out, w, 'netsentinel_stream_group_workers', 'gauge', 'live workers of the group at the last lease heartbeat', [['', this.liveWorkers]]);
    writeMetric(out, w, 'netsentinel_stream_lease_heartbeat_age_seconds', 'gauge', 'seconds since the lease heartbeat last went through (above the lease TTL: the partitions may be taken by others)', this.lastBeatMs ? [['', (Date.now() - this.lastBeatMs) / 1000]] : []);
    writeMetric(out, w, 'netsentinel_stream_partition_held', 'gauge', 'by partition: 1 while this worker runs or drains it (summed over the group, each partition should be 1)', perPartition((p) => (this.held.has(p) ? 1 : 0)));
    writeMetric(out, w, 'netsentinel_stream_partition_consuming', 'gauge', 'by partition: 1 while its consumer is attached and consuming (held but 0: rebuilding rule state after a move)', perPartition((p) => (this.held.get(p) === 'running' && this.parts.get(p)?.ready ? 1 : 0)));
    writeMetric(out, w, 'netsentinel_stream_partition_draining', 'gauge', 'by partition: 1 while being given back (message in hand finished, episodes closed, then its lease released)', perPartition((p) => (this.held.get(p) === 'draining' ? 1 : 0)));
    writeMetric(out, w, 'netsentinel_stream_partition_stalled', 'gauge', 'by partition: 1 while a commit of it is failing and being retried', perPartition((p) => (this.held.has(p) && this.parts.get(p)?.stalled ? 1 : 0)));
    writeMetric(out, w, 'netsentinel_stream_partition_messages_total', 'counter', 'by partition: flow messages this worker scored, committed and acknowledged', ran.map((p) => [`partition="${p}"`, this.parts.get(p)!.messages]));
    writeMetric(out, w, 'netsentinel_stream_partition_flows_total', 'counter', 'by partition: flows this worker scored', ran.map((p) => [`partition="${p}"`, this.parts.get(p)!.flows]));
    writeMetric(out, w, 'netsentinel_stream_partition_moves_total', 'counter', 'partitions taken, given back (drained, lease released) and lost (lease expired under this worker)', (['took', 'gave back', 'lost'] as const).map((a) => [`action="${a.replace(' ', '_')}"`, this.moves.get(a) ?? 0]));
    return out.join('\n') + '\n';
  }
}
