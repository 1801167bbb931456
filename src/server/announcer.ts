/**
 * The service's side of announcing hand-made decisions and their removal (src/respond/announce.ts):
 * POST and DELETE /v1/decisions write the notification into the outbox before they answer (so it is never lost),
 * and the delivery runs after the answer, in the background (respond/notify/background-delivery.ts:
 * one flush at a time, a wait after a flush that could not deliver): a slow SMTP server must not
 * hold the API's answer. A channel that is down is logged once per flush; its notifications wait
 * in the outbox, retried when the wait is over (or sent by `notify --flush`).
 */
import type { Logger } from 'pino';
import { announceDecision, announceRemoval } from '../respond/announce.js';
import type { Decision } from '../respond/decision.js';
import { backgroundDelivery } from '../respond/notify/background-delivery.js';
import { channelsFrom, type Channel } from '../respond/notify/outbox-delivery.js';
import type { NotifyConfig } from '../respond/notify/notify-config.js';
import { openOutboxStore, type OutboxStore } from '../store/outbox-store.js';

export interface Announcer {
  /** channel names hand-made decisions go to; empty = not announced */
  readonly channels: readonly string[];
  /** queue the decision's notification (awaited), deliver it in the background */
  announce(d: Decision): Promise<{ queued: number; channels: readonly string[] }>;
  /** the same for decisions removed by hand (`by`: "api", "api:<key>") */
  announceRemoval(gone: readonly Decision[], by: string): Promise<{ queued: number; channels: readonly string[] }>;
  /** wait for a delivery in progress (tests, shutdown) */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function openAnnouncer(o: { notify?: NotifyConfig; enabled: boolean; store: string; log: Logger; channels?: readonly Channel[] }): Promise<Announcer> {
  const channels = o.enabled && o.notify ? (o.channels ?? channelsFrom(o.notify)) : [];
  if (!channels.length) {
    const none = async () => ({ queued: 0, channels: [] });
    return { channels: [], announce: none, announceRemoval: none, idle: async () => undefined, close: async () => undefined };
  }
  const outbox: OutboxStore = await openOutboxStore(o.store);
  const delivery = backgroundDelivery({ channels, outbox: async () => outbox, onProblem: (line) => o.log.warn({}, `announcing a decision: ${line}`) });
  const idle = (): Promise<void> => delivery.idle();
  return {
    channels: channels.map((c) => c.name),
    async announce(d) {
      const a = await announceDecision(d, { notify: o.notify!, store: o.store, outbox, flush: false, channels });
      delivery.kick();
      return { queued: a.queued, channels: a.channels };
    },
    async announceRemoval(gone, by) {
      const a = await announceRemoval(gone, by, { notify: o.notify!, store: o.store, outbox, flush: false, channels });
      if (a.queued) delivery.kick();
      return { queued: a.queued, channels: a.channels };
    },
    idle,
    async close() {
      await delivery.stop();
      await outbox.close();
    },
  };
}
