/**
 * A decision a person made by hand (`decisions add`, POST /v1/decisions) is announced on the same
 * channels as the policy's alerts. The policy's own bans are announced by the alert decision made
 * beside them (actions ban + alert); a person asks for one decision only, and a ban nobody hears
 * of is a ban the on-call engineer discovers when a service breaks. So a manual decision of either
 * type becomes one notification: its address, severity, reason, origin ("manual", "api:<key>"),
 * times, and `blocked: true` for a ban. `respond.notifyManual: false` (or `decisions add
 * --no-notify`, or `"notify": false` in the API body) keeps it quiet.
 *
 * Through the outbox like every other notification: written first (the key is the decision's),
 * then flushed; a channel that is down leaves it waiting for `notify --flush`.
 *
 * Removing a decision by hand (`decisions delete`, DELETE /v1/decisions) is announced the same way
 * and with the same opt-outs (`--no-notify`, `?notify=false`, respond.notifyManual: false): an
 * unban is news to whoever got the ban. Its message carries `removed` (when, by whom, what it was).
 */
import { isActive, type Decision } from './decision.js';
import { alertKey, decisionMessage, type AlertMessage } from './notify/alert-message.js';
import { channelsFrom, enqueueAlerts, flushOutbox, type Channel, type ChannelReport } from './notify/outbox-delivery.js';
import type { NotifyConfig } from './notify/notify-config.js';
import { openOutboxStore, type OutboxStore } from '../store/outbox-store.js';

/** The one notification of a hand-made decision. */
export function manualMessage(d: Decision): AlertMessage {
  return decisionMessage(d, d.type === 'ban');
}

export interface Announcement {
  /** notifications written to the outbox (0 with no channel configured) */
  readonly queued: number;
  /** per channel, after the flush; empty when only queued (`flush: false`) */
  readonly delivery: readonly ChannelReport[];
  readonly channels: readonly string[];
}

export interface AnnounceOptions {
  readonly notify: NotifyConfig;
  /** the store location the outbox lives in (beside the decisions) */
  readonly store: string;
  /** an outbox already open (the service keeps one); else one is opened and closed */
  readonly outbox?: OutboxStore;
  /** deliver now (the CLI); false: only queue, the caller flushes later (the API answers first) */
  readonly flush?: boolean;
  readonly channels?: readonly Channel[];
  readonly onProblem?: (line: string) => void;
}

/**
 * The notification that a decision was removed by hand, under its own key (the decision's, with
 * "-removed"), so the outbox keeps it apart from the one that announced the decision.
 */
export function removalMessage(d: Decision, by: string, at: string): AlertMessage {
  return { ...manualMessage(d), key: `${alertKey(d)}-removed`, blocked: false, removed: { at, by, type: d.type } };
}

/**
 * What a removal by hand announces: an unban is news to whoever heard of the ban, so each removed
 * decision that was real and still held gets one message (a dry run's decision never reached
 * anyone; an expired one had ended already). An alert decision removed with a ban on the same
 * address is folded into the ban's message, as the policy's ban and alert are one message when made.
 */
export function removalMessages(gone: readonly Decision[], by: string, now = Date.now()): AlertMessage[] {
  const live = gone.filter((d) => !d.simulated && isActive(d, now));
  const banned = new Set(live.filter((d) => d.type === 'ban').map((d) => d.value));
  const at = new Date(now).toISOString();
  return live.filter((d) => d.type === 'ban' || !banned.has(d.value)).map((d) => removalMessage(d, by, at));
}

/** Queue (and by default deliver) the notification of a hand-made decision. */
export async function announceDecision(d: Decision, o: AnnounceOptions): Promise<Announcement> {
  return announceMessages(d.simulated ? [] : [manualMessage(d)], o);
}

/** Queue (and by default deliver) the notifications that decisions were removed by hand (`by`: "manual", "api:<key>"). */
export async function announceRemoval(gone: readonly Decision[], by: string, o: AnnounceOptions): Promise<Announcement> {
  return announceMessages(removalMessages(gone, by), o);
}

async function announceMessages(messages: readonly AlertMessage[], o: AnnounceOptions): Promise<Announcement> {
  const channels = o.channels ?? channelsFrom(o.notify);
  if (!channels.length || !messages.length) return { queued: 0, delivery: [], channels: [] };
  const outbox = o.outbox ?? (await openOutboxStore(o.store));
  try {
    const queued = await enqueueAlerts(outbox, channels, messages);
    const delivery = o.flush === false ? [] : await flushOutbox(outbox, channels, { onProblem: o.onProblem });
    return { queued, delivery, channels: channels.map((c) => c.name) };
  } finally {
    if (!o.outbox) await outbox.close();
  }
}
