/**
 * What one streaming worker counts for its operator, in Prometheus' text exposition format
 * (version 0.0.4): counters the worker bumps as it goes, a latency histogram (stream-stored →
 * acknowledged, per message), and gauges read when scraped (consumer lag and pending from
 * JetStream's consumer info, connection state, readiness). A `--balance` worker keeps one per
 * partition and shows their sum (add) with its lease state (balanced-metrics.ts).
 *
 * Written here rather than with prom-client (not a dependency): a dozen series in a fixed text
 * format do not justify one; the histogram is cumulative buckets, _sum and _count as the format asks.
 */

/** seconds; from a fast loopback commit to a worker stalled by an outage */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface ConsumerGauge {
  readonly consumer: string;
  /** with --balance: the partition the consumer reads (also a label) */
  readonly partition?: number;
  /** messages not yet delivered to the worker */
  readonly pending: number;
  /** delivered, not yet acknowledged */
  readonly ackPending: number;
  readonly redelivered: number;
}

/** Read on each scrape; absent parts are reported as unknown (no sample), never as zero. */
export interface ScrapeState {
  readonly natsConnected: boolean;
  readonly consumers?: readonly ConsumerGauge[];
}

/** What the metrics server shows: the exposition text, and why the worker is not ready ('' when it is). */
export interface MetricsView {
  render(worker: string, s: ScrapeState): string;
  notReady(s: ScrapeState): string;
}

/** the counters one worker bumps; summed when several runs make one worker (--balance: one per partition) */
const COUNTERS = ['messages', 'flows', 'redelivered', 'rejected', 'findings', 'flowAlertsSuppressed', 'storeErrors', 'publishErrors', 'ackErrors', 'reconnects', 'disconnects', 'consumerRestarts', 'decisions', 'respondErrors'] as const;

export class WorkerMetrics implements MetricsView {
  messages = 0;
  flows = 0;
  redelivered = 0;
  rejected = 0;
  findings = 0;
  /** risky flows given no flow alert of their own by the per-source limit */
  flowAlertsSuppressed = 0;
  storeErrors = 0;
  publishErrors = 0;
  ackErrors = 0;
  reconnects = 0;
  disconnects = 0;
  consumerRestarts = 0;
  decisions = 0;
  respondErrors = 0;
  /**
   * scheduled retrains (--retrain-every, --retrain-on-drift) that did not happen for want of clean
   * flows; undefined (no series) when the worker does not retrain
   */
  retrainsSkipped: number | undefined = undefined;
  /** bounded-state evictions, by which set ("findings", "sources", "flow-alert-sources") */
  readonly evictions = new Map<string, number>();
  readonly alertsBySeverity = new Map<number, number>();
  /** consumers attached and consuming: the worker is ready */
  ready = false;
  /** the last commit failed and is being retried */
  stalled = false;
  startedAt = Date.now();
  private readonly buckets = new Float64Array(LATENCY_BUCKETS.length);
  private latencySum = 0;
  private latencyCount = 0;

