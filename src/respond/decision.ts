/**
 * What the policy produces and actions consume: a decision, in CrowdSec's sense (their
 * `pkg/models/decision.go`): about one address or one range (scope + value), of a type (ban:
 * keep it out; alert: tell a person), with a severity, the reason in words, where it came from
 * (an analyze run, a person, threat intelligence), when it was made and when it stops holding,
 * and whether it is only simulated (dry run: recorded, never enforced or sent).
 *
 * Deliberately only data and a few pure helpers (durations, severity order): deciding is
 * `policy.ts`, enforcing is `block/`, telling is `notify/`.
 */
import { UserError } from '../util/errors.js';

export type DecisionSeverity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: readonly DecisionSeverity[] = ['critical', 'high', 'medium', 'low'];

export type DecisionType = 'ban' | 'alert';
export const DECISION_TYPES: readonly DecisionType[] = ['ban', 'alert'];

/** 'mac': a host known only by its link-layer address (a Wi-Fi access point, an ARP poisoner with no address): alerts only, never a ban */
export type DecisionScope = 'ip' | 'range' | 'mac';

export interface Decision {
  /** unique, stable for the same source, type, reason key and creation time */
  readonly id: string;
  readonly scope: DecisionScope;
  /** an address ("203.0.113.7", "2001:db8::1"), a CIDR ("203.0.113.0/24") or, scope 'mac', a MAC ("02:aa:00:00:00:66"), canonical form */
  readonly value: string;
  readonly type: DecisionType;
  readonly severity: DecisionSeverity;
  /** one sentence a person can read: why */
  readonly reason: string;
  /** what the reason is about, for deduplication: "risk", "rule:port-scan.vertical", "intel", "manual"; "target:RULE" for a host under attack (policy.ts) */
  readonly reasonKey: string;
  /** "analyze:<run>", "manual", "intel" */
  readonly origin: string;
  /** ISO 8601 (UTC) */
  readonly created: string;
  /** ISO 8601 (UTC): the decision no longer holds from then on */
  readonly expires: string;
  /** true in a dry run: stored for inspection, never enforced or notified */
  readonly simulated: boolean;
  /** the source's risk when the policy decided, if it had one */
  readonly risk?: number;
}

/** 0 for critical … 3 for low: smaller is more severe, as Suricata's numbers. */
export function severityRank(s: DecisionSeverity): number {
  return SEVERITIES.indexOf(s);
}

export function moreSevere(a: DecisionSeverity, b: DecisionSeverity): DecisionSeverity {
  return severityRank(a) <= severityRank(b) ? a : b;
}

/** Suricata's 1 (highest) … 4 → our words. */
export function severityFromSuricata(n: number): DecisionSeverity {
  return n <= 1 ? 'critical' : n === 2 ? 'high' : n === 3 ? 'medium' : 'low';
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * "90s", "15m", "4h", "7d", "1h30m" or a plain number of seconds → seconds. `where` names the
 * file and key (or flag) for the error.
 */
export function parseDuration(text: string | number, where: string): number {
  if (typeof text === 'number') {
    if (!(Number.isFinite(text) && text > 0)) throw new UserError(`${where}: a duration must be a positive number of seconds or like 4h, got ${JSON.stringify(text)}`);
    return text;
  }
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s) && Number(s) > 0) return Number(s);
  const re = /(\d+(?:\.\d+)?)([smhdw])/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== s.length || consumed === 0 || !(total > 0)) {
    throw new UserError(`${where}: "${text}" is not a duration (write it like 90s, 15m, 4h, 7d or 1h30m)`);
  }
  return total;
}

/** seconds → the shortest "1h30m" form, for messages and help. */
export function formatDuration(seconds: number): string {
  let s = Math.round(seconds);
  if (s <= 0) return '0s';
  const parts: string[] = [];
  for (const [u, n] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= n) {
      parts.push(`${Math.floor(s / n)}${u}`);
      s %= n;
    }
  }
  return parts.join('');
}

/** Whether a decision still holds at `nowMs`. */
export function isActive(d: Pick<Decision, 'expires'>, nowMs: number): boolean {
  return Date.parse(d.expires) > nowMs;
}
