/**
 * The notification channels' sections of the configuration, each parsed by a pure function
 * (section as read from the file, environment, file name for messages). A channel is on when its
 * address is set (smtp.host, webhook.url / BACKEND_API_URL, syslog.host); a channel that is off
 * queues nothing.
 *
 *   smtp:    { host, port: 587, secure: false (STARTTLS on 587), requireTls: true, user, password,
 *              from, to: [admin@example.com], ca: FILE, subject }
 *   webhook: { url, timeoutSeconds: 5, maxRetries: 3, backoffSeconds: 0.5 (doubled per retry, with
 *              jitter), maxBackoffSeconds: 30, token }
 *   syslog:  { host, port: 514, protocol: udp|tcp, facility: local0, appName: netsentinel, hostname }
 *
 * Environment: NETSENTINEL_SMTP_HOST ~ smtp.host and so on; seed 002's BACKEND_API_URL,
 * API_TIMEOUT and MAX_RETRIES for the webhook; SMTP_HOST/SMTP_PORT/SMTP_USER/SMTP_PASSWORD too.
 */
import { hostname } from 'node:os';
import { UserError } from '../../util/errors.js';
import { SectionReader, type Env } from '../config-reader.js';

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); false = plain then STARTTLS */
  readonly secure: boolean;
  /** refuse to send when the server does not offer STARTTLS */
  readonly requireTls: boolean;
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
  readonly to: readonly string[];
  /** PEM file of the CA that signed the server's certificate (else the system's) */
  readonly ca?: string;
  readonly subject: string;
}

export interface WebhookConfig {
  readonly url: string;
  /** seconds per attempt */
  readonly timeout: number;
  readonly maxRetries: number;
  /** seconds before the first retry, doubled each time, ±50 % jitter */
  readonly backoff: number;
  readonly maxBackoff: number;
  /** sent as "Authorization: Bearer TOKEN" */
  readonly token?: string;
}

export interface SyslogConfig {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'udp' | 'tcp';
  readonly facility: number;
  readonly appName: string;
  readonly hostname: string;
}

export interface NotifyConfig {
  readonly smtp?: SmtpConfig;
  readonly webhook?: WebhookConfig;
  readonly syslog?: SyslogConfig;
}

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'audit', 'alert', 'clock', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];

const port = (n: number): boolean => Number.isInteger(n) && n > 0 && n < 65536;

export function smtpConfigFrom(section: unknown, env: Env = {}, file = 'configuration'): SmtpConfig | undefined {
  const r = new SectionReader(section, env, file, 'smtp', ['host', 'port', 'secure', 'requireTls', 'user', 'password', 'from', 'to', 'ca', 'subject']);
  const host = r.string('host', undefined, ['SMTP_HOST']);
  if (!host) return undefined;
  const user = r.string('user', undefined, ['SMTP_USER']);
  const password = r.string('password', undefined, ['SMTP_PASSWORD']);
  if (password !== undefined && user === undefined) throw new UserError(`${r.where('password')} is set but smtp.user is not: SMTP AUTH needs both`);
  const secure = r.boolean('secure', false);
  return {
    host,
    port: r.number('port', secure ? 465 : 587, port, 'a TCP port (1–65535)', ['SMTP_PORT']),
    secure,
    requireTls: r.boolean('requireTls', true),
    user,
    password,
    from: r.string('from', user && user.includes('@') ? user : `netsentinel@${hostname()}`),
    to: r.list('to', ['admin@example.com']),
    ca: r.string('ca', undefined),
    subject: r.string('subject', 'Security Alert: Suspicious Activity Detected'),
  };
}

export function webhookConfigFrom(section: unknown, env: Env = {}, file = 'configuration'): WebhookConfig | undefined {
  const r = new SectionReader(section, env, file, 'webhook', ['url', 'timeoutSeconds', 'maxRetries', 'backoffSeconds', 'maxBackoffSeconds', 'token']);
  const url = r.string('url', undefined, ['BACKEND_API_URL']);
  if (!url) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`${r.raw('url', ['BACKEND_API_URL'])!.where}: "${url}" is not a URL (like http://localhost:5000/api/alerts)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError(`${r.raw('url', ['BACKEND_API_URL'])!.where}: "${url}" must be an http:// or https:// URL`);
  return {
    url,
    timeout: r.number('timeoutSeconds', 5, (n) => n > 0, 'a number of seconds above 0', ['API_TIMEOUT']),
    maxRetries: r.number('maxRetries', 3, (n) => Number.isInteger(n) && n >= 0 && n <= 20, 'a whole number from 0 to 20', ['MAX_RETRIES']),
    backoff: r.number('backoffSeconds', 0.5, (n) => n >= 0, 'a number of seconds ≥ 0'),
    maxBackoff: r.number('maxBackoffSeconds', 30, (n) => n >= 0, 'a number of seconds ≥ 0'),
    token: r.string('token', undefined, ['BACKEND_API_TOKEN']),
  };
}

export function syslogConfigFrom(section: unknown, env: Env = {}, file = 'configuration'): SyslogConfig | undefined {
  const r = new SectionReader(section, env, file, 'syslog', ['host', 'port', 'protocol', 'facility', 'appName', 'hostname']);
  const host = r.string('host', undefined);
  if (!host) return undefined;
  const fac = r.raw('facility');
  let facility = 16;
  if (fac) {
    const v = String(fac.value).toLowerCase();
    facility = /^\d+$/.test(v) ? Number(v) : FACILITIES.indexOf(v);
    if (!(facility >= 0 && facility <= 23)) throw new UserError(`${fac.where} must be a syslog facility (${FACILITIES.join(', ')} or 0–23), got ${JSON.stringify(fac.value)}`);
  }
  return {
    host,
    port: r.number('port', 514, port, 'a port (1–65535)'),
    protocol: r.choice('protocol', 'udp', ['udp', 'tcp'] as const),
    facility,
    appName: r.string('appName', 'netsentinel'),
    hostname: r.string('hostname', hostname()),
  };
}

export function notifyConfigFrom(doc: { smtp?: unknown; webhook?: unknown; syslog?: unknown }, env: Env = {}, file = 'configuration'): NotifyConfig {
  return { smtp: smtpConfigFrom(doc.smtp, env, file), webhook: webhookConfigFrom(doc.webhook, env, file), syslog: syslogConfigFrom(doc.syslog, env, file) };
}
