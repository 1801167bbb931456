/**
 * The policy: what detection found (per-source risk and reasons, rule findings, threat
 * intelligence) in; decisions out. Pure and synchronous: the caller passes the configuration,
 * the allowlist, the clock and the decisions already made recently (for suppression), so a dry
 * run, a test and a real run take exactly the same path and only the actions differ.
 *
 *  - severity: the most severe of (risk against `respond.severity`), (each rule finding: its
 *    configured floor or its own Suricata severity), (intel score against `respond.intelSeverity`);
 *    the driver of that severity is the decision's reason key.
 *  - actions: `respond.actions[severity]` → one decision per action type (ban, alert).
 *  - allowlist: a ban on an allowlisted address (or a range overlapping one) is never made; the
 *    alert still is, saying the address is allowlisted.
 *  - suppression: no new decision for the same address, type and reason key while one made within
 *    `respond.suppress` exists (and none twice in one run).
 *  - victims: an address another source scanned, brute-forced or flooded (`attackedBy`) is not
 *    banned when its own evidence is only its risk: a host under attack answers its attacker
 *    (a scanned host's resets, a web server's replies to a flood, flows whose first packet the
 *    meter saw from the server side), and those replies make it look unusual too. Banning it
 *    would cut off the service being attacked, so the ban waits for evidence that it attacks
 *    itself (a rule finding as source, threat intelligence) or for `respond.banTargets: true`;
 *    its alert is still made and says why it was not banned.
 *  - hosts under attack by nobody nameable: a finding with no source address (a flood from
 *    forged or many senders, forged bogon sources, ARP poisoning by a MAC without an address)
 *    makes an alert about each host it targets (reason key `target:RULE`, the rule's severity,
 *    `respond.actions` deciding whether an alert is made at that severity), never a ban: before,
 *    a SYN flood from forged sources reached nobody.
 *  - hosts known by MAC only: a finding with no source address whose source is a MAC (an evil
 *    twin's access points, an ARP poisoner with no address of its own) alerts about that MAC
 *    (scope 'mac', reason key `rule:RULE`), and one with no source at all that names its targets by
 *    MAC (a Wi-Fi deauthentication flood, its network's BSSID) alerts about them (`target:RULE`):
 *    before, such findings reached the report and alerts.jsonl but no decision, so no notification.
 *    Never a ban: blocklists, nftables and ipset sets hold IP addresses; the ban is skipped
 *    (`link-layer`) and said.
 *  - self-fitted runs: an analysis without a baseline fits its detectors on the very traffic it
 *    judges, so its risk says "unusual within this input", not "unusual against known-normal
 *    traffic": a host is unusual there merely for being unlike an attack that fills the input
 *    (on the CIC-IDS2017 sample, the benign 8.6.0.1 of 2 flows reached risk 0.99996 beside the
 *    Slowhttptest flood and was banned). A ban wants corroborated evidence, so a source whose only
 *    driver is such a risk, with no rule finding, no intel and no classifier attack class (a
 *    classifier is trained elsewhere, on labelled flows), is alerted on and not banned, and the
 *    alert says why; `respond.banSelfFitted: true` bans it. With a baseline the risk is evidence
 *    of its own: the per-source fusion counts a source's flows as correlated (src/risk/fusion.ts),
 *    so a risk of 0.9999 cannot come from the number of ordinary flows alone.
 *
 * Nothing here touches the network, the firewall or the store.
 */
import { createHash } from 'node:crypto';
import { formatIp, leadingZeroProblem, parseCidr } from '../detect/ip-address.js';
import type { Allowlist } from './allowlist.js';
import { unmapCidr } from './allowlist.js';
import { SEVERITIES, moreSevere, severityFromSuricata, severityRank, type Decision, type DecisionScope, type DecisionSeverity, type DecisionType } from './decision.js';
import type { RespondConfig } from './respond-config.js';

export interface RuleEvidence {
  readonly ruleId: string;
  /** Suricata's 1 (highest) … 4 */
  readonly severity: number;
  readonly reason: string;
}

