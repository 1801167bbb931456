/**
 * What a notification says, the same for every channel: one alert per decision of type `alert`,
 * with the address, severity, reason, risk, origin and times, and a key derived from the
 * decision (its id: address, reason key and creation time) that the outbox keeps unique and the
 * webhook sends as its Idempotency-Key, so an alert retried after a lost answer is one alert.
 */
import type { Decision } from '../decision.js';

export interface AlertMessage {
  readonly key: string;
  readonly ip: string;
  readonly scope: Decision['scope'];
  readonly severity: Decision['severity'];
  readonly reason: string;
  readonly risk: number | null;
  readonly origin: string;
  readonly created: string;
  readonly expires: string;
  /** whether a ban accompanies the alert (a ban decision for the same address in the same run) */
  readonly blocked: boolean;
  /**
   * Set on an alert about a host under attack by senders no finding names (a flood from forged
   * addresses: reason key `target:RULE`, policy.ts): the address is the victim, not a suspect.
   * Absent on every other message (and on those queued before it existed), which are about sources.
   */
  readonly target?: true;
  /**
   * Set when the message says a decision was removed by hand (`decisions delete`, DELETE
   * /v1/decisions): when, by whom ("manual", "api:<key>") and what it was; `blocked` is then false
   * (the address is no longer blocked by it). Absent on every other message, which reads as before.
   */
  readonly removed?: { readonly at: string; readonly by: string; readonly type: Decision['type'] };
}

export function alertKey(d: Pick<Decision, 'id'>): string {
  return `netsentinel-${d.id}`;
}

/** The notification of one decision; `blocked`: whether its address is banned with it. */
export function decisionMessage(d: Decision, blocked: boolean): AlertMessage {
  return {
    key: alertKey(d),
    ip: d.value,
    scope: d.scope,
    severity: d.severity,
    reason: d.reason,
    risk: d.risk ?? null,
    origin: d.origin,
    created: d.created,
    expires: d.expires,
    blocked,
    ...(isTargetAlert(d) ? { target: true as const } : {}),
  };
}

/** An alert about a host under attack (policy.ts: reason key `target:RULE`), not about a suspect. */
export function isTargetAlert(d: Pick<Decision, 'reasonKey'>): boolean {
  return d.reasonKey.startsWith('target:');
}

export function alertMessages(decisions: readonly Decision[]): AlertMessage[] {
  const banned = new Set(decisions.filter((d) => d.type === 'ban' && !d.simulated).map((d) => d.value));
  return decisions.filter((d) => d.type === 'alert' && !d.simulated).map((d) => decisionMessage(d, banned.has(d.value)));
}
