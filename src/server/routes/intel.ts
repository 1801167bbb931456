/**
 * Threat intelligence over HTTP, the `intel` verb's answer for one address (GET /v1/intel/:ip) or
 * many (POST /v1/intel): the local feeds, each provider that has a key (through the cache in the
 * service's store, its rate budget and timeout), fused into a score and severity, by the same
 * code (src/intel/threat-intel.ts, opened once by the service). A provider that fails is a source
 * that did not answer, with why; the answer is then partial, never a 5xx (service-intel.ts).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../context.js';
import { leadingZeroProblem, parseIp } from '../../detect/ip-address.js';
import { ErrorAnswer } from '../schemas.js';

const SourceAnswer = Type.Object(
  {
    source: Type.String({ description: 'feeds, ipqs, virustotal, abuseipdb' }),
    status: Type.String({ description: 'answered, cached, listed, not-listed, no-key, skipped, bad-key, rate-limited, timeout, unreachable, malformed, error' }),
    answered: Type.Boolean({ description: 'whether it took part in the score' }),
    score: Type.Optional(Type.Number()),
    malicious: Type.Optional(Type.Boolean()),
    weight: Type.Optional(Type.Number()),
    indicators: Type.Array(Type.String()),
    reason: Type.Optional(Type.String({ description: 'why it did not answer' })),
    retryAfterSeconds: Type.Optional(Type.Number()),
    fetchedAt: Type.Optional(Type.String({ description: 'when a cached answer was fetched' })),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: true },
);

export const IntelAnswer = Type.Object(
  {
    ip: Type.String(),
    score: Type.Number({ description: 'fused threat score 0-100' }),
    severity: Type.String({ description: 'critical ≥ 90, high ≥ 75, medium ≥ 50, low ≥ 25, else none' }),
    malicious: Type.Boolean(),
    indicators: Type.Array(Type.String()),
    answered: Type.Array(Type.String({ description: 'the sources that took part' })),
    partial: Type.Boolean({ description: 'true when a configured source did not answer (failure, rate limit, timeout)' }),
    feeds: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    sources: Type.Array(SourceAnswer),
  },
  { additionalProperties: true },
);

const BATCH_CONCURRENCY = 8;
const IntelParams = Type.Object({ ip: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Fa-f:.]+$' }) }, { additionalProperties: false });
const IntelBatch = Type.Object({ ips: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100, description: 'addresses to look up (at most 100)' }) }, { additionalProperties: false });

export function intelRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(
    '/v1/intel/:ip',
    { schema: { summary: 'Threat intelligence on an address (as `netsentinel intel IP`)', description: 'Local feeds, then each provider with a key (cached), fused. A provider that fails is reported as a source that did not answer (partial: true).', tags: ['intel'], params: IntelParams, response: { 200: IntelAnswer, 400: ErrorAnswer } }, config: { scope: 'read' } },
    async (req, reply) => {
      const { ip } = req.params as { ip: string };
      if (!parseIp(ip)) return reply.code(400).send({ error: `path.ip: ${leadingZeroProblem(ip) ?? `"${ip}" is not an IPv4 or IPv6 address`}`, statusCode: 400 });
      return ctx.intel.lookup(ip);
    },
  );

  app.post(
    '/v1/intel',
    { schema: { summary: 'Threat intelligence on many addresses', tags: ['intel'], body: IntelBatch, response: { 200: Type.Object({ results: Type.Array(IntelAnswer) }), 400: ErrorAnswer } }, config: { scope: 'read' } },
    async (req, reply) => {
      const { ips } = req.body as { ips: string[] };
      const badAt = ips.findIndex((ip) => !parseIp(ip));
      if (badAt >= 0) return reply.code(400).send({ error: `body.ips[${badAt}]: ${leadingZeroProblem(ips[badAt]) ?? `"${ips[badAt].slice(0, 64)}" is not an IPv4 or IPv6 address`}`, statusCode: 400 });
      // a few at a time, in the order asked: a slow provider (up to intel.timeoutSeconds) does not
      // make a hundred addresses take a hundred timeouts, and the providers' own rate budgets still hold
      const results: unknown[] = new Array(ips.length);
      let next = 0;
      const worker = async () => {
        while (next < ips.length) {
          const i = next++;
          results[i] = await ctx.intel.lookup(ips[i]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, ips.length) }, worker));
      return { results };
    },
  );
}