export interface IntelEvidence {
  /** fused threat score, 0–100 (seed 002's scale) */
  readonly score: number;
  readonly reason: string;
}

/** Another source's finding that names this address as the one attacked. */
export interface AttackEvidence {
  /** the attacker; null when a finding is only about its target (a flood from many sources) */
  readonly by: string | null;
  readonly ruleId: string;
}

/** One source as detection (and intel) saw it. */
export interface SourceEvidence {
  /** an address or a CIDR; a MAC for a host known by it alone (its decisions are alerts, scope 'mac') */
  readonly ip: string;
  readonly risk?: number;
  readonly reasons?: readonly string[];
  readonly rules?: readonly RuleEvidence[];
  readonly intel?: IntelEvidence;
  /** findings of other sources whose target this address is (see `attacksOn`) */
  readonly attackedBy?: readonly AttackEvidence[];
  /** its risk comes from detectors fitted on the traffic being judged (analyze without a baseline) */
  readonly selfFitted?: boolean;
  /**
   * known only by risky flows towards one host whose per-target flow-alert limit held flows back,
   * nothing else against it (analyze folds its alert): one of many senders towards a flooded host,
   * forged in a flood from random addresses
   */
  readonly floodSender?: boolean;
  /** the attack classes a classifier gave its flows (none without a classifier) */
  readonly attackClasses?: readonly string[];
  /** findings that name no source address and this address as a target (see `withTargeted`) */
  readonly targeted?: readonly TargetFinding[];
}

/**
 * A finding with no source address, about a host it names as its target: a flood from many or
 * forged senders, forged bogon sources, ARP poisoning by a MAC with no address of its own. Nobody
 * can be banned for it, but the host under attack is worth a person's attention: an alert about it
 * (never a ban), reason key `target:RULE`.
 */
export interface TargetFinding {
  readonly ruleId: string;
  /** Suricata's 1 (highest) … 4 */
  readonly severity: number;
  readonly reason: string;
}

/**
 * Finding categories whose targets are victims: a scan, a brute force, a denial of service. Not
 * command-and-control (a beacon's target is the controller, an accomplice) nor spoofing/policy.
 * The categories are detect/finding.ts's; the EVE texts are what alerts.jsonl carries for them.
 */
/** why a flood sender gets no decision (policy, respond's text) */
export const FLOOD_SENDER_TEXT =
  "one of many senders towards a flooded host, known only by its risky flows towards a host whose flow-alert limit held flows back (analyze folded its alert): a flood from forged addresses sends from random ones, so its risk alone is no reason to ban or notify (respond.banFloodSenders: true does)";

const VICTIM_CATEGORIES: ReadonlySet<string> = new Set(['reconnaissance', 'credential-access', 'denial-of-service', 'Detection of a Network Scan', 'Attempted User Privilege Gain', 'Attempted Denial of Service']);

/**
 * Spoofing rules whose source, when it is not the target, is a host taking the target's address:
 * arp.ip-conflict names the spoofer (its own address) and the address it took (the victim, often the
 * gateway); arp.mac-many-ips and arp.gateway-poisoning name the spoofer's own address when it has
 * exactly one, their other targets the addresses it spoke for. Spoofing is otherwise no victim's category (packet.ip-conflict, gateway poisoning name no
 * attacker apart from the address), but here the target is the host impersonated, and a victim whose
 * traffic looked unusual (it is being redirected) was banned beside its spoofer on its risk alone.
 */
const SPOOFED_VICTIM_RULES: ReadonlySet<string> = new Set(['arp.ip-conflict', 'arp.mac-many-ips', 'arp.gateway-poisoning']);

/**
 * Rules whose source is the address packets were sent *under*, by another machine: packet.ttl-jump
 * names the host whose connection got a segment of another hop count ("another machine injecting
 * packets under its address": an injected RST). That address is the one impersonated, a victim:
 * the finding is no reason to ban it (a scapy RST into a live connection got its client banned),
 * and the injector is not known by address.
 */
