/**
 * The dashboard, served by the service itself: the HTML shell for each page path, its script
 * and stylesheet (all from this process; nothing from a CDN). The pages read the API, so they
 * need a read key exactly when the API does.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../context.js';
import { dashboardHtml } from '../dashboard/page.js';
import { DASHBOARD_JS } from '../dashboard/client.js';
import { DASHBOARD_CSS } from '../dashboard/style.js';

export function dashboardRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const pub = { config: { scope: 'public' as const }, schema: { hide: true } };
  const html = (title: string) => async (_req: unknown, reply: { type(t: string): unknown }) => {
    reply.type('text/html; charset=utf-8');
    return dashboardHtml(title);
  };
  app.get('/dashboard', pub, async (_req, reply) => reply.redirect('/dashboard/'));
  app.get('/dashboard/', pub, html('Overview'));
  app.get('/dashboard/models', pub, html('Models'));
  app.get('/dashboard/runs', pub, html('Analyses'));
  app.get('/dashboard/classify', pub, html('Classify'));
  app.get('/dashboard/ip/:ip', pub, html('Source'));
  app.get('/dashboard/assets/app.js', pub, async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(DASHBOARD_JS));
  app.get('/dashboard/assets/style.css', pub, async (_req, reply) => reply.type('text/css; charset=utf-8').send(DASHBOARD_CSS));
  app.get(
    '/v1/runs',
    { schema: { summary: 'Analysis runs stored, newest first', tags: ['alerts'], querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false }) }, config: { scope: 'read' } },
    async (req) => ({ runs: await ctx.reader.runs((req.query as { limit?: number }).limit ?? 50) }),
  );
}
