/**
 * Alerts to a syslog server, one RFC 5424 message each, over UDP or TCP (octet-counted frames).
 *
 * When is a message accepted? On TCP we write the batch, half-close, and count it delivered only
 * when the server closes its side in turn (it read up to our end of stream); a reset, a refusal or
 * a timeout leaves the batch in the outbox. UDP has no acknowledgement at all: the socket is
 * connected, so an ICMP port unreachable (a closed port: always on loopback, on a network when the
 * host answers with it) comes back as ECONNREFUSED, and the batch waits `UDP_SETTLE_MS` after its
 * last datagram for it before it counts as sent. A host that drops datagrams silently cannot be
 * told from one that reads them: use TCP where losing an alert matters.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { AlertMessage } from './alert-message.js';
import type { SyslogConfig } from './notify-config.js';
import { SD_ID, formatRfc5424, octetFrame, type SyslogSeverity } from './rfc5424.js';

const SEVERITY: Record<AlertMessage['severity'], SyslogSeverity> = { critical: 2, high: 3, medium: 4, low: 5 };

/** what a removal by hand undid, in a message's words */
export function undone(r: NonNullable<AlertMessage['removed']>): string {
  return r.type === 'ban' ? 'unbanned' : 'alert withdrawn';
}

export function syslogLine(a: AlertMessage, c: SyslogConfig, now = new Date()): string {
  // a removal is its own message id, at notice: the address is released, nothing is under attack
  if (a.removed) {
    return formatRfc5424({
      facility: c.facility,
      severity: 5,
      timestamp: now,
      hostname: c.hostname,
      appName: c.appName,
      procId: String(process.pid),
      msgId: 'REMOVED',
      structuredData: { [SD_ID]: { key: a.key, ...(a.scope === 'mac' ? { mac: a.ip } : { ip: a.ip }), severity: a.severity, origin: a.origin, blocked: 'false', expires: a.expires, removed: a.removed.at, removedBy: a.removed.by, type: a.removed.type } },
      message: `${a.severity} ${a.ip}: ${undone(a.removed)} by ${a.removed.by} (was: ${a.reason})`,
    });
  }
  return formatRfc5424({
    facility: c.facility,
    severity: SEVERITY[a.severity],
    timestamp: now,
    hostname: c.hostname,
    appName: c.appName,
    procId: String(process.pid),
    // a host under attack (by forged or many senders) is its own message id: the address is a victim
    msgId: a.target ? 'ATTACKED' : 'ALERT',
    structuredData: {
      [SD_ID]: {
        key: a.key,
        // a host known by its MAC alone (scope mac) is named as one
        ...(a.scope === 'mac' ? { mac: a.ip } : { ip: a.ip }),
        ...(a.target ? { role: 'target' } : {}),
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

/**
 * How long a UDP batch waits after its last datagram for an ICMP error to come back. On a
 * connected socket Linux turns an ICMP port unreachable into ECONNREFUSED, but asynchronously: it
 * arrives as an 'error' event (the socket's receive side) a few hundred microseconds later on
 * loopback, a round trip later on a network. A socket closed right after its last send never hears
 * it, and a syslog server that was not running counted every message as sent.
 */
export const UDP_SETTLE_MS = 150;

function sendUdp(c: SyslogConfig, lines: readonly string[], settleMs = UDP_SETTLE_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(c.host) ? 'udp6' : 'udp4');
    let failed: Error | null = null;
    let timer: NodeJS.Timeout | undefined;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = e;
      clearTimeout(timer);
      sock.close();
      reject(refused(c, e));
    };
    // an ICMP error for any datagram so far (the previous one's, mostly) ends the batch: it stays
    // in the outbox, whole (a datagram sent before the error may have arrived: at least once)
    sock.on('error', fail);
    sock.connect(c.port, c.host, async () => {
      for (const l of lines) {
        if (failed) return;
        const err = await new Promise<Error | null>((r) => sock.send(Buffer.from(l, 'utf8'), (e) => r(e ?? null)));
        if (err) return fail(err);
      }
      if (failed) return;
      timer = setTimeout(() => {
        if (failed) return;
        sock.close();
        resolve();
      }, settleMs);
    });
  });
}

/** ECONNREFUSED on UDP says more than "connection refused": nothing listens on that port. */
function refused(c: SyslogConfig, e: Error): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== 'ECONNREFUSED') return e;
  return Object.assign(new Error(`ECONNREFUSED: nothing listens on udp ${c.host}:${c.port} (ICMP port unreachable)`), { code });
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
