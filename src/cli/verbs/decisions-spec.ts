/**
 * What `netsentinel decisions` accepts and its --help text, apart from the verb (decisions.ts): only constants,
 * so `decisions --help` and a mistake in its options load none of what the verb runs.
 */
import type { CommandSpec } from '../args.js';
import { DECISION_TYPES, SEVERITIES } from '../../respond/decision.js';
import { CONFIG_OPTIONS, STORE_OPTION } from './respond-option-table.js';

export const DECISIONS_SPEC: CommandSpec = {
  name: 'decisions',
  summary: 'list, add or delete decisions (bans, alerts) by hand',
  usage: 'list|add|delete [IP|CIDR|ID] [options]',
  positionals: { min: 1, max: 2, name: 'list, add IP|CIDR, or delete ID|IP|MAC' },
  description: `list: the decisions that hold now (--all: expired and simulated ones too).
add IP|CIDR: a manual decision (real, origin "manual"); refused for allowlisted addresses when it is a ban.
  It is announced on the configured channels (smtp, webhook, syslog) as the policy's alerts are, a ban with
  blocked: true (respond.notifyManual: false or --no-notify keeps it quiet); exit 1 when the announcement
  could not be delivered (it waits in the outbox for 'netsentinel notify --flush').
delete ID|IP|CIDR|MAC: remove one decision by id, or every decision about that address, range or MAC
  (alerts about a host known by its MAC alone: a Wi-Fi access point, an ARP poisoner with no address); run
'netsentinel block expire' afterwards to take it out of the firewall. The removal of a decision that
  still held is announced on the same channels (an unban is news to whoever got the ban; --no-notify
  or respond.notifyManual: false keeps it quiet); exit 1 when it could not be delivered.`,
  options: [
    { name: 'all', type: 'boolean', description: 'list: include expired and simulated decisions' },
    { name: 'ip', type: 'string', value: 'IP', description: 'list: only decisions about this address, range or MAC' },
    { name: 'type', type: 'string', value: 'TYPE', description: 'add: decision type', choices: DECISION_TYPES, default: 'ban' },
    { name: 'severity', type: 'string', value: 'LEVEL', description: 'add: severity', choices: SEVERITIES, default: 'high' },
    { name: 'duration', type: 'string', value: 'DURATION', description: 'add: how long it holds (90s, 15m, 4h, 7d)', default: '4h' },
    { name: 'reason', type: 'string', value: 'TEXT', description: 'add: why', default: 'added by hand' },
    { name: 'no-notify', type: 'boolean', description: 'add, delete: do not announce it on the notification channels' },
    STORE_OPTION,
    ...CONFIG_OPTIONS,
  ],
  examples: [
    'netsentinel decisions list',
    'netsentinel decisions add 203.0.113.7 --duration 24h --reason "brute force on ssh, seen in auth.log"',
    'netsentinel decisions delete 203.0.113.7 && netsentinel block expire',
    'netsentinel decisions list --all --json | jq ".decisions[] | select(.type==\\"ban\\")"',
  ],
};
