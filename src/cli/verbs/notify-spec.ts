/**
 * What `netsentinel notify` accepts and its --help text, apart from the verb (notify.ts): only constants,
 * so `notify --help` and a mistake in its options load none of what the verb runs.
 */
import type { CommandSpec } from '../args.js';
import { CONFIG_OPTIONS, STORE_OPTION } from './respond-option-table.js';

export const NOTIFY_SPEC: CommandSpec = {
  name: 'notify',
  summary: 'show the notification outbox, or deliver what waits in it (--flush)',
  usage: '[--flush] [options]',
  description: `Channels come from the configuration: smtp (email, STARTTLS and AUTH), webhook (JSON POST to
webhook.url or BACKEND_API_URL, API_TIMEOUT, MAX_RETRIES, with an Idempotency-Key) and syslog (RFC 5424 over
UDP or TCP). A notification is marked sent only when its server accepted it. Exit 1 when something still waits
after --flush (a partial delivery is not a success), as respond --apply and analyze --respond --apply.`,
  options: [{ name: 'flush', type: 'boolean', description: 'deliver everything waiting, channel by channel' }, STORE_OPTION, ...CONFIG_OPTIONS],
  examples: ['netsentinel notify', 'BACKEND_API_URL=http://localhost:5000/api/alerts netsentinel notify --flush', 'netsentinel notify --flush --config netsentinel.yaml --json'],
};
