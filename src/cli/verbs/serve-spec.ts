/**
 * What `netsentinel serve` accepts and its --help text, apart from the verb (serve.ts): only
 * constants, so `serve --help` and a mistake in its options load none of the service (models,
 * stores, HTTP routes, dashboard).
 */
import type { CommandSpec } from '../args.js';
import { SETTINGS_OPTIONS, SETTINGS_PRECEDENCE } from '../../config/settings.js';
import { STORE_OPTION } from './respond-option-table.js';

export const SERVE_SPEC: CommandSpec = {
  name: 'serve',
  summary: 'serve models, alerts and a dashboard over HTTP (seed 004 POST /classify, /v1 API, /metrics)',
  usage: '[options]',
  positionals: { min: 0, max: 0, name: 'nothing' },
  description: `Listens on loopback by default; binding elsewhere (--host 0.0.0.0) requires API keys
('netsentinel keys add'). /classify answers with the classifier given by --model (or server.classify.model),
"Not recognized" when its top class probability is below server.classify.minConfidence (default 0.5).
The API is described at /docs (OpenAPI at /docs/json); the dashboard is at /dashboard/.
SIGTERM: graceful stop. SIGHUP, or a changed model file: models reloaded without dropping requests.
Settings: the "server" section (server.port, server.classify.minConfidence, ... as NETSENTINEL_SERVER_PORT,
NETSENTINEL_SERVER_CLASSIFY_MIN_CONFIDENCE). /v1/intel uses the "intel" section as 'netsentinel intel' does;
/v1/decisions the store and respond.allowlist as 'netsentinel decisions' does. ${SETTINGS_PRECEDENCE}`,
  options: [
    { name: 'model', short: 'm', type: 'list', value: 'FILE', description: 'a model file to serve (repeatable)' },
    { name: 'models', type: 'string', value: 'DIR', description: 'serve every .nsm model file in DIR' },
    { name: 'baseline', short: 'b', type: 'string', value: 'FILE', description: 'baseline file for flow risk (/v1/risk/flows)' },
    { ...STORE_OPTION, description: 'the store (alerts, decisions, keys, intel cache): SQLite path or postgres:// URL (also NETSENTINEL_STORE, config store)' },
    ...SETTINGS_OPTIONS,
    { name: 'host', type: 'string', value: 'HOST', description: 'address to bind (default 127.0.0.1, or server.host)' },
    { name: 'port', short: 'p', type: 'integer', value: 'PORT', description: 'port (default 8080, or server.port; 0 picks a free one)' },
  ],
  examples: [
    'netsentinel serve --model gbdt.nsm',
    'netsentinel serve --models models/ --baseline office.nsb --store postgres://ns@db/ns --host 0.0.0.0 --port 8443',
    "curl -s -X POST -H 'Content-Type: application/json' -d @flow.json http://127.0.0.1:8080/classify",
  ],
};
