/**
 * What `netsentinel keys` accepts and its --help text, apart from the verb (keys.ts): only constants,
 * so `keys --help` and a mistake in its options load none of what the verb runs.
 */
import type { CommandSpec } from '../args.js';
import { SETTINGS_OPTIONS } from '../../config/settings.js';
import { STORE_OPTION } from './respond-option-table.js';

export const KEYS_SPEC: CommandSpec = {
  name: 'keys',
  summary: "manage the service's API keys (add, list, revoke)",
  usage: 'add NAME | list | revoke ID [options]',
  positionals: { min: 1, max: 2, name: 'an action (add NAME, list, revoke ID)' },
  description: `add NAME prints a new key once (keep it: only its hash is stored). Scopes: read (GET routes,
/classify, batch scoring, intel) or write (also POST /v1/alerts, /v1/analyze, /v1/decisions add and
delete). --rate is requests per second (default server.rateLimit.perSecond), with
bursts up to twice that; beyond it the service answers 429 with Retry-After. A running service
sees new and revoked keys within 5 seconds.`,
  options: [
    { name: 'scope', type: 'string', description: 'what the key may do', choices: ['read', 'write'], default: 'read' },
    { name: 'rate', type: 'number', value: 'N', description: 'requests per second allowed (default server.rateLimit.perSecond, 100)' },
    { name: 'if-absent', type: 'boolean', description: 'with add: add nothing when an active key of that NAME is there already (a start-up script run again, e.g. docker compose up)' },
    { ...STORE_OPTION, description: 'store holding the key table: SQLite path or postgres:// URL (also NETSENTINEL_STORE, config store)' },
    ...SETTINGS_OPTIONS,
  ],
  examples: ['netsentinel keys add soc-dashboard --scope read', 'netsentinel keys add sensor-7 --scope write --rate 20', 'netsentinel keys add compose-admin --scope write --if-absent',
    'netsentinel keys list --json', 'netsentinel keys revoke 3fa9c2d1'],
};
