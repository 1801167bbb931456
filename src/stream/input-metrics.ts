/**
 * What `stream --stdin`, `--follow FILE` and `--interface IF` show on their metrics port: the
 * series of the JetStream worker (WorkerMetrics, counted the same way by runStdinWorker) that mean
 * something for an input read in order, once, with nothing to acknowledge.
 *
 * Left out because they cannot apply: consumer lag/pending (no consumer: what is not yet read
 * lies in the pipe, the file or the kernel's capture buffer), the latency histogram (it is
 * stream-stored → acknowledged; a line or packet carries no time it was queued at), NATS
 * connection, reconnects, redeliveries and ack/publish errors (no NATS), and store
 * errors and `stalled` (these inputs do not retry a failed store write: the worker stops with the
 * error). A "message" here is one scored batch (--batch-rows rows, or what a followed file or a
 * capture had ready).
 *
 * Readiness: reading its input, from the first read to the end of the input (or SIGTERM).
 */
import { RETRAINS_SKIPPED, WorkerMetrics, escapeLabel, writeMetric, type MetricsView, type ScrapeState } from './worker-metrics.js';

export class InputMetrics implements MetricsView {
  constructor(
    readonly counts: WorkerMetrics,
    /** 'stdin', 'follow' or 'interface', a label of netsentinel_stream_input_info */
    readonly input: string,
  ) {}

  notReady(_s: ScrapeState): string {
    return this.counts.ready ? '' : 'not reading its input (starting, or the input ended: finishing)';
  }

  render(worker: string, s: ScrapeState): string {
    const m = this.counts;
    const w = `worker="${escapeLabel(worker)}"`;
    const out: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]): void => writeMetric(out, w, name, type, help, samples);
    metric('netsentinel_stream_input_info', 'gauge', 'where the worker reads flows (stdin, follow, interface)', [[`input="${escapeLabel(this.input)}"`, 1]]);
    metric('netsentinel_stream_messages_total', 'counter', 'batches of flows scored and committed', [['', m.messages]]);
    metric('netsentinel_stream_flows_total', 'counter', 'flows scored (rate() of it is flows per second)', [['', m.flows]]);
    metric('netsentinel_stream_findings_total', 'counter', 'rule findings closed', [['', m.findings]]);
    metric('netsentinel_stream_rejected_total', 'counter', 'input lines left out: not readable, or a flow the model cannot score (each said on stderr)', [['', m.rejected]]);
    metric('netsentinel_stream_flow_alerts_suppressed_total', 'counter', "risky flows given no alert of their own by the per-source flow-alert limit (counted in their source's risky-source alert)", [['', m.flowAlertsSuppressed]]);
    metric('netsentinel_stream_alerts_total', 'counter', 'alerts raised, by Suricata severity (1 highest)', [...m.alertsBySeverity.entries()].sort((a, b) => a[0] - b[0]).map(([sev, n]) => [`severity="${sev}"`, n]));
    metric('netsentinel_stream_decisions_total', 'counter', 'decisions the respond policy stored', [['', m.decisions]]);
    metric('netsentinel_stream_state_evictions_total', 'counter', 'entries dropped from bounded in-memory sets, by set', [...m.evictions.entries()].map(([k, n]) => [`set="${escapeLabel(k)}"`, n]));
    if (m.retrainsSkipped !== undefined) metric(RETRAINS_SKIPPED[0], 'counter', RETRAINS_SKIPPED[1], [['', m.retrainsSkipped]]);
    metric('netsentinel_stream_ready', 'gauge', '1 while reading its input', [['', this.notReady(s) ? 0 : 1]]);
    metric('netsentinel_stream_uptime_seconds', 'gauge', 'seconds since the worker started', [['', (Date.now() - m.startedAt) / 1000]]);
    return out.join('\n') + '\n';
  }
}
