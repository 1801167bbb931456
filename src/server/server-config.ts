/**
 * The `server` section of the configuration file (and NETSENTINEL_SERVER_* variables), as a pure
 * function of the section, the environment and the file name, so errors name the file and key:
 *
 *   server:
 *     host: 127.0.0.1            # binding anywhere else requires API keys
 *     port: 8080
 *     requireKeys: false         # true: keys even on loopback
 *     classify: { model: gbdt, minConfidence: 0.5, unknownCategory: reject }
 *     limits: { bodyBytes: 65536, batchBytes: 1073741824, maxConnections: 1024,
 *               headersTimeoutMs: 10000, requestTimeoutMs: 30000, batchTimeoutMs: 600000,
 *               keepAliveTimeoutMs: 5000, streamBufferBytes: 1048576 }   # a live-feed client further behind is dropped
 *     rateLimit: { perSecond: 100 }   # default for keys made without --rate
 *     cors: { origins: [] }           # off unless origins are listed
 *     accessLog: "-"                   # '-' = stderr, a file path, or 'off'
 *     watchModels: true               # reload model files when they change
 */
import type { UnknownCategory } from './row-encoder.js';
import { isIP } from 'node:net';
import { UserError } from '../util/errors.js';

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly requireKeys: boolean;
  readonly classify: { readonly model?: string; readonly minConfidence: number; readonly unknownCategory: UnknownCategory };
  readonly limits: {
    readonly bodyBytes: number;
    readonly batchBytes: number;
    readonly maxConnections: number;
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly batchTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    /** most bytes of live-feed events waiting for one slow client before it is dropped */
    readonly streamBufferBytes: number;
  };
  readonly rateLimit: { readonly perSecond: number };
  readonly cors: { readonly origins: readonly string[] };
  readonly accessLog: string;
  readonly watchModels: boolean;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 8080,
  requireKeys: false,
  classify: { minConfidence: 0.5, unknownCategory: 'reject' },
  limits: {
    bodyBytes: 64 * 1024,
    batchBytes: 1024 * 1024 * 1024,
    maxConnections: 1024,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    batchTimeoutMs: 600_000,
    keepAliveTimeoutMs: 5_000,
    streamBufferBytes: 1024 * 1024,
  },
  rateLimit: { perSecond: 100 },
  cors: { origins: [] },
  accessLog: '-',
  watchModels: true,
};

type Env = { get(key: string): string | undefined } | Readonly<Record<string, string | undefined>>;

function envGet(env: Env, key: string): string | undefined {
  return typeof (env as { get?: unknown }).get === 'function' ? (env as { get(k: string): string | undefined }).get(key) : (env as Record<string, string | undefined>)[key];
}

/** A section view of the settings loader (src/config/settings.ts): flags > environment > .env > file. */
interface SectionView {
  get(key: string): string | undefined;
  lookup?(key: string): { value: unknown } | undefined;
}

/**
 * `section` is the parsed `server` mapping (with `env` holding NETSENTINEL_SERVER_* variables), or
 * the settings loader's view of the section (`settings.section('server')`), which already applies
 * flags, environment, .env and the file in that order.
 */
