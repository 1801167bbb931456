/**
 * The --store and --config options of the respond and service verbs (respond, decisions, block,
 * notify, keys, serve), apart from respond-common.ts, which acts on them: --help prints them
 * without loading the allowlist and the respond settings.
 */
import type { OptionSpec } from '../args.js';
import { DEFAULT_STORE } from '../../store/store-url.js';
import { ENV_FILE_OPTION } from '../../config/settings.js';

export const STORE_OPTION: OptionSpec = { name: 'store', type: 'string', value: 'URL', description: 'the store: a SQLite path or postgres:// URL (also NETSENTINEL_STORE, config store)', default: DEFAULT_STORE };
export const CONFIG_OPTIONS: readonly OptionSpec[] = [
  { name: 'config', short: 'c', type: 'string', value: 'FILE', description: "YAML/JSON configuration (sections respond, smtp, webhook, syslog, store; relative paths from the file's folder); also NETSENTINEL_CONFIG" },
  ENV_FILE_OPTION,
];
