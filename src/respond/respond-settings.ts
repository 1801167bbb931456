/**
 * The respond verbs' settings: the `respond:`, `smtp:`, `webhook:` and `syslog:` sections of the
 * one configuration file (`--config` or NETSENTINEL_CONFIG), with the environment over them. Only
 * the reading of the file lives here; each section is parsed by its pure function
 * (respondConfigFrom, smtpConfigFrom, ...). When the shared settings loader
 * (src/config/settings.ts, with .env support) is on main, it replaces `readConfigDocument`.
 */
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { UserError } from '../util/errors.js';
import type { Env } from './config-reader.js';
import { notifyConfigFrom, type NotifyConfig } from './notify/notify-config.js';
import { respondConfigFrom, type RespondConfig } from './respond-config.js';

export interface RespondSettings {
  readonly respond: RespondConfig;
  readonly notify: NotifyConfig;
  /** the alert store location from the file's `store:`, if any */
  readonly store?: string;
  readonly file?: string;
}

export async function readConfigDocument(path: string | undefined): Promise<{ doc: Record<string, unknown>; file?: string }> {
  const file = path ?? process.env.NETSENTINEL_CONFIG;
  if (!file) return { doc: {} };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the configuration ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return { doc: {}, file };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UserError(`${file}: the configuration must be a mapping of sections`);
  return { doc: doc as Record<string, unknown>, file };
}

export async function loadRespondSettings(path: string | undefined, env: Env = process.env): Promise<RespondSettings> {
  const { doc, file } = await readConfigDocument(path);
  const name = file ?? 'configuration';
  if (doc.store !== undefined && typeof doc.store !== 'string') throw new UserError(`${name}: store must be a path or a postgres:// URL`);
  return {
    respond: respondConfigFrom(doc.respond, env, name),
    notify: notifyConfigFrom({ smtp: doc.smtp, webhook: doc.webhook, syslog: doc.syslog }, env, name),
    store: doc.store as string | undefined,
    file,
  };
}
