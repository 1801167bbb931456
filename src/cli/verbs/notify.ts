/**
 * `netsentinel notify`: what waits in the outbox, and `--flush` to deliver it now (every respond
 * run with --apply flushes too). A server that cannot be reached is one line naming it; its
 * notifications keep waiting.
 */
import type { Command } from '../command.js';
import { NOTIFY_SPEC } from './notify-spec.js';
import { openOutboxStore, type OutboxCounts } from '../../store/outbox-store.js';
import { channelsFrom, flushOutbox } from '../../respond/notify/outbox-delivery.js';
import { problem, settingsAndStore } from './respond-common.js';
import { plural } from '../../util/plural.js';

/**
 * Why notifications still wait, for the outbox line: the last error, and the ones no flush takes
 * before a time (a server refused them and they are held; or another flush is delivering them).
 * Without it a flush that delivered nothing exited 1 with no reason shown.
 */
function waitingWhy(c: OutboxCounts): string {
  if (c.pending === 0) return '';
  const parts: string[] = [];
  if (c.held > 0 && c.heldUntil) parts.push(`${c.held} not retried before ${c.heldUntil}`);
  if (c.lastError) parts.push(`last error: ${c.lastError}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

export const notify: Command = {
  spec: NOTIFY_SPEC,
  async run({ args, out, json }) {
    const v = args.values;
    const { settings, store } = await settingsAndStore(v);
    const outbox = await openOutboxStore(store);
    try {
      const channels = channelsFrom(settings.notify);
      const delivery = v.flush ? await flushOutbox(outbox, channels, { onProblem: problem }) : [];
      const counts = await outbox.counts();
      const unconfigured = counts.filter((c) => c.pending > 0 && !channels.some((ch) => ch.name === c.channel));
      for (const c of unconfigured) problem(`${c.pending} ${c.channel} ${plural(c.pending, 'notification waits', 'notifications wait')} in the outbox but the ${c.channel} channel is not configured`);
      if (json) out(JSON.stringify({ store: outbox.where, channels: channels.map((c) => ({ name: c.name, server: c.server })), delivery, outbox: counts }, null, 2));
      else {
        const lines = [`Outbox in ${outbox.where}:`];
        if (!counts.length) lines.push('  empty');
        for (const c of counts) lines.push(`  ${c.channel.padEnd(8)} ${c.pending} waiting, ${c.sent} sent${waitingWhy(c)}`);
        for (const d of delivery) lines.push(`Delivered ${d.sent} by ${d.channel} (${d.server})${d.error ? `; stopped: ${d.error}` : ''}`);
        if (!channels.length) lines.push('No channel configured (smtp.host, webhook.url / BACKEND_API_URL, syslog.host).');
        out(lines.join('\n'));
      }
      return v.flush && counts.some((c) => c.pending > 0) ? 1 : 0;
    } finally {
      await outbox.close();
    }
  },
};