const IMPERSONATED_SOURCE_RULES: ReadonlySet<string> = new Set(['packet.ttl-jump']);

/** A finding as the readers of findings see it (a Finding, or a rule alert of alerts.jsonl). */
export interface FindingTargetsIn {
  readonly srcIp: string | null;
  readonly ruleId: string;
  /** a FindingCategory or its Suricata text */
  readonly category: string;
  readonly targets: readonly string[];
  /** a finding without `srcIp` whose source is known by MAC (Finding.srcMacs) */
  readonly srcMacs?: readonly string[];
  /** targets known by MAC only (Finding.targets.macs) */
  readonly targetMacs?: readonly string[];
  /** Suricata's 1 … 4 and the finding's sentence: what a finding without a source says about its targets (withTargeted) */
  readonly severity?: number;
  readonly reason?: string;
}

/** The victims named by findings: target address → the attacks on it (a victim's category only). */
export function attacksOn(findings: Iterable<FindingTargetsIn>): Map<string, AttackEvidence[]> {
  const out = new Map<string, AttackEvidence[]>();
  for (const f of findings) {
    if (!VICTIM_CATEGORIES.has(f.category) && !(SPOOFED_VICTIM_RULES.has(f.ruleId) && f.srcIp !== null)) continue;
    for (const ip of f.targets) {
      const t = canonicalTarget(ip);
      if (!t || t.value === f.srcIp) continue;
      const list = out.get(t.value) ?? [];
      if (!list.some((a) => a.by === f.srcIp && a.ruleId === f.ruleId)) list.push({ by: f.srcIp, ruleId: f.ruleId });
      out.set(t.value, list);
    }
  }
  return out;
}

/** `sources` with each one's attacks joined (sources that were only attacked are not added). */
export function withAttacks(sources: readonly SourceEvidence[], attacks: ReadonlyMap<string, readonly AttackEvidence[]>): SourceEvidence[] {
  if (!attacks.size) return [...sources];
  return sources.map((s) => {
    const a = attacks.get(canonicalTarget(s.ip)?.value ?? s.ip);
    return a ? { ...s, attackedBy: a } : s;
  });
}

/**
 * `sources` with the findings that name no source address joined to the hosts they target (a
 * target that is no source becomes an entry of its own): most 20 targets per finding, its sample.
 * Those whose source is known by MAC (srcMacs) become that MAC's rule findings; those with no
 * source at all also target the hosts they name by MAC (a deauthentication flood's network).
 */
export function withTargeted(sources: readonly SourceEvidence[], findings: Iterable<FindingTargetsIn>): SourceEvidence[] {
  const about = new Map<string, TargetFinding[]>();
  const byMac = new Map<string, RuleEvidence[]>();
  for (const f of findings) {
    if (f.srcIp !== null || f.severity === undefined || f.reason === undefined) continue;
    const finding = { ruleId: f.ruleId, severity: f.severity, reason: f.reason };
    const targets = f.srcMacs?.length ? f.targets : [...f.targets, ...(f.targetMacs ?? [])];
    for (const ip of targets.slice(0, 20)) {
      const t = canonicalSubject(ip);
      if (!t) continue;
      const list = about.get(t.value) ?? [];
      list.push(finding);
      about.set(t.value, list);
    }
    for (const mac of (f.srcMacs ?? []).slice(0, 20)) {
      const m = canonicalMac(mac);
      if (m) byMac.set(m, [...(byMac.get(m) ?? []), finding]);
    }
  }
  if (!about.size && !byMac.size) return [...sources];
  const out = sources.map((s) => {
    const key = canonicalTarget(s.ip)?.value ?? s.ip;
    const t = about.get(key);
    if (!t) return s;
    about.delete(key);
    return { ...s, targeted: t };
  });
  for (const [mac, rules] of byMac) {
    out.push({ ip: mac, rules, ...(about.has(mac) ? { targeted: about.get(mac) } : {}) });
    about.delete(mac);
  }
  for (const [ip, targeted] of about) out.push({ ip, targeted });
  return out;
}

