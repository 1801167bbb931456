/**
 * `analyze --respond`: the policy as one more sink of the analysis pipeline. It runs at commit,
 * once every output of the run is in place, over the run's risky sources and rule findings (with
 * their own Suricata severities), and does exactly what `netsentinel respond OUTDIR` does: decisions
 * into the store, blocklist files beside the other outputs, and (when applying) alerts through
 * the outbox. Detection stays unaware of it: the sink only reads the finished result.
 */
import type { Sink } from '../analysis/sink.js';
import type { Finding } from '../detect/finding.js';
import type { AnalysisResult } from '../report/analysis-result.js';
import type { Allowlist } from './allowlist.js';
import type { NotifyConfig } from './notify/notify-config.js';
import { attacksOn, withAttacks, withTargeted, type FindingTargetsIn, type RuleEvidence, type SourceEvidence } from './policy.js';
import type { RespondConfig } from './respond-config.js';
import { respond, type RespondResult } from './respond-run.js';

/** The policy's input from an analysis result: risky sources plus every source a rule found. */
export function sourcesFromResult(r: AnalysisResult): SourceEvidence[] {
  const rules = new Map<string, RuleEvidence[]>();
  for (const f of r.findings) {
    if (!f.srcIp) continue;
    const list = rules.get(f.srcIp) ?? [];
    list.push({ ruleId: f.ruleId, severity: f.severity, reason: f.reason });
    rules.set(f.srcIp, list);
  }
  // without a baseline the risk was fitted on this very input: weaker evidence (policy.ts)
  const selfFitted = r.mode === 'self-fitted';
  const out: SourceEvidence[] = r.riskyIps.map((ip) => ({ ip: ip.ip, risk: ip.risk, reasons: ip.reasons, rules: rules.get(ip.ip), selfFitted, attackClasses: Object.keys(ip.attackClasses), ...(ip.floodSender ? { floodSender: true } : {}) }));
  for (const [ip, list] of rules) if (!r.riskyIps.some((x) => x.ip === ip)) out.push({ ip, rules: list, selfFitted });
  const targets = findingTargets(r.findings);
  return withTargeted(withAttacks(out, attacksOn(targets)), targets);
}

/** Findings as attacksOn and withTargeted read them: who, which rule, its category, its targets, its severity and sentence. */
export function findingTargets(findings: readonly Finding[]): FindingTargetsIn[] {
  return findings.map((f) => ({ srcIp: f.srcIp, ruleId: f.ruleId, category: f.category, targets: f.targets.ips, severity: f.severity, reason: f.reason, ...(f.srcMacs ? { srcMacs: f.srcMacs } : {}), ...(f.targets.macs ? { targetMacs: f.targets.macs } : {}) }));
}

export interface RespondSinkOptions {
  readonly config: RespondConfig;
  readonly notify: NotifyConfig;
  readonly allowlist: Allowlist;
  readonly store: string;
  readonly apply: boolean;
  readonly onProblem?: (line: string) => void;
}

export function respondSink(o: RespondSinkOptions): Sink & { readonly outcome: () => RespondResult | undefined } {
  let dir = '.';
  let outcome: RespondResult | undefined;
  return {
    name: 'respond',
    outcome: () => outcome,
    async open(info) {
      dir = info.outDir;
    },
    async commit(result) {
      outcome = await respond({ sources: sourcesFromResult(result), origin: `analyze:${result.startedAt}`, config: o.config, notify: o.notify, allowlist: o.allowlist, store: o.store, apply: o.apply, outDir: dir, onProblem: o.onProblem });
    },
  };
}
