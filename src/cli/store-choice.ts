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
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { wasGiven, type ParsedArgs } from './args.js';
import { DEFAULT_STORE, OLD_DEFAULT_STORE } from '../store/store-url.js';
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

/**
 * The line a run of a verb with --store says when it will use the default store while the folder
 * it runs in holds ./netsentinel.db, the default before it moved to the per-user data folder
 * (store-url.ts defaultStorePath): without it, alerts and decisions kept there would seem lost.
 * Undefined when the user named a store (--store, NETSENTINEL_STORE) or there is no such file.
 */
export function oldDefaultStoreNote(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string | undefined {
  if (!('store' in values) || wasGiven(values as ParsedArgs['values'], 'store') || env.NETSENTINEL_STORE) return undefined;
  const old = resolve(cwd, OLD_DEFAULT_STORE);
  if (!existsSync(old) || old === resolve(cwd, DEFAULT_STORE)) return undefined;
  return `./${OLD_DEFAULT_STORE} is the store netsentinel used by default before; the default is now ${DEFAULT_STORE} (unless the config file names one). Give --store ${OLD_DEFAULT_STORE} to use the old one`;
}
