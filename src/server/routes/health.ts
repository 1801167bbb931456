/**
 * Liveness, readiness and metrics. /healthz answers while the process runs; /readyz only when
 * models are loaded and the store answers (and 503 while shutting down, so a load balancer stops
 * sending before the listener closes); /metrics is Prometheus text.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';
import { ErrorAnswer, Health, Ready } from '../schemas.js';

export function healthRoutes(app: FastifyInstance, ctx: ServiceContext, state: { shuttingDown: boolean }): void {
  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['service'], response: { 200: Health } }, config: { scope: 'public' } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: models loaded and store reachable', tags: ['service'], response: { 200: Ready, 503: ErrorAnswer } }, config: { scope: 'public' } },
    async (_req, reply) => {
      if (state.shuttingDown) return reply.code(503).send({ error: 'shutting down', statusCode: 503 });
      try {
        await ctx.reader.lastId();
      } catch (e) {
        ctx.metrics.storeErrors.inc({ operation: 'readyz' });
        ctx.log.error({ err: (e as Error).message }, 'store not reachable');
        return reply.code(503).send({ error: 'the store is not reachable', statusCode: 503 });
      }
      return { status: 'ready', models: ctx.models.list().length, store: ctx.store.where };
    },
  );
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['service'] }, config: { scope: 'read' } }, async (_req, reply) => {
    reply.header('Content-Type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
