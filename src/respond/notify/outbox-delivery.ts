/**
 * The outbox in motion: alerts are queued for every configured channel first (nothing is sent
 * that was not written down), then each channel takes its waiting rows in order and marks each
 * row sent the moment its server accepted it. A channel whose server cannot be reached stops
 * at the first failure, says so in one line naming the server, and leaves the rest waiting for
 * the next flush; the other channels go on.
 */
import type { OutboxItem, OutboxStore } from '../../store/outbox-store.js';
import type { AlertMessage } from './alert-message.js';
import { describeSmtp, sendEmail } from './email-channel.js';
import type { NotifyConfig } from './notify-config.js';
import { describeSyslog, sendSyslog } from './syslog-channel.js';
import { DeliveryError, describeWebhook, postAlert } from './webhook-channel.js';
import { plural } from '../../util/plural.js';

/** a row a server refused (a 4xx) is not offered again for this long */
const REFUSED_HOLD_MS = 15 * 60_000;

export interface Channel {
  readonly name: 'email' | 'webhook' | 'syslog';
  /** "SMTP server mail.example.org:587", for messages */
  readonly server: string;
  /** alerts per delivery (an email carries a batch; a webhook POST carries one) */
  readonly batch: number;
  send(alerts: readonly AlertMessage[]): Promise<void>;
}

export function channelsFrom(c: NotifyConfig, o: { emailBatch?: number; syslogBatch?: number } = {}): Channel[] {
  const out: Channel[] = [];
  if (c.smtp) {
    const smtp = c.smtp;
    out.push({ name: 'email', server: describeSmtp(smtp), batch: o.emailBatch ?? 500, send: (a) => sendEmail(smtp, a) });
  }
  if (c.webhook) {
    const wh = c.webhook;
    out.push({ name: 'webhook', server: describeWebhook(wh), batch: 1, send: (a) => postAlert(wh, a[0]) });
  }
  if (c.syslog) {
    const sl = c.syslog;
    out.push({ name: 'syslog', server: describeSyslog(sl), batch: o.syslogBatch ?? 200, send: (a) => sendSyslog(sl, a) });
  }
  return out;
}

/** Queue alerts for every channel; returns how many rows were new. */
export async function enqueueAlerts(outbox: OutboxStore, channels: readonly Channel[], alerts: readonly AlertMessage[]): Promise<number> {
  const entries = channels.flatMap((c) => alerts.map((a) => ({ channel: c.name, key: a.key, payload: a as unknown as Record<string, unknown> })));
  return entries.length ? outbox.enqueue(entries) : 0;
}

export interface ChannelReport {
  readonly channel: string;
  readonly server: string;
  readonly sent: number;
  readonly waiting: number;
  /** the failure that stopped this channel, if any */
  readonly error?: string;
}

function errorText(e: unknown): string {
  const err = e as Error & { code?: string };
  const first = (err?.message ?? String(e)).split('\n')[0];
  return err?.code && !first.includes(err.code) ? `${err.code}: ${first}` : first;
}

export interface FlushOptions {
  /** how long a claim protects rows from another flusher */
  readonly leaseMs?: number;
  /** called once per channel that stopped on a failure, with the one line to show */
  readonly onProblem?: (line: string) => void;
  /** stop after this many deliveries per channel (tests use it to interleave) */
  readonly maxDeliveries?: number;
}

/**
 * Notifications a flush left waiting on its channels (a server down, one refused): not 0 means
 * the run did not finish its job, and the verbs exit 1 for it (`notify --flush`, `respond --apply`,
 * `analyze --respond --apply`), as a cron job must see; `notify --flush` delivers them later.
 */
export function undelivered(delivery: readonly ChannelReport[]): number {
  return delivery.reduce((n, d) => n + d.waiting, 0);
}

export async function flushOutbox(outbox: OutboxStore, channels: readonly Channel[], o: FlushOptions = {}): Promise<ChannelReport[]> {
  const reports: ChannelReport[] = [];
  for (const ch of channels) {
    let sent = 0;
    let error: string | undefined;
    let deliveries = 0;
    for (;;) {
      if (o.maxDeliveries !== undefined && deliveries >= o.maxDeliveries) break;
      const items: OutboxItem[] = await outbox.claim(ch.name, ch.batch, o.leaseMs ?? 120_000);
      if (!items.length) break;
      deliveries++;
      try {
        await ch.send(items.map((i) => i.payload as unknown as AlertMessage));
        await outbox.markSent(items.map((i) => i.id));
        sent += items.length;
      } catch (e) {
        const text = errorText(e);
        if (e instanceof DeliveryError && !e.retryable) {
          // the server answered and refused this one: the others may still go; it waits a while
          await outbox.markFailed(items.map((i) => i.id), text, REFUSED_HOLD_MS);
          o.onProblem?.(`${ch.server} refused alert ${items[0].key} (${text}); it stays in the outbox, retried after ${REFUSED_HOLD_MS / 60000} min`);
          continue;
        }
        await outbox.markFailed(items.map((i) => i.id), text);
        error = text;
        break;
      }
    }
    const waiting = (await outbox.list({ channel: ch.name, pending: true })).length;
    if (error) o.onProblem?.(`${ch.server} unreachable (${error}); ${waiting} ${plural(waiting, 'notification waits', 'notifications wait')} in the outbox (${outbox.where})`);
    reports.push({ channel: ch.name, server: ch.server, sent, waiting, ...(error ? { error } : {}) });
  }
  return reports;
}
