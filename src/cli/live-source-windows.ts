/**
 * `capture`'s risky sources while it runs. analyze judges each source once, over the whole input;
 * a capture that runs for a week told of an anomalous host (one with no rule finding: nothing
 * printed for it mid-run) only at Ctrl-C. Here each source is judged per window of flow time
 * (`--source-window`, 300 s by default), as the streaming worker judges it (stream/source-windows.ts,
 * the same aggregation and the same alert keys; flood senders folded per flooded host the same
 * way, stream/window-alerts.ts), and its risky-source alert is printed when the window closes:
 * when a later flow of the source comes past it, when the capture's clock has passed its end by
 * the flow meter's two timeouts and two batches (no flow of it can still come: a source that went
 * quiet is told within window + idle + active timeout + 2 batches, about 9 minutes by default), or
 * when the capture ends.
 *
 * A sink of the one analysis pipeline: it reads each scored batch after the rules saw it, with the
 * findings that closed in that batch (joined to the source's window, as analyze joins them to its
 * row). At the end the windows still open close with the findings only the end makes (the packet
 * detectors', the episodes still open). analyze's whole-capture risky sources still go to -o's
 * outputs and the store; the lines printed are the windows'.
 */
import type { Alert } from '../analysis/alerts.js';
import { FlowAlertGate, type FlowAlertLimitSettings } from '../analysis/flow-alert-limit.js';
import type { Sink } from '../analysis/sink.js';
import type { Finding } from '../detect/finding.js';
import { SourceWindows, SUPPRESSED, WRITTEN } from '../stream/source-windows.js';
import { windowAlerts } from '../stream/window-alerts.js';
import { BoundedKeys } from '../stream/bounded-keys.js';

export interface LiveSourceWindowOptions {
  readonly windowSeconds: number;
  readonly maxSources: number;
  readonly ipThreshold: number;
  readonly flowThreshold: number;
  readonly ruleWeight: number;
  /** the per-source (and per-target) flow-alert limit: its per-target part tells the flood senders */
  readonly flowAlertLimit?: FlowAlertLimitSettings;
  /** senders named in a folded flood alert (rules limits.sampleSize) */
  readonly sampleSize: number;
  /** how late a flow can start behind the capture's clock: the flow meter's idle plus active timeout, plus the batches' hand-over, ms */
  readonly lateMs: number;
  /** the alerts of windows that closed (printed, and handed to the response policy) */
  readonly emit: (alerts: readonly Alert[]) => void;
  /** open windows evicted over maxSources (counted; said by the caller) */
  readonly onEvict?: (n: number) => void;
}

export interface LiveSourceWindows {
  readonly sink: Sink;
  /** findings closed mid-run (AnalysisOptions.onFindings): joined to their source's window with the batch they closed in */
  onFindings(findings: readonly Finding[]): void;
  /** risky-source alerts raised, and windows evicted */
  readonly counts: { alerts: number; evicted: number };
}

export function liveSourceWindows(o: LiveSourceWindowOptions): LiveSourceWindows {
  const counts = { alerts: 0, evicted: 0 };
  const windows = new SourceWindows({
    windowMs: o.windowSeconds * 1000,
    maxSources: o.maxSources,
    ipThreshold: o.ipThreshold,
    ruleWeight: o.ruleWeight,
    onEvict: (n) => {
      counts.evicted += n;
      o.onEvict?.(n);
    },
    countFlowAlerts: o.flowAlertLimit !== undefined,
  });
  // this gate decides nothing printed: it mirrors the risky flows' fate per source (the windows'
  // flowAlerts counts) and knows the flood senders; no global cap, as in a worker
  const gate = new FlowAlertGate(o.flowAlertLimit, 0, { maxSources: o.maxSources });
  const alertOptions = { gate, sampleSize: o.sampleSize, sourceless: '' };
  // findings closed since the last batch, and the keys of every finding joined (the end joins only the rest)
  let pending: Finding[] = [];
  const joined = new Set<string>();
  let clock = -Infinity;
  // a window's alert once: a flow later than the clock allowed for (the capture program held it)
  // opens its closed window again, whose alert has the same key (bounded: a capture runs for weeks)
  const raised = new BoundedKeys(o.maxSources);
  const raise = (rows: ReturnType<SourceWindows['add']>, now: number): void => {
    if (!rows.length) return;
    const made: Alert[] = [];
    windowAlerts(windows, rows, alertOptions, now, made);
    const alerts = made.filter((a) => raised.add(a.key));
    counts.alerts += alerts.length;
    if (alerts.length) o.emit(alerts);
  };
  return {
    counts,
    onFindings(findings) {
      for (const f of findings) joined.add(findingKey(f));
      pending.push(...findings);
    },
    sink: {
      name: 'live risky sources',
      async batch(scored) {
        let decisions: Uint8Array | undefined;
        if (gate.limited) {
          decisions = new Uint8Array(scored.rows);
          for (let r = 0; r < scored.rows; r++) {
            if (!(scored.risk[r] >= o.flowThreshold)) continue;
            decisions[r] = gate.decide(scored.srcIp(r), scored.time(r), scored.dstIp(r)) === 'written' ? WRITTEN : SUPPRESSED;
          }
        }
        for (let r = 0; r < scored.rows; r++) {
          const t = scored.time(r);
          if (t > clock) clock = t;
        }
        const now = Date.now();
        const findings = pending;
        pending = [];
        // the rules engine numbers rows as the pipeline does (scored.rowOffset): findings cut the batch where they closed
        raise(windows.add(scored, findings, decisions, scored.rowOffset), now);
        raise(windows.closeEnded(clock - o.lateMs), now);
      },
      async finish(ctx) {
        // the findings the end made (packet detectors, episodes still open), and any told after the last batch
        const rest = [...pending, ...ctx.result.findings.filter((f) => !joined.has(findingKey(f)))];
        pending = [];
        raise(windows.finish(rest), Date.now());
      },
    },
  };
}

/** one finding's identity across its versions (a closed episode is told once, with its final counts) */
function findingKey(f: Finding): string {
  return `${f.ruleId}|${f.srcIp ?? ''}|${f.firstSeen ?? ''}|${f.targets.ips[0] ?? ''}`;
}
