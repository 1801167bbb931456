/**
 * What `netsentinel models` accepts and its --help text, apart from the verb (models.ts): only constants,
 * so `models --help` and a mistake in its options load none of what the verb runs.
 */
import type { CommandSpec } from '../args.js';
import { ENV_FILE_OPTION } from '../../config/settings.js';
import { DEFAULT_STORE } from '../../store/store-url.js';

export const MODELS_SPEC: CommandSpec = {
  name: 'models',
  summary: 'list the model versions streaming workers trained and used, and their drift/retrain/swap events',
  usage: '[list|events] [options]',
  positionals: { min: 0, max: 1, name: 'list|events' },
  description: `list (the default): every baseline version recorded in the store, newest first: id (from its
SHA-256), when it was made, the version it replaced, what it was trained on and its fit figures.
events: drift reports, retrains and swaps, newest first (--kind to pick one).`,
  options: [
    { name: 'store', type: 'string', value: 'URL', description: 'the store the workers write to: a SQLite path or postgres:// URL (also NETSENTINEL_STORE, config store)', default: DEFAULT_STORE },
    { name: 'config', short: 'c', type: 'string', value: 'FILE', description: "the workers' YAML/JSON configuration, for its store (a relative path: from the file's folder); also NETSENTINEL_CONFIG" },
    ENV_FILE_OPTION,
    { name: 'kind', type: 'string', value: 'KIND', description: 'events of one kind only', choices: ['drift', 'retrain', 'swap', 'retrain-failed'] },
    { name: 'limit', type: 'integer', value: 'N', description: 'most rows shown', default: 100 },
  ],
  examples: ['netsentinel models --store postgres://netsentinel@db/netsentinel', 'netsentinel models events --kind drift --json'],
};
