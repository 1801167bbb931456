/**
 * `capture --respond`: the response policy while the capture runs, not only once it ends. A scan
 * on a live interface can go on for minutes and a capture for weeks; waiting for Ctrl-C and then
 * running `respond OUT` tells nobody in time. Here each finding is handed to the policy the moment
 * it is printed (a packet detector crossing its threshold, a rule's episode opening or closing):
 * its source is decided on (a ban, an alert), its alert queued and sent, and the decision printed;
 * so is each risky source when its window closes (cli/live-source-windows.ts). At the end the
 * whole result (analyze's risky sources over the whole capture too) goes through the policy once
 * more, exactly as `analyze --respond`: blocklist files with -o, and only what is new, since the
 * decisions made live suppress their repeats (respond.suppress).
 *
 * One policy run at a time, in the order the findings came: a finding opened and closed within one
 * poll is decided once, not twice by two runs that each found nothing recent. Each run is given
 * every finding printed so far about the sources (or targets) it concerns, the latest version of
 * each: a scan found by the SYN watch and then by the port-scan rule is one source with two
 * reasons, judged as analyze judges it (one decision, its reason the most severe driver), not a
 * second ban and alert for the same scan. A finding of higher severity still makes a new decision
 * (respond.suppress: one per address, type and reason).
 *
 * Delivery runs beside the decisions, not in their way: a live run queues its alerts in the outbox
 * and returns; the responder delivers them in the background (respond/notify/background-delivery.ts,
 * as the service's announcer and the streaming worker). A webhook that hangs or an SMTP
 * server timing out (4 tries of 5 s by default) held every later decision behind it: the next
 * scanner's ban waited for the first one's alert. The end's respond flushes what still waits and
 * its exit status says what could not be delivered.
 *
 * Not decided live: findings of the rules folded per target at the end (`spoofing.bogon-source`:
 * a flood from forged random sources opens one per forged bogon address, thousands in seconds).
 * Each would be a ban of an address nobody has and an alert; the end decides on them as analyze
 * does (folded into one alert about the flooded host, or one by one when few). The live runs share
 * the stream worker's responder (stream/stream-respond.ts: its stores opened once and kept), the end
 * is analyze's respond sink (respond-hook.ts). Dry run unless --apply or respond.apply, as everywhere.
 */
import type { Alert } from '../../analysis/alerts.js';
import type { Finding } from '../../detect/finding.js';
import { foldGroup } from '../../detect/fold-source-findings.js';
import type { StreamResponder } from '../../stream/stream-respond.js';
import { decisionStoreOf } from '../store-choice.js';
import { respondSinkFromArgs, type RespondHook } from './respond-hook.js';

/** sources (or targets) whose findings are remembered for the next policy runs: ~1 KB each */
const SUBJECTS_KEPT = 10_000;
/** findings remembered per source (a sweep's findings, one per host, the latest) */
const FINDINGS_PER_SUBJECT = 32;

export interface CaptureResponder {
  /** findings just printed (opened or closed): queued for the policy */
  onFindings(findings: readonly Finding[]): void;
  /** risky-source alerts of windows just closed (live-source-windows.ts): queued for the policy, with the sources' findings printed so far */
  onSourceAlerts(alerts: readonly Alert[]): void;
  /** the end: analyze's respond sink, run once the live decisions are all made */
  readonly sink: RespondHook;
  /** acting for real (--apply or respond.apply), else a dry run */
  readonly apply: boolean;
  /** decisions made while the capture ran, and notifications queued for them */
  readonly totals: { readonly decisions: number; readonly queued: number };
  /** wait for the queued policy runs and close the stores they opened */
  close(): Promise<void>;
}

/**
 * `print`: a result line on stdout; each decision made while the capture runs is one ("decided: ...",
 * or with `json` a "decision" record: the decision's fields). The respond modules are loaded here,
 * only with --respond.
 */
