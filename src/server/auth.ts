/**
 * API keys at the door: when keys are required (always when the service is bound beyond
 * loopback, or when server.requireKeys is set), every route that is not public needs
 * `Authorization: Bearer <key>` (or `X-API-Key: <key>`) of a live key with the route's scope,
 * and each key is held to its rate (429 + Retry-After). Key records are cached in memory and
 * refreshed from the store every few seconds, so `netsentinel keys revoke` takes effect on a
 * running service within that time without a database read per request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { keyId, keyMatches, type ApiKeyRecord, type KeyStore } from '../store/key-store.js';
import { RateLimiter } from './rate-limit.js';
import type { ServiceContext } from './context.js';

export class KeyCache {
  private byId = new Map<string, ApiKeyRecord>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly keys: KeyStore) {}
  async refresh(): Promise<void> {
    const next = new Map<string, ApiKeyRecord>();
    for (const k of await this.keys.list()) if (!k.revokedAt) next.set(k.id, k);
    this.byId = next;
  }
  /** whether a key id is in use (not revoked) as of the last refresh */
  holds(id: string): boolean {
    return this.byId.has(id);
  }
  /** refresh every intervalMs; `after` runs once each refresh is in (the live feed drops revoked keys' streams) */
  start(intervalMs: number, onError: (e: Error) => void, after?: () => void): void {
    this.timer = setInterval(() => this.refresh().then(after, onError), intervalMs);
    this.timer.unref();
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
  get active(): number {
    return this.byId.size;
  }
  find(key: string): ApiKeyRecord | undefined {
    const id = keyId(key);
    const rec = id ? this.byId.get(id) : undefined;
    return rec && keyMatches(key, rec) ? rec : undefined;
  }
}

function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (m) return m[1];
  }
  const x = headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}

/** A request refused at the door: the status, extra headers and the JSON answer. */
export interface Refusal {
  readonly status: 401 | 403 | 429;
  readonly header?: readonly [string, string];
  readonly error: string;
}

/** What the door says: let in (with the id of the key used, if one was) or refused. */
export interface Admission {
  readonly keyId?: string;
  readonly refusal?: Refusal;
}

const OPEN: Admission = Object.freeze({});

/**
 * The key check and rate limit of one request, shared by the Fastify hook and the /classify fast
 * path (classify-fast-path.ts) so both refuse the same requests with the same answers. A service
 * that needs no keys and a request that presents none is let in without allocating anything.
 */
export class Door {
  private readonly limiter = new RateLimiter();
  constructor(
    private readonly ctx: ServiceContext,
    private readonly cache: KeyCache,
  ) {}

  admit(headers: IncomingHttpHeaders, scope: 'read' | 'write'): Admission {
    // the common case of a loopback service with no keys: no header to look at beyond these two
    if (!this.ctx.authRequired && headers.authorization === undefined && headers['x-api-key'] === undefined) return OPEN;
    const key = presentedKey(headers);
    if (!this.ctx.authRequired && key === undefined) return OPEN;
    if (key === undefined) {
      return { refusal: { status: 401, header: ['WWW-Authenticate', 'Bearer'], error: 'this service requires an API key: send "Authorization: Bearer <key>" (make one with: netsentinel keys add NAME --scope read)' } };
    }
    const rec = this.cache.find(key);
    if (!rec) return { refusal: { status: 401, header: ['WWW-Authenticate', 'Bearer error="invalid_token"'], error: 'unknown or revoked API key' } };
    if (scope === 'write' && rec.scope !== 'write') {
      return { keyId: rec.id, refusal: { status: 403, error: `key ${rec.id} has scope "${rec.scope}"; this request needs a "write" key` } };
    }
    const d = this.limiter.take(rec.id, rec.ratePerSecond);
    if (!d.ok) {
      this.ctx.metrics.rateLimited.inc({ key: rec.id });
      return { keyId: rec.id, refusal: { status: 429, header: ['Retry-After', String(d.retryAfterSeconds)], error: `rate limit of key ${rec.id} (${rec.ratePerSecond} requests/s) exceeded; retry after ${d.retryAfterSeconds} s` } };
    }
    return { keyId: rec.id };
  }
}

export function installAuth(app: FastifyInstance, door: Door): void {
  // a callback hook, not an async one: no promise per request on the hot path. Replying here ends
  // the request (done is not called), as Fastify's hooks reference prescribes
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const scope = req.routeOptions.config?.scope ?? (req.url.startsWith('/docs') ? 'public' : 'read');
    if (scope === 'public') return done();
    const a = door.admit(req.headers, scope);
    if (a.keyId !== undefined) req.keyId = a.keyId;
    const r = a.refusal;
    if (!r) return done();
    if (r.header) reply.header(r.header[0], r.header[1]);
    return reply.code(r.status).send({ error: r.error, statusCode: r.status });
  });
}
