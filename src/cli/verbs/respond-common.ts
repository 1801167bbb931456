/**
 * What the respond verbs (respond, decisions, block, notify) share: the --store and --config
 * options (their table: respond-option-table.ts, light for --help), resolving the store (flag, NETSENTINEL_STORE from the environment or .env, the config file's `store:`, default),
 * building the allowlist from the settings, and printing decisions.
 */
import { chosenStore } from '../store-choice.js';
import { buildAllowlist, type Allowlist } from '../../respond/allowlist.js';
import { loadRespondSettings, type RespondSettings } from '../../respond/respond-settings.js';
import type { Decision } from '../../respond/decision.js';

export { CONFIG_OPTIONS, STORE_OPTION } from './respond-option-table.js';

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
