/**
 * `stream --respond`: the response policy and the outbox behind a streaming worker, as one more
 * committing step of each message (after its alerts are stored, before its ack). The message's
 * risky-source alerts (closed source windows) and rule findings become the policy's per-source
 * evidence, exactly what `analyze --respond` gives it from a finished run, and go through the same
 * respond() run: decisions into the store (suppressed per address and reason within
 * respond.suppress), and, when applying, alerts queued in the outbox and the outbox flushed.
 *
 * At least once with deterministic keys: the origin of a message's decisions is its stream and
 * sequence (`stream:NAME#SEQ`), so when a crash or an outage interrupts the step after the
 * decisions were stored, the redelivered message finds them (suppressed as new decisions) and
 * respond() queues their alerts again under the same outbox keys: stored once, sent at least once.
 * Flow alerts alone never decide anything (as in analyze: the policy judges sources, not flows).
 *
 * The decision store (and, when applying, the outbox) are opened once per worker, at its first
 * message with something to judge, and closed at drain (close()): a PostgreSQL pool per message
 * would cost a connection set-up each time and churn the server's connections.
 */
import type { Alert } from '../analysis/alerts.js';
import type { Finding } from '../detect/finding.js';
import { attacksOn, withAttacks, type RuleEvidence, type SourceEvidence } from '../respond/policy.js';
import { findingTargets } from '../respond/respond-sink.js';
import { respond, type RespondOptions, type RespondResult } from '../respond/respond-run.js';
import { openDecisionStore, type DecisionStore } from '../store/decision-store.js';
import { openOutboxStore, type OutboxStore } from '../store/outbox-store.js';

/** The policy's input from one message's results: risky sources plus every source a rule found. */
export function sourcesFromAlerts(alerts: readonly Alert[], findings: readonly Finding[]): SourceEvidence[] {
  const rules = new Map<string, RuleEvidence[]>();
  for (const f of findings) {
    if (!f.srcIp) continue;
    const list = rules.get(f.srcIp) ?? [];
    list.push({ ruleId: f.ruleId, severity: f.severity, reason: f.reason });
    rules.set(f.srcIp, list);
  }
  const out: SourceEvidence[] = [];
  const risky = new Set<string>();
  for (const a of alerts) {
    if (a.input.source !== 'risk:ip' || !a.input.srcIp) continue;
    const n = a.input.netsentinel as { risk?: number; reasons?: string[] };
    risky.add(a.input.srcIp);
    out.push({ ip: a.input.srcIp, risk: n.risk, reasons: n.reasons ?? [], rules: rules.get(a.input.srcIp) });
  }
  for (const [ip, list] of rules) if (!risky.has(ip)) out.push({ ip, rules: list });
  return withAttacks(out, attacksOn(findingTargets(findings)));
}

export type StreamRespondOptions = Omit<RespondOptions, 'sources' | 'origin' | 'outDir' | 'nowMs' | 'stores'>;

export interface StreamResponder {
  /** run the policy over one message's results; undefined when there was nothing to judge */
  respondTo(origin: string, alerts: readonly Alert[], findings: readonly Finding[]): Promise<RespondResult | undefined>;
  /** totals for the worker's summary */
  readonly totals: { decisions: number; queued: number; runs: number };
  /** at drain: close the stores opened for the worker */
  close(): Promise<void>;
}

export function streamResponder(o: StreamRespondOptions): StreamResponder {
  const totals = { decisions: 0, queued: 0, runs: 0 };
  // opened at first use (a failed open is tried again at the next message, as an outage is)
  let decisions: Promise<DecisionStore> | undefined;
  let outbox: Promise<OutboxStore> | undefined;
  const once = <T>(open: () => Promise<T>, keep: (p: Promise<T> | undefined) => void): Promise<T> => {
    const p = open();
    keep(p);
    p.catch(() => keep(undefined));
    return p;
  };
  const stores = {
    get decisions(): Promise<DecisionStore> {
      return decisions ?? once(() => openDecisionStore(o.store), (p) => (decisions = p));
    },
    outbox: (): Promise<OutboxStore> => outbox ?? once(() => openOutboxStore(o.store), (p) => (outbox = p)),
  };
  return {
    totals,
    async close() {
      const open = [decisions, outbox];
      decisions = outbox = undefined;
      for (const p of open) if (p) await (await p.catch(() => undefined))?.close();
    },
    async respondTo(origin, alerts, findings) {
      const sources = sourcesFromAlerts(alerts, findings);
      if (!sources.length) return undefined;
      const r = await respond({ ...o, sources, origin, stores: { decisions: await stores.decisions, outbox: stores.outbox } });
      totals.runs++;
      totals.decisions += r.stored;
      totals.queued += r.queued;
      return r;
    },
  };
}
