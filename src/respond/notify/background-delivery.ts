/**
 * Delivering the outbox in the background, for the long-running callers: the service's announcer
 * (hand-made decisions), `capture --respond` and the streaming worker (`stream --respond`). Their
 * decisions and alerts are written first (the outbox is the record: nothing is lost); delivery
 * runs beside them, one flush at a time (util/one-pass-at-a-time.ts), so a webhook that hangs or
 * an SMTP server timing out (4 tries of 5 s by default) never holds the next decision, the next
 * API answer or the next message.
 *
 * A channel that is down is not hammered: after a flush that could not deliver, the next one waits
 * (15 s, doubling to 5 min by default) however many alerts are queued meanwhile, and it comes by
 * itself when the wait is over (a timer), so an alert queued during an outage goes out once the
 * server is back without waiting for the next finding. Before this each live run flushed again,
 * one "unreachable" line per finding or message. A flush that delivered everything ends the wait.
 */
import type { OutboxStore } from '../../store/outbox-store.js';
import { onePassAtATime } from '../../util/one-pass-at-a-time.js';
import { flushOutbox, type Channel, type ChannelReport } from './outbox-delivery.js';

export interface BackgroundDeliveryOptions {
  readonly channels: readonly Channel[];
  /** the outbox, opened on first use (and again after a failure to open or read it) */
  readonly outbox: () => Promise<OutboxStore>;
  /** a channel down, an alert refused, the store unreadable: one line each */
  readonly onProblem: (line: string) => void;
  /** the wait after a flush that could not deliver, doubled after each such flush up to `maxRetryMs` */
  readonly firstRetryMs?: number;
  readonly maxRetryMs?: number;
}

export interface BackgroundDelivery {
  /** alerts were queued: deliver them now, or when the wait after a failed flush is over */
  kick(): void;
  /** wait until no flush runs and none is asked for (a retry timer still set is not waited for) */
  idle(): Promise<void>;
  /** cancel the retry timer and wait for the flush in progress */
  stop(): Promise<void>;
  /** flushes run, and how many could not deliver (each was said through onProblem) */
  readonly stats: { readonly flushes: number; readonly failed: number };
  /** milliseconds until the next retry, 0 when none waits */
  retryInMs(): number;
}

export const FIRST_RETRY_MS = 15_000;
export const MAX_RETRY_MS = 300_000;

export function backgroundDelivery(o: BackgroundDeliveryOptions): BackgroundDelivery {
  const first = o.firstRetryMs ?? FIRST_RETRY_MS;
  const max = Math.max(first, o.maxRetryMs ?? MAX_RETRY_MS);
  const stats = { flushes: 0, failed: 0 };
  let wait = 0; // the current wait after a failed flush; 0 while deliveries succeed
  let retryAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const failed = (): void => {
    stats.failed++;
    wait = wait ? Math.min(max, wait * 2) : first;
    retryAt = Date.now() + wait;
    if (!stopped) arm();
  };
  const pass = onePassAtATime(async () => {
    // asked for while a flush ran that then failed: the wait applies to it too
    if (retryAt > Date.now()) return arm();
    stats.flushes++;
    let reports: ChannelReport[];
    try {
      reports = await flushOutbox(await o.outbox(), o.channels, { onProblem: o.onProblem });
    } catch (e) {
      o.onProblem(`delivering alerts: the outbox could not be read (${(e as Error).message}); retried in ${seconds(nextWait())}`);
      failed();
      return;
    }
    if (reports.some((r) => r.error !== undefined)) {
      o.onProblem(`delivering alerts: the next try in ${seconds(nextWait())}`);
      failed();
    } else {
      wait = 0;
      retryAt = 0;
    }
  });
  const nextWait = (): number => (wait ? Math.min(max, wait * 2) : first);
  const arm = (): void => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) void pass.request();
    }, Math.max(0, retryAt - Date.now()));
    // a retry waiting must not keep a finished process alive
    timer.unref();
  };
  return {
    stats,
    kick() {
      if (stopped || !o.channels.length) return;
      if (retryAt > Date.now()) arm();
      else void pass.request();
    },
    idle: () => pass.idle(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await pass.idle();
    },
    retryInMs: () => Math.max(0, retryAt - Date.now()),
  };
}

function seconds(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 100) / 10} s`;
}