  latency(seconds: number): void {
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]) this.buckets[i]++;
    this.latencySum += seconds;
    this.latencyCount++;
  }

  alert(severity: number): void {
    this.alertsBySeverity.set(severity, (this.alertsBySeverity.get(severity) ?? 0) + 1);
  }

  evicted(set: string, n = 1): void {
    this.evictions.set(set, (this.evictions.get(set) ?? 0) + n);
  }

  /** adds `o`'s counters, alerts, evictions and latency histogram to these (readiness is not summed; started: the earlier) */
  add(o: WorkerMetrics): this {
    this.startedAt = Math.min(this.startedAt, o.startedAt);
    for (const k of COUNTERS) this[k] += o[k];
    if (o.retrainsSkipped !== undefined) this.retrainsSkipped = (this.retrainsSkipped ?? 0) + o.retrainsSkipped;
    for (const [set, n] of o.evictions) this.evicted(set, n);
    for (const [sev, n] of o.alertsBySeverity) this.alertsBySeverity.set(sev, (this.alertsBySeverity.get(sev) ?? 0) + n);
    for (let i = 0; i < this.buckets.length; i++) this.buckets[i] += o.buckets[i];
    this.latencySum += o.latencySum;
    this.latencyCount += o.latencyCount;
    return this;
  }

  notReady(s: ScrapeState): string {
    return !this.ready ? 'not consuming yet (starting, rebuilding rule state or draining)' : !s.natsConnected ? 'not connected to NATS' : this.stalled ? 'a commit is failing and being retried (store or NATS unreachable)' : '';
  }

  /** The exposition text; `worker` labels every series so several workers can share one scrape job. */
  render(worker: string, s: ScrapeState): string {
    const w = `worker="${escapeLabel(worker)}"`;
    const out: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]): void => writeMetric(out, w, name, type, help, samples);
    metric('netsentinel_stream_messages_total', 'counter', 'flow messages scored, committed and acknowledged', [['', this.messages]]);
    metric('netsentinel_stream_flows_total', 'counter', 'flows scored (rate() of it is flows per second)', [['', this.flows]]);
    metric('netsentinel_stream_redelivered_total', 'counter', 'messages JetStream delivered again', [['', this.redelivered]]);
    metric('netsentinel_stream_rejected_total', 'counter', 'messages that could not be decoded (terminated)', [['', this.rejected]]);
    metric('netsentinel_stream_findings_total', 'counter', 'rule findings closed', [['', this.findings]]);
    metric('netsentinel_stream_flow_alerts_suppressed_total', 'counter', 'risky flows given no alert of their own by the per-source flow-alert limit (counted in their source\'s risky-source alert)', [['', this.flowAlertsSuppressed]]);
    metric(
      'netsentinel_stream_alerts_total',
      'counter',
      'alerts raised, by Suricata severity (1 highest)',
      [...this.alertsBySeverity.entries()].sort((a, b) => a[0] - b[0]).map(([sev, n]) => [`severity="${sev}"`, n]),
    );
    metric('netsentinel_stream_store_errors_total', 'counter', 'failed store commits (each retried)', [['', this.storeErrors]]);
    metric('netsentinel_stream_publish_errors_total', 'counter', 'failed publishes of results to JetStream (each retried)', [['', this.publishErrors]]);
    metric('netsentinel_stream_ack_errors_total', 'counter', 'acknowledgements that failed (the message comes back and is acknowledged again)', [['', this.ackErrors]]);
    metric('netsentinel_stream_respond_errors_total', 'counter', 'failed policy/outbox steps (each retried)', [['', this.respondErrors]]);
    metric('netsentinel_stream_decisions_total', 'counter', 'decisions the respond policy stored', [['', this.decisions]]);
    metric('netsentinel_stream_nats_reconnects_total', 'counter', 'reconnections to NATS', [['', this.reconnects]]);
    metric('netsentinel_stream_nats_disconnects_total', 'counter', 'losses of the NATS connection', [['', this.disconnects]]);
    metric('netsentinel_stream_consumer_restarts_total', 'counter', 'times a consumer subscription was started again after it ended', [['', this.consumerRestarts]]);
    metric('netsentinel_stream_state_evictions_total', 'counter', 'entries dropped from bounded in-memory sets, by set', [...this.evictions.entries()].map(([k, n]) => [`set="${escapeLabel(k)}"`, n]));
    if (this.retrainsSkipped !== undefined) metric(RETRAINS_SKIPPED[0], 'counter', RETRAINS_SKIPPED[1], [['', this.retrainsSkipped]]);
    out.push('# HELP netsentinel_stream_latency_seconds per message, from the stream storing it to its acknowledgement after commit', '# TYPE netsentinel_stream_latency_seconds histogram');
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) out.push(`netsentinel_stream_latency_seconds_bucket{${w},le="${LATENCY_BUCKETS[i]}"} ${this.buckets[i]}`);
    out.push(`netsentinel_stream_latency_seconds_bucket{${w},le="+Inf"} ${this.latencyCount}`);
    out.push(`netsentinel_stream_latency_seconds_sum{${w}} ${this.latencySum}`, `netsentinel_stream_latency_seconds_count{${w}} ${this.latencyCount}`);
    metric('netsentinel_stream_nats_connected', 'gauge', '1 while connected to NATS', [['', s.natsConnected ? 1 : 0]]);
    metric('netsentinel_stream_ready', 'gauge', '1 while consuming and not stalled on a failing commit', [['', this.notReady(s) ? 0 : 1]]);
    metric('netsentinel_stream_stalled', 'gauge', '1 while a commit is failing and being retried (store or NATS unreachable)', [['', this.stalled ? 1 : 0]]);
    metric('netsentinel_stream_uptime_seconds', 'gauge', 'seconds since the worker started', [['', (Date.now() - this.startedAt) / 1000]]);
    if (s.consumers) {
      const of = (c: ConsumerGauge): string => `consumer="${escapeLabel(c.consumer)}"${c.partition === undefined ? '' : `,partition="${c.partition}"`}`;
      metric('netsentinel_stream_consumer_pending', 'gauge', 'messages of the consumer not yet delivered (lag)', s.consumers.map((c) => [of(c), c.pending]));
      metric('netsentinel_stream_consumer_ack_pending', 'gauge', 'messages delivered and not yet acknowledged', s.consumers.map((c) => [of(c), c.ackPending]));
      metric('netsentinel_stream_consumer_lag', 'gauge', 'pending plus ack pending: what the worker still has to do', s.consumers.map((c) => [of(c), c.pending + c.ackPending]));
    }
    return out.join('\n') + '\n';
  }
}

/** the series of WorkerMetrics.retrainsSkipped (also on an input's metrics port) */
export const RETRAINS_SKIPPED = ['netsentinel_stream_retrains_skipped_total', 'retrains due (--retrain-every, --retrain-on-drift) that did not happen: too few clean flows kept (each said on stderr)'] as const;

/** One metric's HELP, TYPE and samples; `w` (the worker label) comes first in every sample's labels. */
export function writeMetric(out: string[], w: string, name: string, type: 'counter' | 'gauge', help: string, samples: readonly [string, number][]): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, v] of samples) out.push(`${name}{${w}${labels ? ',' + labels : ''}} ${v}`);
}

export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
