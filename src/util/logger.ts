/**
 * Levelled logs, as seed 002 kept them (LOG_LEVEL, LOG_FILE): one line per event to stderr for a
 * person ("netsentinel: warn: virustotal answered 429 (retry after 60 s)") and, when a file is
 * set, the same events as JSON lines (pino's format: level, time, msg and fields) for a machine.
 *
 * Secrets are never written: pino's redaction blanks fields named like credentials (apiKey,
 * password, token, authorization, key), and every line is scrubbed of the literal value of every
 * secret the settings hold before it reaches stderr or the file, so a key that slips into a URL or
 * an error message is caught too.
 *
 * Progress bars are not logs (src/cli/progress.ts); results never go here (stdout).
 */
import { appendFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pino from 'pino';
import type { Settings } from '../config/settings.js';
import { UserError } from './errors.js';
import { makeFolder } from './make-folder.js';

export type Logger = pino.Logger;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Python logging's names (seed 002) accepted beside pino's. */
const LEVEL_SYNONYMS: Readonly<Record<string, LogLevel>> = { warning: 'warn', critical: 'fatal', notset: 'trace', off: 'silent' };

const REDACT_PATHS = [
  'apiKey', '*.apiKey', 'key', '*.key', 'password', '*.password', 'token', '*.token', 'secret', '*.secret',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'headers.Authorization', 'headers["x-apikey"]', 'headers.Key',
];

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** JSON lines appended here */
  readonly file?: string;
  /** literal values to scrub from every line */
  readonly secrets?: readonly string[];
  /** where the human lines go (default process.stderr) */
  readonly stderr?: { write(s: string): unknown };
}

function scrubber(secrets: readonly string[]): (line: string) => string {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (s.length < 4) continue;
    needles.add(s);
    needles.add(JSON.stringify(s).slice(1, -1));
    needles.add(encodeURIComponent(s));
  }
  const list = [...needles].sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const n of list) if (out.includes(n)) out = out.split(n).join('[Redacted]');
    return out;
  };
}

/** "netsentinel: warn: msg (k=v, k2=v2)" from one pino JSON line. */
export function humanLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json);
  } catch {
    return json;
  }
  const { level, time: _t, msg, pid: _p, hostname: _h, ...rest } = o;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return `netsentinel: ${LEVEL_NAMES[level as number] ?? level}: ${msg ?? ''}${fields ? ` (${fields})` : ''}\n`;
}

export function createLogger(o: LoggerOptions = {}): Logger {
  const level = o.level ?? 'warn';
  const scrub = scrubber(o.secrets ?? []);
  const stderr = o.stderr ?? process.stderr;
  const streams: pino.StreamEntry[] = [{ level: level === 'silent' ? 'fatal' : level, stream: { write: (line: string) => void stderr.write(humanLine(scrub(line))) } }];
  if (o.file) {
    const file = resolve(o.file);
    try {
      makeFolder(dirname(file));
      appendFileSync(file, '');
    } catch (e) {
      throw new UserError(`log.file: cannot write the log file ${o.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    // synchronous appends: a log line is on disk before the process can exit or crash
    streams.push({ level: level === 'silent' ? 'fatal' : level, stream: { write: (line: string) => appendFileSync(file, scrub(line)) } });
  }
  return pino(
    { level, base: undefined, redact: { paths: REDACT_PATHS, censor: '[Redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream(streams),
  );
}

/** The logger a run's settings describe (log.level / LOG_LEVEL, log.file / LOG_FILE), scrubbing every secret they hold. */
export function loggerFromSettings(settings: Settings, stderr?: { write(s: string): unknown }): Logger {
  const level = settings.choice('log.level', LOG_LEVELS, LEVEL_SYNONYMS) ?? 'warn';
  return createLogger({ level, file: settings.string('log.file'), secrets: settings.secretValues(), stderr });
}

/** A logger that writes nothing (library calls made without one). */
export const silentLogger: Logger = pino({ level: 'silent' });
