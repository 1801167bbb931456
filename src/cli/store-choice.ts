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
import { DEFAULT_STORE } from '../store/store-url.js';
import type { SettingsFiles } from '../config/settings.js';

export function chosenStore(v: Record<string, unknown>, configStore: string | undefined, files: Pick<SettingsFiles, 'variable'>): string {
  const flag = v.store as string | undefined;
  const given = wasGiven(v as ParsedArgs['values'], 'store') ?? (flag !== undefined && flag !== DEFAULT_STORE);
  if (given && flag !== undefined) return flag;
  return files.variable('NETSENTINEL_STORE')?.value ?? configStore ?? DEFAULT_STORE;
}

/**
 * Where `--respond` keeps its decisions in a run whose alerts go to `runStore` (chosenStore's answer).
 * The same store when there is one; when the alerts are kept nowhere ('none', typed or from
 * NETSENTINEL_STORE), the decisions still need a store for their suppression, so the next choice
 * down that is not 'none': NETSENTINEL_STORE, the config file's `store:`, the default. Before, the
 * respond hook skipped NETSENTINEL_STORE and wrote to the config's store or ./netsentinel.db.
 */
export function decisionStoreOf(runStore: string, configStore: string | undefined, files: Pick<SettingsFiles, 'variable'>): string {
  if (runStore !== 'none') return runStore;
  for (const s of [files.variable('NETSENTINEL_STORE')?.value, configStore]) if (s && s !== 'none') return s;
  return DEFAULT_STORE;
}
