/**
 * Alerts: pages of stored alerts with filters and a cursor (GET /v1/alerts), alerts posted by
 * other sensors (POST /v1/alerts, what seed 002 sent to its backend; write scope), and the live
 * feed as server-sent events (GET /v1/alerts/stream: one `alert` event per new alert, whichever
 * process stored it).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../context.js';
import type { AlertWithId } from '../../store/alert-query.js';
import type { StoredAlert } from '../../store/alert-store.js';
import { AlertsPage, AlertsQuery, ErrorAnswer } from '../schemas.js';

const NewAlert = Type.Object(
  {
    timestamp: Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601 time of the traffic' }),
    signature: Type.String({ minLength: 1, maxLength: 200 }),
    category: Type.Optional(Type.String({ maxLength: 200 })),
    severity: Type.Integer({ minimum: 1, maximum: 4 }),
    srcIp: Type.Optional(Type.String({ maxLength: 64 })),
    srcPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    destIp: Type.Optional(Type.String({ maxLength: 64 })),
    destPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    proto: Type.Optional(Type.String({ maxLength: 16 })),
    risk: Type.Number({ minimum: 0, maximum: 1 }),
    reasons: Type.Optional(Type.Array(Type.String({ maxLength: 500 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);
const NewAlerts = Type.Object({ alerts: Type.Array(NewAlert, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false });

function sse(a: AlertWithId): string {
  return `id: ${a.id}\nevent: alert\ndata: ${JSON.stringify(a)}\n\n`;
}

export function alertRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(
    '/v1/alerts',
    { schema: { summary: 'Stored alerts, newest first, with filters and a cursor', tags: ['alerts'], querystring: AlertsQuery, response: { 200: AlertsPage, 400: ErrorAnswer } }, config: { scope: 'read' } },
    async (req, reply) => {
      const q = req.query as Record<string, string | number | undefined>;
      let before: number | undefined;
      if (q.cursor !== undefined) {
        before = Number(Buffer.from(String(q.cursor), 'base64url').toString('utf8'));
        if (!Number.isInteger(before) || before < 1) return reply.code(400).send({ error: 'query.cursor: not a cursor this service gave out (use the `next` of a page)', statusCode: 400 });
      }
      for (const k of ['since', 'until'] as const) {
        if (q[k] !== undefined && Number.isNaN(Date.parse(String(q[k])))) return reply.code(400).send({ error: `query.${k}: expected an ISO 8601 time, got ${JSON.stringify(q[k])}`, statusCode: 400 });
      }
      try {
        const page = await ctx.reader.page({
          srcIp: q.src_ip as string | undefined,
          destIp: q.dest_ip as string | undefined,
          maxSeverity: q.max_severity as number | undefined,
          minRisk: q.min_risk as number | undefined,
          since: q.since as string | undefined,
          until: q.until as string | undefined,
          signature: q.signature as string | undefined,
          limit: (q.limit as number | undefined) ?? 100,
          before,
        });
        return { alerts: page.alerts, next: page.next === null ? null : Buffer.from(String(page.next)).toString('base64url') };
      } catch (e) {
        ctx.metrics.storeErrors.inc({ operation: 'list alerts' });
        throw e;
      }
    },
  );

  app.post(
    '/v1/alerts',
    { schema: { summary: 'Store alerts from another sensor', tags: ['alerts'], body: NewAlerts, response: { 400: ErrorAnswer } }, config: { scope: 'write' } },
    async (req) => {
      const now = new Date().toISOString();
      const alerts: StoredAlert[] = (req.body as { alerts: Record<string, unknown>[] }).alerts.map((a) => {
        const record = { event_type: 'alert', timestamp: a.timestamp, src_ip: a.srcIp ?? null, src_port: a.srcPort ?? null, dest_ip: a.destIp ?? null, dest_port: a.destPort ?? null, proto: a.proto ?? null, alert: { signature: a.signature, category: a.category ?? 'Posted through the API', severity: a.severity }, netsentinel: { risk: a.risk, reasons: a.reasons ?? [], source: 'api' } };
        return {
          key: createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 40),
          timestamp: String(a.timestamp),
          signature: String(a.signature),
          category: String(a.category ?? 'Posted through the API'),
          severity: Number(a.severity),
          srcIp: (a.srcIp as string) ?? null,
          srcPort: (a.srcPort as number) ?? null,
          destIp: (a.destIp as string) ?? null,
          destPort: (a.destPort as number) ?? null,
          proto: (a.proto as string) ?? null,
          risk: Number(a.risk),
          reasons: (a.reasons as string[]) ?? [],
          record,
        };
      });
      try {
        const run = await ctx.store.saveRun({ startedAt: now, finishedAt: now, inputs: [`api${req.keyId ? ':' + req.keyId : ''}`], flows: 0, alerts: alerts.length, summary: { source: 'POST /v1/alerts' } });
        const r = await ctx.store.saveAlerts(run, alerts);
        void ctx.live.poll();
        return r;
      } catch (e) {
        ctx.metrics.storeErrors.inc({ operation: 'save alerts' });
        throw e;
      }
    },
  );

  app.get('/v1/alerts/stream', { schema: { summary: 'New alerts as server-sent events (event: alert)', tags: ['alerts'] }, config: { scope: 'read' } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(': netsentinel live alerts\nretry: 2000\n\n');
    const off = ctx.live.subscribe((batch) => {
      for (const a of batch) res.write(sse(a));
    });
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const end = () => {
      clearInterval(beat);
      off();
    };
    req.raw.socket.setTimeout(0);
    ctx.live.track(res);
    res.on('close', end);
    ctx.log.info({ method: 'GET', path: '/v1/alerts/stream', status: 200, ip: req.ip, key: req.keyId }, 'access');
  });
}