export function serverConfigFrom(section: unknown, env: Env, file = 'the configuration'): ServerConfig {
  const view = section && typeof (section as SectionView).get === 'function' ? (section as SectionView) : undefined;
  if (!view && section !== undefined && section !== null && (typeof section !== 'object' || Array.isArray(section))) {
    throw new UserError(`${file}: server must be a mapping of keys to values`);
  }
  const s = (view ? {} : (section ?? {})) as Record<string, unknown>;
  const where = (k: string): string => `${file}: server.${k}`;
  const pick = (path: string, envName: string): unknown => {
    if (view) return view.lookup ? view.lookup(path)?.value : view.get(path);
    const e = envGet(env, envName);
    if (e !== undefined) return e;
    let v: unknown = s;
    for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v;
  };
  const known = ['host', 'port', 'requireKeys', 'classify', 'limits', 'rateLimit', 'cors', 'accessLog', 'watchModels'];
  for (const k of Object.keys(s)) if (!known.includes(k)) throw new UserError(`${file}: unknown key server.${k} (known: ${known.join(', ')})`);
  const num = (path: string, envName: string, def: number, min: number, max: number, integer = true): number => {
    const raw = pick(path, envName);
    if (raw === undefined) return def;
    const v = typeof raw === 'string' ? Number(raw) : raw;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new UserError(`${where(path)} (or ${envName}) must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return v;
  };
  const bool = (path: string, envName: string, def: boolean): boolean => {
    const raw = pick(path, envName);
    if (raw === undefined) return def;
    if (raw === true || raw === 'true' || raw === '1') return true;
    if (raw === false || raw === 'false' || raw === '0') return false;
    throw new UserError(`${where(path)} (or ${envName}) must be true or false, got ${JSON.stringify(raw)}`);
  };
  const str = (path: string, envName: string, def: string | undefined): string | undefined => {
    const raw = pick(path, envName);
    if (raw === undefined) return def;
    if (typeof raw !== 'string' || raw === '') throw new UserError(`${where(path)} (or ${envName}) must be a non-empty string, got ${JSON.stringify(raw)}`);
    return raw;
  };
  const d = DEFAULT_SERVER_CONFIG;
  const unknownCategory = str('classify.unknownCategory', 'NETSENTINEL_SERVER_CLASSIFY_UNKNOWN_CATEGORY', d.classify.unknownCategory)!;
  if (unknownCategory !== 'reject' && unknownCategory !== 'ignore') throw new UserError(`${where('classify.unknownCategory')} must be reject or ignore, got "${unknownCategory}"`);
  const originsRaw = pick('cors.origins', 'NETSENTINEL_SERVER_CORS_ORIGINS');
  const origins = typeof originsRaw === 'string' ? originsRaw.split(',').map((x) => x.trim()).filter(Boolean) : (originsRaw ?? []);
  if (!Array.isArray(origins) || origins.some((o) => typeof o !== 'string' || !/^(https?:\/\/[^/\s]+|\*)$/.test(o))) {
    throw new UserError(`${where('cors.origins')} must be a list of origins such as https://soc.example.com, got ${JSON.stringify(originsRaw)}`);
  }
  const host = str('host', 'NETSENTINEL_SERVER_HOST', d.host)!;
  if (!isHostText(host)) {
    throw new UserError(`${where('host')} (or NETSENTINEL_SERVER_HOST) must be an IP address or a host name, got "${host}"`);
  }
  return {
    host,
    port: num('port', 'NETSENTINEL_SERVER_PORT', d.port, 0, 65535),
    requireKeys: bool('requireKeys', 'NETSENTINEL_SERVER_REQUIRE_KEYS', d.requireKeys),
    classify: {
      model: str('classify.model', 'NETSENTINEL_SERVER_CLASSIFY_MODEL', undefined),
      minConfidence: num('classify.minConfidence', 'NETSENTINEL_SERVER_CLASSIFY_MIN_CONFIDENCE', d.classify.minConfidence, 0, 1, false),
      unknownCategory,
    },
    limits: {
      bodyBytes: num('limits.bodyBytes', 'NETSENTINEL_SERVER_LIMITS_BODY_BYTES', d.limits.bodyBytes, 1024, 1 << 30),
      batchBytes: num('limits.batchBytes', 'NETSENTINEL_SERVER_LIMITS_BATCH_BYTES', d.limits.batchBytes, 1024, Number.MAX_SAFE_INTEGER),
      maxConnections: num('limits.maxConnections', 'NETSENTINEL_SERVER_LIMITS_MAX_CONNECTIONS', d.limits.maxConnections, 1, 1_000_000),
      headersTimeoutMs: num('limits.headersTimeoutMs', 'NETSENTINEL_SERVER_LIMITS_HEADERS_TIMEOUT_MS', d.limits.headersTimeoutMs, 100, 3_600_000),
      requestTimeoutMs: num('limits.requestTimeoutMs', 'NETSENTINEL_SERVER_LIMITS_REQUEST_TIMEOUT_MS', d.limits.requestTimeoutMs, 100, 3_600_000),
      batchTimeoutMs: num('limits.batchTimeoutMs', 'NETSENTINEL_SERVER_LIMITS_BATCH_TIMEOUT_MS', d.limits.batchTimeoutMs, 100, 86_400_000),
      keepAliveTimeoutMs: num('limits.keepAliveTimeoutMs', 'NETSENTINEL_SERVER_LIMITS_KEEP_ALIVE_TIMEOUT_MS', d.limits.keepAliveTimeoutMs, 100, 3_600_000),
      streamBufferBytes: num('limits.streamBufferBytes', 'NETSENTINEL_SERVER_LIMITS_STREAM_BUFFER_BYTES', d.limits.streamBufferBytes, 4096, 1 << 30),
    },
    rateLimit: { perSecond: num('rateLimit.perSecond', 'NETSENTINEL_SERVER_RATE_LIMIT_PER_SECOND', d.rateLimit.perSecond, 0.001, 1e9, false) },
    cors: { origins: origins as string[] },
    accessLog: str('accessLog', 'NETSENTINEL_SERVER_ACCESS_LOG', d.accessLog)!,
    watchModels: bool('watchModels', 'NETSENTINEL_SERVER_WATCH_MODELS', d.watchModels),
  };
}

/**
 * Whether text can be a host to bind: an IP address or a name (resolved when the service binds). A
 * dotted quad out of range (999.1.1.1) is a typo, said before anything is opened.
 */
export function isHostText(host: string): boolean {
  return host.trim() !== '' && !/\s/.test(host) && !(/^[\d.]+$/.test(host) && isIP(host) === 0);
}

/** Whether a host name binds to loopback only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '[::1]';
}
