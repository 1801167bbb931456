/**
 * Structured logs of the service as JSON lines (pino, asynchronous writes): one access line per
 * request (time, method, path without query string, route, status, milliseconds, bytes, client
 * address, key id) and the service's own events. Secrets never reach it: the Authorization and
 * X-API-Key headers are not logged, only the id of the key that was used; query strings are left
 * out (they may carry filters with personal data).
 */
import pino, { type Logger } from 'pino';

export function createServiceLog(where: string): Logger {
  if (where === 'off') return pino({ level: 'silent' });
  // lines are gathered into writes of 4 KiB or more (one system call per line would cost a busy
  // service a tenth of its time); the service flushes on shutdown
  const dest = where === '-' ? pino.destination({ fd: 2, sync: false, minLength: 4096 }) : pino.destination({ dest: where, sync: false, mkdir: true, minLength: 4096 });
  const log = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, dest);
  // a quiet service still shows its lines within a second
  setInterval(() => log.flush(), 1000).unref();
  return log;
}
