/**
 * What the respond verbs (respond, decisions, block, notify) share: the --store and --config
 * options, resolving the store (flag, NETSENTINEL_STORE from the environment or .env, the config file's `store:`, default),
 * building the allowlist from the settings, and printing decisions.
 */
import type { OptionSpec } from '../args.js';
import { chosenStore } from '../store-choice.js';
import { DEFAULT_STORE } from '../../store/open-store.js';
import { ENV_FILE_OPTION } from '../../config/settings.js';
import { buildAllowlist, type Allowlist } from '../../respond/allowlist.js';
import { loadRespondSettings, type RespondSettings } from '../../respond/respond-settings.js';
import type { Decision } from '../../respond/decision.js';

export const STORE_OPTION: OptionSpec = { name: 'store', type: 'string', value: 'URL', description: 'the store: a SQLite path or postgres:// URL (also NETSENTINEL_STORE, config store)', default: DEFAULT_STORE };
export const CONFIG_OPTIONS: readonly OptionSpec[] = [
  { name: 'config', short: 'c', type: 'string', value: 'FILE', description: "YAML/JSON configuration (sections respond, smtp, webhook, syslog, store; relative paths from the file's folder); also NETSENTINEL_CONFIG" },
  ENV_FILE_OPTION,
];

export async function settingsAndStore(v: Record<string, unknown>): Promise<{ settings: RespondSettings; store: string }> {
  const settings = loadRespondSettings({ configFile: v.config as string | undefined, envFile: v.envFile as string | undefined });
  return { settings, store: chosenStore(v, settings.store, settings.files) };
}


export function allowlistFrom(s: RespondSettings): Promise<Allowlist> {
  const r = s.respond;
  return buildAllowlist({ entries: r.allowlist, defaults: r.allowlistDefaults, gateways: r.gateways, resolvers: r.resolvers, where: `${s.file ?? 'configuration'}: respond.allowlist` });
}

export function decisionLine(d: Decision): string {
  return `${d.id}  ${d.type.padEnd(5)} ${d.severity.padEnd(8)} ${d.value.padEnd(39)} until ${d.expires}${d.simulated ? '  (simulated)' : ''}\n    ${d.reason}  [${d.origin}]`;
}

/** the one line shown when a notification server cannot be reached: always on stderr, even with --quiet */
export function problem(line: string): void {
  process.stderr.write(`netsentinel: ${line}\n`);
}