/** the words a target alert's reason ends with */
export const TARGET_TEXT = 'no sender address to ban: the senders are many or forged';

export interface PolicyContext {
  readonly config: RespondConfig;
  readonly allowlist: Allowlist;
  /** "analyze:<run>", "intel", "manual" */
  readonly origin: string;
  readonly nowMs: number;
  /** act for real; false = every decision is simulated */
  readonly apply: boolean;
  /** decisions already in the store that may suppress new ones (any age; filtered here) */
  readonly recent?: readonly Pick<Decision, 'value' | 'type' | 'reasonKey' | 'created' | 'expires' | 'simulated'>[];
}

export interface Skipped {
  readonly value: string;
  readonly type: DecisionType | null;
  readonly why: 'allowlisted' | 'suppressed' | 'no-action' | 'not-an-address' | 'victim' | 'self-fitted' | 'flood-sender' | 'link-layer';
  readonly detail: string;
}

export interface PolicyResult {
  readonly decisions: Decision[];
  readonly skipped: Skipped[];
}

/** An address or CIDR in canonical text, its scope; null when it is neither. */
/** Why `text` is no decision target (canonicalTarget gave null), in one phrase for a message. */
export function targetProblem(text: string): string {
  return leadingZeroProblem(text) ?? `"${text.slice(0, 80)}" is not an IPv4/IPv6 address or network`;
}

/** Why `text` is nothing a decision can be about (canonicalSubject gave null): list and delete filters. */
export function subjectProblem(text: string): string {
  return leadingZeroProblem(text) ?? `"${text.slice(0, 80)}" is not an IPv4/IPv6 address or network, nor a MAC`;
}

export function canonicalTarget(text: string): { value: string; scope: DecisionScope } | null {
  const c = parseCidr(text);
  if (typeof c === 'string') return null;
  const u = unmapCidr(c);
  const host = u.prefix === (u.v === 4 ? 32 : 128);
  const addr = formatIp({ v: u.v, w: u.base });
  return host ? { value: addr, scope: 'ip' } : { value: `${addr}/${u.prefix}`, scope: 'range' };
}

/** A MAC ("02:AA:00:00:00:66", "02-aa-00-00-00-66", "02aa.0000.0066") in lowercase colon form; null when it is none. */
export function canonicalMac(text: string): string | null {
  const t = text.trim();
  if (!/^(?:[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})$/i.test(t)) return null;
  const hex = t.replace(/[:.-]/g, '').toLowerCase();
  return hex.match(/../g)!.join(':');
}

/** What a decision can be about: an address or network (canonicalTarget), or a MAC (scope 'mac'). */
export function canonicalSubject(text: string): { value: string; scope: DecisionScope } | null {
  const t = canonicalTarget(text);
  if (t) return t;
  const mac = canonicalMac(text);
  return mac ? { value: mac, scope: 'mac' } : null;
}

/** why a MAC gets an alert and no ban (the skipped ban's detail) */
export const LINK_LAYER_TEXT = 'a host known only by its MAC: blocklists, nftables and ipset sets hold IP addresses, so it is alerted on, never banned';

export function decisionId(value: string, type: DecisionType, reasonKey: string, created: string): string {
  return createHash('sha256').update(`${value}\u0000${type}\u0000${reasonKey}\u0000${created}`).digest('hex').slice(0, 16);
}

interface Judged {
  severity: DecisionSeverity;
  reasonKey: string;
  reason: string;
  /** every driver's key ("risk", "rule:ID", "intel"), most severe first */
  drivers: string[];
}

/** why a self-fitted run's risk alone bans nobody (the withheld ban's detail and its alert) */
const SELF_FITTED_TEXT = 'its risk is from detectors fitted on the traffic being judged (no baseline)';