export async function captureResponder(v: Record<string, unknown>, storeLocation: string, print: (line: string) => void, json: boolean): Promise<CaptureResponder> {
  const [{ streamResponder }, { loadRespondSettings }, { buildAllowlist }, { decisionLine, problem: onProblem }] = await Promise.all([
    import('../../stream/stream-respond.js'),
    import('../../respond/respond-settings.js'),
    import('../../respond/allowlist.js'),
    import('./respond-common.js'),
  ]);
  const settings = loadRespondSettings({ configFile: v.config as string | undefined, envFile: v.envFile as string | undefined });
  const r = settings.respond;
  const allowlist = await buildAllowlist({ entries: r.allowlist, defaults: r.allowlistDefaults, gateways: r.gateways, resolvers: r.resolvers, where: `${settings.file ?? 'configuration'}: respond.allowlist` });
  const apply = Boolean(v.apply) || r.apply;
  const store = decisionStoreOf(storeLocation, settings.store, settings.files);
  // its alerts delivered in the background (a channel down: retried after a wait; the end flushes again)
  const live: StreamResponder = streamResponder({ config: r, notify: settings.notify, allowlist, store, apply, onProblem });
  const origin = `capture:${new Date().toISOString()}`;
  const end = await respondSinkFromArgs(v, storeLocation);
  // every finding printed so far, by what it is about (its source, else its MAC, else its first
  // target), then by rule and first target (a later version replaces an earlier one): bounded
  const known = new Map<string, Map<string, Finding>>();
  const aboutOf = (f: Finding): string => f.srcIp ?? f.srcMacs?.[0] ?? `target ${f.targets.ips[0] ?? f.targets.macs?.[0] ?? f.ruleId}`;
  const withEarlier = (findings: readonly Finding[]): Finding[] => {
    const touched = new Set<string>();
    for (const f of findings) {
      const about = aboutOf(f);
      let list = known.get(about);
      if (list) known.delete(about); // re-inserted last: the oldest subject is dropped first
      else list = new Map();
      known.set(about, list);
      const k = `${f.ruleId} ${f.targets.ips[0] ?? f.targets.macs?.[0] ?? ''}`;
      list.delete(k);
      list.set(k, f);
      // a source's findings of one rule about many hosts: the latest ones
      for (const [old] of list) {
        if (list.size <= FINDINGS_PER_SUBJECT) break;
        list.delete(old);
      }
      touched.add(about);
    }
    for (const [about] of known) {
      if (known.size <= SUBJECTS_KEPT) break;
      if (!touched.has(about)) known.delete(about);
    }
    return [...touched].flatMap((about) => [...(known.get(about)?.values() ?? [])]);
  };
  let queue: Promise<void> = Promise.resolve();
  // one policy run, after the ones queued before it; its decisions printed
  const decide = (alerts: readonly Alert[], findings: () => readonly Finding[]): void => {
    queue = queue.then(async () => {
      try {
        const made = await live.respondTo(origin, alerts, findings());
        for (const d of made?.decisions ?? []) print(json ? JSON.stringify({ event_type: 'decision', ...d }) : `decided: ${decisionLine(d)}`);
      } catch (e) {
        // a store or channel down mid-capture: said, and the capture goes on (the end tries again)
        onProblem(`respond: ${(e as Error).message}`);
      }
    });
  };
  const settled = async (): Promise<void> => {
    // a finding queued while the last one was decided is decided after it; then what it queued is delivered
    for (let seen: Promise<void> | undefined; seen !== queue; ) await (seen = queue);
    await live.idle();
  };
  return {
    apply,
    totals: live.totals,
    onFindings(all) {
      const findings = all.filter((f) => foldGroup(f) === null);
      if (!findings.length) return;
      decide([], () => withEarlier(findings));
    },
    onSourceAlerts(alerts) {
      if (!alerts.length) return;
      // each risky source with what it was found doing (its findings printed so far: the policy's rule evidence)
      decide(alerts, () => alerts.flatMap((a) => [...(known.get(String(a.input.srcIp)) ?? new Map<string, Finding>()).values()]));
    },
    sink: {
      ...end,
      async commit(result) {
        await settled();
        await end.commit!(result);
      },
    },
    async close() {
      await settled();
      // what still waits was said by the end's respond (its exit status too)
      await live.close();
    },
  };
}
