/**
 * `netsentinel notify`: what waits in the outbox, and `--flush` to deliver it now (every respond
 * run with --apply flushes too). A server that cannot be reached is one line naming it; its
 * notifications keep waiting.
 */
import type { Command } from '../command.js';
import { NOTIFY_SPEC } from './notify-spec.js';
import { openOutboxStore } from '../../store/outbox-store.js';
import { channelsFrom, flushOutbox } from '../../respond/notify/outbox-delivery.js';
import { problem, settingsAndStore } from './respond-common.js';
import { plural } from '../../util/plural.js';

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
        for (const c of counts) lines.push(`  ${c.channel.padEnd(8)} ${c.pending} waiting, ${c.sent} sent`);
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
