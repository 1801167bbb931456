/**
 * API keys at the door: when keys are required (always when the service is bound beyond
 * loopback, or when server.requireKeys is set), every route that is not public needs
 * `Authorization: Bearer <key>` (or `X-API-Key: <key>`) of a live key with the route's scope,
 * and each key is held to its rate (429 + Retry-After). Key records are cached in memory and
 * refreshed from the store every few seconds, so `netsentinel keys revoke` takes effect on a
 * running service within that time without a database read per request.
 */
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
  start(intervalMs: number, onError: (e: Error) => void): void {
    this.timer = setInterval(() => this.refresh().catch(onError), intervalMs);
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

function presentedKey(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (m) return m[1];
  }
  const x = req.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}

export function installAuth(app: FastifyInstance, ctx: ServiceContext, cache: KeyCache): void {
  const limiter = new RateLimiter();
  // a callback hook, not an async one: no promise per request on the hot path. Replying here ends
  // the request (done is not called), as Fastify's hooks reference prescribes
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const scope = req.routeOptions.config?.scope ?? (req.url.startsWith('/docs') ? 'public' : 'read');
    if (scope === 'public') return done();
    const key = presentedKey(req);
    if (!ctx.authRequired && key === undefined) return done();
    if (key === undefined) {
      reply.header('WWW-Authenticate', 'Bearer');
      return reply.code(401).send({ error: 'this service requires an API key: send "Authorization: Bearer <key>" (make one with: netsentinel keys add NAME --scope read)', statusCode: 401 });
    }
    const rec = cache.find(key);
    if (!rec) {
      reply.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      return reply.code(401).send({ error: 'unknown or revoked API key', statusCode: 401 });
    }
    req.keyId = rec.id;
    if (scope === 'write' && rec.scope !== 'write') {
      return reply.code(403).send({ error: `key ${rec.id} has scope "${rec.scope}"; this request needs a "write" key`, statusCode: 403 });
    }
    const d = limiter.take(rec.id, rec.ratePerSecond);
    if (!d.ok) {
      ctx.metrics.rateLimited.inc({ key: rec.id });
      reply.header('Retry-After', String(d.retryAfterSeconds));
      return reply.code(429).send({ error: `rate limit of key ${rec.id} (${rec.ratePerSecond} requests/s) exceeded; retry after ${d.retryAfterSeconds} s`, statusCode: 429 });
    }
    done();
  });
}
