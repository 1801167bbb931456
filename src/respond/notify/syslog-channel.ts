/**
 * Alerts to a syslog server, one RFC 5424 message each, over UDP or TCP (octet-counted frames).
 *
 * When is a message accepted? On TCP we write the batch, half-close, and count it delivered only
 * when the server closes its side in turn (it read up to our end of stream); a reset, a refusal or
 * a timeout leaves the batch in the outbox. UDP has no acknowledgement at all: a datagram handed
 * to the kernel without error counts as sent, and on a connected socket a closed port on loopback
 * shows as ECONNREFUSED on the next send. Use TCP where losing an alert matters.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { AlertMessage } from './alert-message.js';
import type { SyslogConfig } from './notify-config.js';
import { SD_ID, formatRfc5424, octetFrame, type SyslogSeverity } from './rfc5424.js';

const SEVERITY: Record<AlertMessage['severity'], SyslogSeverity> = { critical: 2, high: 3, medium: 4, low: 5 };

export function syslogLine(a: AlertMessage, c: SyslogConfig, now = new Date()): string {
  return formatRfc5424({
    facility: c.facility,
    severity: SEVERITY[a.severity],
    timestamp: now,
    hostname: c.hostname,
    appName: c.appName,
    procId: String(process.pid),
    msgId: 'ALERT',
    structuredData: {
      [SD_ID]: {
        key: a.key,
        ip: a.ip,
        severity: a.severity,
        ...(a.risk !== null ? { risk: String(a.risk) } : {}),
        origin: a.origin,
        blocked: String(a.blocked),
        expires: a.expires,
      },
    },
    message: `${a.severity} ${a.ip}: ${a.reason}`,
  });
}

export function describeSyslog(c: SyslogConfig): string {
  return `syslog ${c.protocol}://${c.host}:${c.port}`;
}

export async function sendSyslog(c: SyslogConfig, alerts: readonly AlertMessage[], timeoutMs = 5000): Promise<void> {
  const lines = alerts.map((a) => syslogLine(a, c));
  if (c.protocol === 'udp') return sendUdp(c, lines);
  return sendTcp(c, lines, timeoutMs);
}

function sendUdp(c: SyslogConfig, lines: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(c.host) ? 'udp6' : 'udp4');
    let failed = false;
    sock.once('error', (e) => {
      failed = true;
      sock.close();
      reject(e);
    });
    sock.connect(c.port, c.host, async () => {
      for (const l of lines) {
        if (failed) return;
        const err = await new Promise<Error | null>((r) => sock.send(Buffer.from(l, 'utf8'), (e) => r(e ?? null)));
        if (err) {
          failed = true;
          sock.close();
          return reject(err);
        }
      }
      sock.close();
      resolve();
    });
  });
}

function sendTcp(c: SyslogConfig, lines: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: c.host, port: c.port });
    let done = false;
    const finish = (e?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      if (e) reject(e);
      else resolve();
    };
    const timer = setTimeout(() => finish(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    s.once('error', (e) => finish(e));
    s.once('connect', () => {
      s.end(Buffer.concat(lines.map(octetFrame)));
    });
    s.on('data', () => undefined);
    // the server read everything we sent and closed its side: delivered
    s.once('end', () => finish());
    s.once('close', (hadError) => finish(hadError ? new Error('connection reset') : undefined));
  });
}