/** "target of 172.16.0.1's port-scan.vertical" (the first three attacks; "+N more"). */
function victimText(attacks: readonly AttackEvidence[]): string {
  const shown = attacks.slice(0, 3).map((a) => (a.by ? `${a.by}'s ${a.ruleId}` : a.ruleId));
  return `target of ${shown.join(', ')}${attacks.length > 3 ? ` and ${attacks.length - 3} more` : ''}`;
}

/**
 * Findings grouped by rule: each rule's severity (its `respond.rules` floor, else the most severe of
 * its findings' own), its first finding's sentence and how many it made; rules set to 'ignore' left out.
 */
function byRule(findings: readonly { readonly ruleId: string; readonly severity: number; readonly reason: string }[], config: RespondConfig): Map<string, { severity: DecisionSeverity; first: string; n: number }> {
  const out = new Map<string, { severity: DecisionSeverity; first: string; n: number }>();
  for (const f of findings) {
    const floor = config.rules[f.ruleId];
    if (floor === 'ignore') continue;
    const sev = floor ?? severityFromSuricata(f.severity);
    const g = out.get(f.ruleId);
    if (!g) out.set(f.ruleId, { severity: sev, first: f.reason, n: 1 });
    else {
      g.severity = moreSevere(g.severity, sev);
      g.n++;
    }
  }
  return out;
}

/** The severity a source earns and why; null when it earns none. */
export function judgeSource(s: SourceEvidence, config: RespondConfig): Judged | null {
  const drivers: { severity: DecisionSeverity; key: string; text: string; order: number }[] = [];
  if (s.risk !== undefined && Number.isFinite(s.risk)) {
    const sev = SEVERITIES.find((x) => s.risk! >= config.severity[x]);
    if (sev) drivers.push({ severity: sev, key: 'risk', text: `risk ${s.risk.toFixed(6)} ≥ ${config.severity[sev]} (${sev})`, order: 2 });
  }
  // one driver per rule, however many findings it made (a scanner probing 48 hosts is one reason)
  for (const [id, g] of byRule(s.rules ?? [], config)) {
    drivers.push({ severity: g.severity, key: `rule:${id}`, text: `${id}${g.n > 1 ? ` (${g.n} findings, first)` : ''}: ${g.first}`, order: 0 });
  }
  if (s.intel) {
    const sev = SEVERITIES.find((x) => s.intel!.score >= config.intelSeverity[x]);
    if (sev) drivers.push({ severity: sev, key: 'intel', text: `threat intelligence score ${s.intel.score}: ${s.intel.reason}`, order: 1 });
  }
  if (!drivers.length) return null;
  drivers.sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.order - b.order || a.key.localeCompare(b.key));
  let severity = drivers[0].severity;
  for (const d of drivers) severity = moreSevere(severity, d.severity);
  const findingReasons = new Set((s.rules ?? []).map((f) => f.reason));
  const extra = (s.reasons ?? []).filter((r) => !findingReasons.has(r) && !drivers.some((d) => d.text.includes(r))).slice(0, 2);
  return { severity, reasonKey: drivers[0].key, reason: [...drivers.map((d) => d.text), ...extra].map((t) => t.replace(/\.\s*$/, '')).join('; '), drivers: drivers.map((d) => d.key) };
}

