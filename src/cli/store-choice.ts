/**
 * Which store a verb uses, decided in one place for every verb that has --store: the flag when the
 * user gave it (even naming the default), else NETSENTINEL_STORE, else the config file's `store:`,
 * else the default. Before, analyze and stream let the config file win over an explicit --store
 * (`--store none` still wrote to the config's database).
 */
import { wasGiven, type ParsedArgs } from './args.js';
import { DEFAULT_STORE } from '../store/open-store.js';

export function chosenStore(v: Record<string, unknown>, configStore: string | undefined): string {
  const flag = v.store as string | undefined;
  const given = wasGiven(v as ParsedArgs['values'], 'store') ?? (flag !== undefined && flag !== DEFAULT_STORE);
  if (given && flag !== undefined) return flag;
  return process.env.NETSENTINEL_STORE ?? configStore ?? DEFAULT_STORE;
}
