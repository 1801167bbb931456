/**
 * A decision a person asks for (by hand with `netsentinel decisions add`, or through POST
 * /v1/decisions): the target made canonical, a ban on an allowlisted address refused with the entry
 * and why (the same guard the policy applies), the duration parsed, the record built. One place, so
 * the CLI and the API can never disagree on what a hand-made decision is.
 */
import type { Allowlist } from './allowlist.js';
import { parseDuration, type Decision, type DecisionSeverity, type DecisionType } from './decision.js';
import { canonicalTarget, decisionId, targetProblem } from './policy.js';
import { UserError } from '../util/errors.js';

const MAX_SECONDS = 100 * 365 * 86400;

export interface ManualDecisionRequest {
  /** an address or CIDR as written */
  readonly target: string;
  readonly type: DecisionType;
  readonly severity: DecisionSeverity;
  /** "90s", "15m", "4h", "7d", or seconds */
  readonly duration: string | number;
  readonly reason: string;
  /** "manual" for the CLI, "api" (or "api:<key>") for the HTTP API */
  readonly origin: string;
  /** names the duration in errors: "--duration", "body.duration" */
  readonly durationField: string;
  readonly now?: number;
}

export type ManualDecisionResult =
  | { readonly ok: true; readonly decision: Decision; readonly seconds: number }
  | { readonly ok: false; readonly kind: 'not-an-address' | 'allowlisted'; readonly message: string };

/** Build the decision, or say why not; a duration that does not parse throws UserError naming durationField. */
export function manualDecision(r: ManualDecisionRequest, allowlist: Allowlist): ManualDecisionResult {
  const t = canonicalTarget(r.target);
  if (!t) return { ok: false, kind: 'not-an-address', message: targetProblem(r.target) };
  if (r.type === 'ban') {
    const guard = allowlist.protects(t.value);
    if (guard) return { ok: false, kind: 'allowlisted', message: `${t.value} is allowlisted by ${guard.cidr.text} (${guard.why}); it is never banned` };
  }
  const seconds = parseDuration(r.duration, r.durationField);
  // beyond this a date no longer has an ISO 8601 form; no ban needs to outlive the machine
  if (seconds > MAX_SECONDS) throw new UserError(`${r.durationField}: at most 100 years (${MAX_SECONDS} seconds), got ${JSON.stringify(r.duration)}`);
  const now = r.now ?? Date.now();
  const created = new Date(now).toISOString();
  return {
    ok: true,
    seconds,
    decision: {
      id: decisionId(t.value, r.type, 'manual', created),
      scope: t.scope,
      value: t.value,
      type: r.type,
      severity: r.severity,
      reason: r.reason,
      reasonKey: 'manual',
      origin: r.origin,
      created,
      expires: new Date(now + seconds * 1000).toISOString(),
      simulated: false,
    },
  };
}
