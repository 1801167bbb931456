/**
 * What `netsentinel capture` prints on stdout while it runs: one line per alert as it is raised (a
 * finding when its episode closes, each risky source when its window closes (live-source-windows.ts;
 * at the end with --source-window 0), and with --print-flows each risky flow
 * as its batch is scored), as text or, with --json, as the EVE record that alerts.jsonl holds (one
 * JSON object per line, so `jq` or a log shipper can follow it). It is a sink of the analysis
 * pipeline, plus a callback for findings that close mid-run; a finding printed when it closed is not
 * printed again when the pipeline raises every finding's alert at the end.
 *
 * A finding also gets a first line the moment a detector crosses its threshold, while its episode
 * is still open (a scan can go on for minutes): "opened:" before its title, or with --json the
 * same record with `event_type` "finding_opened", so that whoever counts alerts (event_type
 * "alert") counts each finding once, by its closing line.
 *
 * A flood from forged random sources opens a `spoofing.bogon-source` finding per forged bogon
 * address (a thousand lines in two seconds); analyze folds them per target at the end
 * (detect/fold-source-findings.ts). Live, the first FOLD_MIN_SOURCES sources towards a host are
 * printed as they come, then one line says the rest are folded (text only: --json prints only EVE
 * records), and their own lines are left out; the folded finding prints at the end.
 */
import type { Sink } from '../analysis/sink.js';
import { findingAlert, type Alert } from '../analysis/alerts.js';
import type { Finding } from '../detect/finding.js';
import { FOLD_MIN_SOURCES, foldGroup } from '../detect/fold-source-findings.js';

export interface LiveAlertLines {
  readonly sink: Sink;
  /** findings closed mid-run (AnalysisOptions.onFindings) */
  onFindings(findings: readonly Finding[]): void;
  /** findings whose threshold was just crossed, still open (AnalysisOptions.onOpened, the packet detectors' opened()) */
  onOpened(findings: readonly Finding[]): void;
  /**
   * risky-source alerts of windows that closed mid-run (live-source-windows.ts): printed at once;
   * with them on, the pipeline's own risky-source alerts at the end (over the whole capture, for
   * -o's outputs and the store) are not printed again
   */
  onSourceAlerts(alerts: readonly Alert[]): void;
  /** lines printed, by kind; `folded`: findings of a folded rule not printed (their sources beyond the first towards a host) */
  readonly counts: { flows: number; findings: number; sources: number; opened: number; folded: number };
}

/** sources remembered per folded rule and target (a capture runs for weeks: past this, later sources count as folded) */
const FOLD_SOURCES_KEPT = 100_000;

export function liveAlertLines(print: (line: string) => void, json: boolean, printFlows: boolean, sourcesLive = false): LiveAlertLines {
  const printed = new Set<string>();
  const counts = { flows: 0, findings: 0, sources: 0, opened: 0, folded: 0 };
  // per folded rule and target: each source seen, and its place in the order first seen
  const foldSources = new Map<string, Map<string, number>>();
  let kept = 0;
  /** whether `f` is one more source towards a host that already had FOLD_MIN_SOURCES: not printed */
  const folds = (f: Finding): boolean => {
    const k = foldGroup(f);
    if (k === null || f.srcIp === null) return false;
    let seen = foldSources.get(k);
    if (!seen) foldSources.set(k, (seen = new Map()));
    let place = seen.get(f.srcIp);
    if (place === undefined) {
      if (kept >= FOLD_SOURCES_KEPT) return true;
      place = seen.size;
      seen.set(f.srcIp, place);
      kept++;
      if (place === FOLD_MIN_SOURCES && !json) print(`more than ${FOLD_MIN_SOURCES} sources that cannot be on a wire towards ${f.targets.ips[0]} (forged addresses, a flood from random sources): the rest are folded into one finding at the end`);
    }
    // the first ones stay printed as they were (opened and closed): only the sources beyond them are folded
    return place >= FOLD_MIN_SOURCES;
  };
  const show = (a: Alert): void => {
    if (printed.has(a.key)) return;
    printed.add(a.key);
    const source = String(a.input.source);
    if (source.startsWith('rule:')) counts.findings++;
    else if (isSourceAlert(source)) counts.sources++;
    else {
      counts.flows++;
      if (!printFlows) return;
    }
    print(json ? a.json : alertText(a));
  };
  return {
    counts,
    onFindings(findings) {
      const now = Date.now();
      for (const f of findings) {
        if (folds(f)) counts.folded++;
        else show(findingAlert(f, now));
      }
    },
    onOpened(findings) {
      const now = Date.now();
      for (const f of findings) {
        if (folds(f)) {
          counts.folded++;
          continue;
        }
        const a = findingAlert(f, now);
        counts.opened++;
        print(json ? JSON.stringify({ ...a.record, event_type: 'finding_opened' }) : alertText(a, 'opened: '));
      }
    },
    onSourceAlerts(alerts) {
      for (const a of alerts) show(a);
    },
    sink: {
      name: 'live alert lines',
      async alerts(list) {
        for (const a of list) if (!(sourcesLive && isSourceAlert(String(a.input.source)))) show(a);
      },
    },
  };
}

/** a risky source's alert, or the folded one of a flood's senders (before, that one was counted as a flow alert and not printed) */
function isSourceAlert(source: string): boolean {
  return source === 'risk:ip' || source === 'risk:flood-senders';
}

/** One alert as a line: time, severity, what, who → whom, and the first reason. */
export function alertText(a: Alert, label = ''): string {
  const r = a.record as { timestamp: string; src_ip?: string; src_port?: number; dest_ip?: string; dest_port?: number; proto?: string; alert: { signature: string; severity: number } };
  const ns = a.input.netsentinel as { risk?: number; reasons?: readonly string[]; window?: { start: string; seconds: number } };
  const end = (ip: string | undefined, port: number | undefined): string => (ip === undefined ? '' : port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  const src = end(r.src_ip, r.src_port);
  const dst = end(r.dest_ip, r.dest_port);
  const who = src && dst ? `${src} → ${dst}` : src || (dst ? `→ ${dst}` : '');
  // a risky source judged over a window of flow time (capture's --source-window) says which
  const w = ns.window;
  const what = label + r.alert.signature.replace(/^netsentinel: /, '') + (w ? ` in the ${w.seconds} s from ${w.start.slice(11, 19)}` : '');
  const reason = ns.reasons?.[0];
  return [r.timestamp, `severity ${r.alert.severity}`, what, who, r.proto ?? '', ns.risk !== undefined ? `risk ${ns.risk}` : '', reason ? `- ${reason}` : '']
    .filter((x) => x !== '')
    .join('  ');
}
