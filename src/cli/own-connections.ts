/**
 * The connections a live-capturing verb makes itself, left out of its capture filter: publish's to
 * NATS, a worker's or capture's to a PostgreSQL store, and with `--respond` the notifications it
 * sends (SMTP, webhook, syslog). Captured, they would be judged as traffic: a sensor would publish
 * the flows of its own messages, capture those messages in turn, and so on; an alert's webhook POST
 * would be a flow the baseline has never seen, risky enough for an alert of its own, whose webhook
 * POST ... Each is a server's addresses, port and transport; the capture keeps everything else.
 *
 * Host names are looked up here, once, before the capture starts (as the capture program would look
 * them up compiling the filter, where a name that does not resolve stops the whole capture with
 * "unknown host"): a name that does not resolve is said and left in the capture instead.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NotifyConfig } from '../respond/notify/notify-config.js';

/** One server the verb talks to, as configured. */
export interface OwnConnection {
  /** what it is, for the note when its name does not resolve ("NATS", "the webhook") */
  readonly what: string;
  /** an address or a host name (IPv6 without URL brackets) */
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'udp';
}

/** The same with its addresses (a name's, or the address itself). */
export interface ResolvedConnection {
  readonly addresses: readonly string[];
  readonly port: number;
  readonly transport: 'tcp' | 'udp';
}

/**
 * The servers of `urls` as the verbs take them ("nats://host:4222", several comma-separated, a bare
 * host:port, "postgres://user@db/name"); one without a host (a Unix socket) is no connection to leave out.
 */
export function urlConnections(urls: string, defaultPort: number, what: string): OwnConnection[] {
  return urls
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0)
    .flatMap((u) => {
      let url: URL;
      try {
        url = new URL(u.includes('://') ? u : `nats://${u}`);
      } catch {
        return [];
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      return host ? [{ what, host, port: Number(url.port) || defaultPort, transport: 'tcp' as const }] : [];
    });
}

/** The notification channels' servers (those configured: a channel without an address sends nothing). */
export function notifyConnections(notify: NotifyConfig): OwnConnection[] {
  const out: OwnConnection[] = [];
  if (notify.smtp) out.push({ what: 'the SMTP server', host: notify.smtp.host, port: notify.smtp.port, transport: 'tcp' });
  if (notify.webhook) {
    const u = new URL(notify.webhook.url);
    out.push({ what: 'the webhook', host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80), transport: 'tcp' });
  }
  if (notify.syslog) out.push({ what: 'the syslog server', host: notify.syslog.host, port: notify.syslog.port, transport: notify.syslog.protocol });
  return out;
}

/**
 * What a live-capturing verb with the options `v` connects to besides NATS: its PostgreSQL store
 * (`storeLocation`), and with `--respond` the notification channels of its configuration and the
 * configuration's own decision store. The respond settings are loaded only then (as the verbs load
 * the respond modules only with --respond); a configuration error is said here, before capturing.
 */
export async function verbConnections(v: Record<string, unknown>, storeLocation: string): Promise<OwnConnection[]> {
  const postgres = (loc: string | undefined): OwnConnection[] => (loc && /^postgres(ql)?:\/\//.test(loc) ? urlConnections(loc, 5432, 'the PostgreSQL store') : []);
  const out = postgres(storeLocation);
  if (v.respond) {
    const { loadRespondSettings } = await import('../respond/respond-settings.js');
    const settings = loadRespondSettings({ configFile: v.config as string | undefined, envFile: v.envFile as string | undefined });
    out.push(...notifyConnections(settings.notify), ...postgres(settings.store));
  }
  return out;
}

/**
 * `filter` (the user's, if any) and not any of `own`: "(USER) and not ((host A or host B) and tcp
 * port N) and ...", or the user's filter as given when nothing is left out.
 */
export function filterWithout(filter: string | undefined, own: readonly ResolvedConnection[]): string | undefined {
  if (!own.some((c) => c.addresses.length)) return filter;
  const parts = [...(filter ? [`(${filter})`] : [])];
  const seen = new Set<string>();
  for (const c of own) {
    if (!c.addresses.length) continue;
    const hosts = c.addresses.map((a) => `host ${a}`);
    const part = `not (${hosts.length > 1 ? `(${hosts.join(' or ')})` : hosts[0]} and ${c.transport} port ${c.port})`;
    if (!seen.has(part)) parts.push(part);
    seen.add(part);
  }
  return parts.length ? parts.join(' and ') : undefined;
}

/**
 * `filter` leaving out `own`, its host names looked up first; a name that does not resolve is said
 * through `note` (its connections stay in the capture) rather than stopping the capture.
 */
export async function captureFilterWithout(filter: string | undefined, own: readonly OwnConnection[], note: (line: string) => void): Promise<string | undefined> {
  const resolved = await Promise.all(
    own.map(async (c): Promise<ResolvedConnection> => {
      if (isIP(c.host)) return { addresses: [c.host], port: c.port, transport: c.transport };
      try {
        const found = await lookup(c.host, { all: true });
        return { addresses: [...new Set(found.map((a) => a.address))], port: c.port, transport: c.transport };
      } catch (e) {
        note(`${c.what}'s host ${c.host} does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): its connections are not left out of the capture`);
        return { addresses: [], port: c.port, transport: c.transport };
      }
    }),
  );
  return filterWithout(filter, resolved);
}
