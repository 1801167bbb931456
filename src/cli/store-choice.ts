/**
 * Which store a verb uses, decided in one place for every verb that has --store: the flag when the
 * user gave it (even naming the default), else NETSENTINEL_STORE (the environment, else the .env
 * file: the precedence of every other setting), else the config file's `store:`, else the default.
 * Before, analyze and stream let the config file win over an explicit --store (`--store none`
 * still wrote to the config's database), and a NETSENTINEL_STORE in the .env file was read by no run.
 *
 * `files` is where the verb's settings were located (src/config/settings.ts locateSettings), the
 * same for the config file it loads, so `config show` describes the store and file a run uses.
 */
import { wasGiven, type ParsedArgs } from './args.js';
import { DEFAULT_STORE } from '../store/open-store.js';
import type { SettingsFiles } from '../config/settings.js';

export function chosenStore(v: Record<string, unknown>, configStore: string | undefined, files: Pick<SettingsFiles, 'variable'>): string {
  const flag = v.store as string | undefined;
  const given = wasGiven(v as ParsedArgs['values'], 'store') ?? (flag !== undefined && flag !== DEFAULT_STORE);
  if (given && flag !== undefined) return flag;
  return files.variable('NETSENTINEL_STORE')?.value ?? configStore ?? DEFAULT_STORE;
}