export function runPolicy(sources: readonly SourceEvidence[], ctx: PolicyContext): PolicyResult {
  const decisions: Decision[] = [];
  const skipped: Skipped[] = [];
  const created = new Date(ctx.nowMs).toISOString();
  const since = ctx.nowMs - ctx.config.suppress * 1000;
  const seen = new Set<string>();
  for (const r of ctx.recent ?? []) {
    // a dry run never silences a real run (it would leave the real one without its decision)
    if (ctx.apply && r.simulated) continue;
    if (Date.parse(r.created) >= since || Date.parse(r.expires) > ctx.nowMs) seen.add(`${r.value}\u0000${r.type}\u0000${r.reasonKey}`);
  }
  // one source may appear more than once (several inputs): merge its evidence first
  const merged = new Map<string, { scope: DecisionScope; risk?: number; reasons: string[]; rules: RuleEvidence[]; intel?: IntelEvidence; attackedBy: AttackEvidence[]; selfFitted: boolean; floodSender: boolean; attackClasses: Set<string>; targeted: TargetFinding[] }>();
  for (const s of sources) {
    const t = canonicalSubject(s.ip);
    if (!t) {
      skipped.push({ value: s.ip, type: null, why: 'not-an-address', detail: `"${s.ip}" is not an IPv4/IPv6 address or network` });
      continue;
    }
    const m = merged.get(t.value) ?? { scope: t.scope, reasons: [], rules: [], attackedBy: [], selfFitted: s.selfFitted === true, floodSender: s.floodSender === true, attackClasses: new Set<string>(), targeted: [] };
    m.attackedBy.push(...(s.attackedBy ?? []));
    m.targeted.push(...(s.targeted ?? []));
    // self-fitted only when every piece of it is: a risk against a baseline is evidence of its own
    if (s.selfFitted !== true) m.selfFitted = false;
    // a flood sender only when every input says so
    if (s.floodSender !== true) m.floodSender = false;
    for (const c of s.attackClasses ?? []) m.attackClasses.add(c);
    if (s.risk !== undefined && (m.risk === undefined || s.risk > m.risk)) m.risk = s.risk;
    m.reasons.push(...(s.reasons ?? []));
    for (const f of s.rules ?? []) {
      // the address impersonated is attacked (by someone unknown), not attacking
      if (IMPERSONATED_SOURCE_RULES.has(f.ruleId)) {
        if (!m.attackedBy.some((a) => a.by === null && a.ruleId === f.ruleId)) m.attackedBy.push({ by: null, ruleId: f.ruleId });
      } else m.rules.push(f);
    }
    if (s.intel && (!m.intel || s.intel.score > m.intel.score)) m.intel = s.intel;
    merged.set(t.value, m);
  }
  for (const [value, m] of merged) {
    const j = judgeSource({ ip: value, risk: m.risk, reasons: m.reasons, rules: m.rules, intel: m.intel }, ctx.config);
    if (!j) continue;
    const types = ctx.config.actions[j.severity];
    if (!types.length) {
      skipped.push({ value, type: null, why: 'no-action', detail: `${j.severity}: no action configured (respond.actions.${j.severity})` });
      continue;
    }
    const guard = m.scope === 'mac' ? null : ctx.allowlist.protects(value);
    // a victim: attacked by another source, and nothing of its own beyond its risk (no rule finding
    // as source, no intel driver)
    const victim = !ctx.config.banTargets && m.attackedBy.length > 0 && !j.drivers.some((d) => d !== 'risk') ? victimText(m.attackedBy) : null;
    // a self-fitted run's risk and nothing else to back it (no rule finding, no intel, no classifier
    // attack class): alerted, not banned
    const uncorroborated = !ctx.config.banSelfFitted && m.selfFitted && m.attackClasses.size === 0 && !j.drivers.some((d) => d !== 'risk');
    // one of many senders towards a flooded host and nothing else (analyze folded its alert): a
    // flood from forged addresses sends from random ones (a 2 s hping3 --rand-source flood: 7,300
    // addresses, private ones among them), so neither a ban nor a notification per address
    if (!ctx.config.banFloodSenders && m.floodSender && m.attackClasses.size === 0 && !j.drivers.some((d) => d !== 'risk')) {
      for (const type of types) skipped.push({ value, type, why: 'flood-sender', detail: FLOOD_SENDER_TEXT });
      continue;
    }
    for (const type of types) {
      if (type === 'ban' && m.scope === 'mac') {
        skipped.push({ value, type, why: 'link-layer', detail: LINK_LAYER_TEXT });
        continue;
      }
      if (type === 'ban' && guard) {
        skipped.push({ value, type, why: 'allowlisted', detail: `allowlisted by ${guard.cidr.text} (${guard.why})` });
        continue;
      }
      if (type === 'ban' && victim) {
        skipped.push({ value, type, why: 'victim', detail: `${victim}; its own evidence is only its risk (respond.banTargets: true bans it)` });
        continue;
      }
      if (type === 'ban' && uncorroborated) {
        skipped.push({ value, type, why: 'self-fitted', detail: `${SELF_FITTED_TEXT}; no rule finding, threat intelligence or classifier attack class backs it (respond.banSelfFitted: true bans it; analyze --baseline judges against known-normal traffic)` });
        continue;
      }
      const k = `${value}\u0000${type}\u0000${j.reasonKey}`;
      if (seen.has(k)) {
        skipped.push({ value, type, why: 'suppressed', detail: `${type === 'alert' ? 'an' : 'a'} ${type} for ${j.reasonKey} was decided within ${ctx.config.suppress} s or still holds` });
        continue;
      }
      seen.add(k);
      const reason =
        type === 'alert' && m.scope === 'mac' && types.includes('ban')
          ? `${j.reason} (known by its MAC alone: not blocked)`
          : type === 'alert' && guard
          ? `${j.reason} (allowlisted by ${guard.cidr.text}, ${guard.why}: not blocked)`
          : type === 'alert' && victim && types.includes('ban')
            ? `${j.reason} (${victim}: not blocked)`
            : type === 'alert' && uncorroborated && types.includes('ban')
              ? `${j.reason} (${SELF_FITTED_TEXT}, nothing else: not blocked)`
              : j.reason;
      decisions.push({
        id: decisionId(value, type, j.reasonKey, created),
        scope: m.scope,
        value,
        type,
        severity: j.severity,
        reason,
        reasonKey: j.reasonKey,
        origin: ctx.origin,
        created,
        expires: new Date(ctx.nowMs + ctx.config.duration[j.severity] * 1000).toISOString(),
        simulated: !ctx.apply,
        risk: m.risk,
      });
    }
  }
  // hosts under attack by senders nobody can name: one alert each (its rules, most severe first, as
  // a source's drivers), never a ban
  for (const [value, m] of merged) {
    if (!m.targeted.length) continue;
    const grouped = byRule(m.targeted, ctx.config);
    if (!grouped.size) continue;
    const rules = [...grouped].sort((a, b) => severityRank(a[1].severity) - severityRank(b[1].severity) || a[0].localeCompare(b[0]));
    const severity = rules[0][1].severity;
    const reasonKey = `target:${rules[0][0]}`;
    if (!ctx.config.actions[severity].includes('alert')) {
      skipped.push({ value, type: 'alert', why: 'no-action', detail: `under attack (${rules.map((r) => r[0]).join(', ')}), ${severity}: a host under attack is only alerted on, and respond.actions.${severity} has no alert` });
      continue;
    }
    const k = `${value}\u0000alert\u0000${reasonKey}`;
    if (seen.has(k)) {
      skipped.push({ value, type: 'alert', why: 'suppressed', detail: `an alert for ${reasonKey} was decided within ${ctx.config.suppress} s or still holds` });
      continue;
    }
    seen.add(k);
    const said = rules.map(([id, g]) => `${id}${g.n > 1 ? ` (${g.n} findings, first)` : ''}: ${g.first.replace(/\.\s*$/, '')}`);
    decisions.push({
      id: decisionId(value, 'alert', reasonKey, created),
      scope: m.scope,
      value,
      type: 'alert',
      severity,
      reason: `under attack: ${said.join('; ')} (${TARGET_TEXT})`,
      reasonKey,
      origin: ctx.origin,
      created,
      expires: new Date(ctx.nowMs + ctx.config.duration[severity] * 1000).toISOString(),
      simulated: !ctx.apply,
    });
  }
  decisions.sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || (b.risk ?? 0) - (a.risk ?? 0) || a.value.localeCompare(b.value) || a.type.localeCompare(b.type));
  return { decisions, skipped };
}
