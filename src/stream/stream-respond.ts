/**
 * `stream --respond`: the response policy and the outbox behind a streaming worker, as one more
 * committing step of each message (after its alerts are stored, before its ack). The message's
 * risky-source alerts (closed source windows) and rule findings become the policy's per-source
 * evidence, exactly what `analyze --respond` gives it from a finished run, and go through the same
 * respond() run: decisions into the store (suppressed per address and reason within
 * respond.suppress), and, when applying, alerts queued in the outbox. The outbox is delivered in
 * the background (respond/notify/background-delivery.ts), never inside the message's step: a
 * webhook that hangs held the message, its ack and every message behind it (and with the channel
 * down each message tried again, one "unreachable" line each); now the step ends once the alerts
 * are queued, and a channel down is retried after a growing wait.
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
import { attacksOn, withAttacks, withTargeted, type AttackEvidence, type RuleEvidence, type SourceEvidence } from '../respond/policy.js';
import { findingTargets } from '../respond/respond-sink.js';
import { respond, type RespondOptions, type RespondResult } from '../respond/respond-run.js';
import { backgroundDelivery, type BackgroundDeliveryOptions } from '../respond/notify/background-delivery.js';
import { channelsFrom } from '../respond/notify/outbox-delivery.js';
import { openDecisionStore, type DecisionStore } from '../store/decision-store.js';
import { openOutboxStore, type OutboxStore } from '../store/outbox-store.js';

/**
 * The policy's input from one message's results: risky sources plus every source a rule found,
 * each with the attacks on it (this message's findings, and `earlier` ones the worker remembers).
 */
export function sourcesFromAlerts(alerts: readonly Alert[], findings: readonly Finding[], earlier?: (ip: string) => readonly AttackEvidence[] | undefined): SourceEvidence[] {
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
    const n = a.input.netsentinel as { risk?: number; reasons?: string[]; floodSender?: boolean };
    risky.add(a.input.srcIp);
    out.push({ ip: a.input.srcIp, risk: n.risk, reasons: n.reasons ?? [], rules: rules.get(a.input.srcIp), ...(n.floodSender === true ? { floodSender: true } : {}) });
  }
  for (const [ip, list] of rules) if (!risky.has(ip)) out.push({ ip, rules: list });
  const attacks = attacksOn(findingTargets(findings));
  if (earlier) {
    for (const s of out) {
      const before = earlier(s.ip);
      if (!before) continue;
      const now = attacks.get(s.ip) ?? [];
      for (const a of before) if (!now.some((x) => x.by === a.by && x.ruleId === a.ruleId)) now.push(a);
      attacks.set(s.ip, now);
    }
  }
  return withTargeted(withAttacks(out, attacks), findingTargets(findings));
}

export type StreamRespondOptions = Omit<RespondOptions, 'sources' | 'origin' | 'outDir' | 'nowMs' | 'stores' | 'flush'> & {
  /** the waits after a delivery that failed (tests shorten them) */
  readonly retry?: Pick<BackgroundDeliveryOptions, 'firstRetryMs' | 'maxRetryMs'>;
};

export interface StreamResponder {
  /** run the policy over one message's results; undefined when there was nothing to judge */
  respondTo(origin: string, alerts: readonly Alert[], findings: readonly Finding[]): Promise<RespondResult | undefined>;
  /** totals for the worker's summary */
  readonly totals: { decisions: number; queued: number; runs: number };
  /** wait until the alerts queued so far were offered to their channels (delivered, or failed and waiting) */
  idle(): Promise<void>;
  /**
   * at drain: end the background delivery (the flush in progress finishes) and close the stores
   * opened for the worker; `waiting`: notifications still in the outbox (a channel down)
   */
  close(): Promise<{ waiting: number }>;
}

/** most victims a worker remembers (oldest forgotten first): ~100 bytes each */
const VICTIMS_KEPT = 10_000;

export function streamResponder(o: StreamRespondOptions): StreamResponder {
  const totals = { decisions: 0, queued: 0, runs: 0 };
  // The victims of the attacks this worker's findings named, for respond.suppress: a victim's own
  // risky-source alert often comes in a later message than the scan that names it (its window
  // closes later), and the policy must still know it was attacked. Only this worker's partitions:
  // an attacker whose flows another worker reads is not seen here; nor after a restart.
  const victims = new Map<string, { attacks: AttackEvidence[]; at: number }>();
  const remember = (findings: readonly Finding[], now: number): ((ip: string) => readonly AttackEvidence[] | undefined) => {
    for (const [ip, list] of attacksOn(findingTargets(findings))) {
      const v = victims.get(ip);
      victims.delete(ip); // re-inserted last: the map stays in order of last attack
      const all = v ? [...v.attacks, ...list.filter((a) => !v.attacks.some((x) => x.by === a.by && x.ruleId === a.ruleId))] : list;
      victims.set(ip, { attacks: all, at: now });
    }
    for (const [ip] of victims) {
      if (victims.size <= VICTIMS_KEPT) break;
      victims.delete(ip);
    }
    return (ip) => {
      const v = victims.get(ip);
      return v && now - v.at <= o.config.suppress * 1000 ? v.attacks : undefined;
    };
  };
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
  const channels = o.apply ? (o.channels ?? channelsFrom(o.notify)) : [];
  const delivery = backgroundDelivery({ channels, outbox: stores.outbox, onProblem: (line) => o.onProblem?.(`respond: ${line}`), ...o.retry });
  let started = false;
  return {
    totals,
    idle: () => delivery.idle(),
    async close() {
      await delivery.stop();
      let waiting = 0;
      if (channels.length && outbox) {
        const box = await outbox.catch(() => undefined);
        for (const ch of channels) waiting += (await box?.list({ channel: ch.name, pending: true }).catch(() => []))?.length ?? 0;
      }
      const open = [decisions, outbox];
      decisions = outbox = undefined;
      for (const p of open) if (p) await (await p.catch(() => undefined))?.close();
      return { waiting };
    },
    async respondTo(origin, alerts, findings) {
      const sources = sourcesFromAlerts(alerts, findings, remember(findings, Date.now()));
      if (!sources.length) return undefined;
      const r = await respond({ ...o, channels, sources, origin, flush: false, stores: { decisions: await stores.decisions, outbox: stores.outbox } });
      totals.runs++;
      totals.decisions += r.stored;
      totals.queued += r.queued;
      // the first run also offers what an earlier worker left waiting in the outbox
      if (r.queued || !started) delivery.kick();
      started = true;
      return r;
    },
  };
}
