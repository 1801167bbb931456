/**
 * Structured logs of the service as JSON lines (pino, asynchronous writes): one access line per
 * request (time, method, path without query string, route, status, milliseconds, client address,
 * key id) and the service's own events. Secrets never reach it: the Authorization and X-API-Key
 * headers are not logged, only the id of the key that was used; query strings are left out (they
 * may carry filters with personal data).
 *
 * Access lines skip pino's object serialiser: they have a fixed shape, so a template builds each
 * one (the ISO time is formatted once per millisecond), lines gather in memory and go to pino's
 * own asynchronous destination 32 KiB at a time. Through pino they cost /classify a sixth of its
 * time (serialising, a Date per line, and sonic-boom measuring its whole pending buffer on every
 * write); this way the same lines cost a few hundred nanoseconds. The logger's flush() drains them
 * first, so flushing the log still means everything written so far is on its way.
 */
import pino, { type Logger } from 'pino';

interface Destination {
  write(s: string): boolean;
}

const DRAIN_CHARS = 32 * 1024;

export class AccessLog {
  private parts: string[] = [];
  private chars = 0;
  private lastMs = 0;
  private lastTime = '';

  constructor(private readonly dest: Destination | undefined) {}

  /** the line's middle for the last method, path, route and status (consecutive lines mostly share them) */
  private last: { method: string; path: string; route: string; status: number; text: string } = { method: '', path: '', route: '', status: 0, text: '' };
  private lastIp = '';
  private lastIpText = ',"ip":""';

  /** one access line; `key` is the id of the key used, never the key */
  request(method: string, path: string, route: string, status: number, ms: number, ip: string, key: string | undefined): void {
    if (!this.dest) return;
    const now = Date.now();
    if (now !== this.lastMs) {
      this.lastMs = now;
      this.lastTime = new Date(now).toISOString();
    }
    let l = this.last;
    if (l.method !== method || l.path !== path || l.route !== route || l.status !== status) {
      this.last = l = { method, path, route, status, text: `","method":${JSON.stringify(method)},"path":${JSON.stringify(path)},"route":${JSON.stringify(route)},"status":${status},"ms":` };
    }
    if (ip !== this.lastIp) {
      this.lastIp = ip;
      this.lastIpText = `,"ip":${JSON.stringify(ip)}`;
    }
    const line = `{"level":"info","time":"${this.lastTime}${l.text}${Math.round(ms * 100) / 100}${this.lastIpText}${key === undefined ? '' : `,"key":${JSON.stringify(key)}`},"msg":"access"}\n`;
    this.parts.push(line);
    this.chars += line.length;
    if (this.chars >= DRAIN_CHARS) this.drain();
  }

  /** hand the gathered lines to the destination (which writes them asynchronously) */
  drain(): void {
    if (this.parts.length === 0 || !this.dest) return;
    const text = this.parts.join('');
    this.parts = [];
    this.chars = 0;
    this.dest.write(text);
  }
}

const accessLogs = new WeakMap<Logger, AccessLog>();

/** The access line writer that goes with a service log. */
export function accessLogOf(log: Logger): AccessLog {
  let a = accessLogs.get(log);
  if (!a) accessLogs.set(log, (a = new AccessLog(undefined)));
  return a;
}

export function createServiceLog(where: string): Logger {
  if (where === 'off') return pino({ level: 'silent' });
  // lines are gathered into writes of 4 KiB or more (one system call per line would cost a busy
  // service a tenth of its time); the service flushes on shutdown
  const dest = where === '-' ? pino.destination({ fd: 2, sync: false, minLength: 4096 }) : pino.destination({ dest: where, sync: false, mkdir: true, minLength: 4096 });
  const log = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, dest);
  const access = new AccessLog(dest);
  accessLogs.set(log, access);
  // flush() is what the service (on shutdown) and its tests call: the access lines go first
  const flush = log.flush.bind(log);
  log.flush = (cb?: (err?: Error) => void) => {
    access.drain();
    return flush(cb);
  };
  // a quiet service still shows its lines within a second
  setInterval(() => log.flush(), 1000).unref();
  return log;
}
