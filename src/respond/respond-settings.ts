/**
 * The respond verbs' settings: the `respond:`, `smtp:`, `webhook:` and `syslog:` sections of the
 * one configuration file, under the environment and the .env file, located by the shared loader
 * (src/config/settings.ts: --config / NETSENTINEL_CONFIG, --env-file / NETSENTINEL_ENV_FILE /
 * ./.env). Each section is then parsed by its pure function (respondConfigFrom, smtpConfigFrom,
 * ...), which names the file and key, or the variable, in its errors.
 *
 * Precedence as everywhere: environment > .env > config file > defaults.
 */
import { resolve } from 'node:path';
import { locateSettings, readConfigDocument, type SettingsFiles } from '../config/settings.js';
import { UserError } from '../util/errors.js';
import type { Env } from './config-reader.js';
import { envGet } from './config-reader.js';
import { notifyConfigFrom, type NotifyConfig } from './notify/notify-config.js';
import { respondConfigFrom, type RespondConfig } from './respond-config.js';

export interface RespondSettings {
  readonly respond: RespondConfig;
  readonly notify: NotifyConfig;
  /** the alert store location from the file's `store:`, if any */
  readonly store?: string;
  readonly file?: string;
  /** where the settings were found (the .env file's variables under the environment's), for chosenStore */
  readonly files: SettingsFiles;
}

export function loadRespondSettings(opts: { configFile?: string; envFile?: string; env?: Readonly<Record<string, string | undefined>> } = {}): RespondSettings {
  const env = opts.env ?? process.env;
  const s = locateSettings({ configFile: opts.configFile, envFile: opts.envFile, env });
  const doc = s.configFile ? readConfigDocument(resolve(s.configFile)) : {};
  const dotenv = s.dotenv;
  // the environment first, then the .env file (which never overrides a variable already set)
  const layered: Env = { get: (name) => envGet(env, name) ?? (dotenv.get(name)?.value || undefined) };
  const name = s.configFile ?? 'configuration';
  if (doc.store !== undefined && typeof doc.store !== 'string') throw new UserError(`${name}: store must be a path or a postgres:// URL`);
  return {
    respond: respondConfigFrom(doc.respond, layered, name),
    notify: notifyConfigFrom({ smtp: doc.smtp, webhook: doc.webhook, syslog: doc.syslog }, layered, name),
    store: doc.store as string | undefined,
    file: s.configFile,
    files: s,
  };
}
