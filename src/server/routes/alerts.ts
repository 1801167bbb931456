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
import { filterAlertTime, postedAlertTime } from '../alert-time.js';
import { formatIp, leadingZeroProblem, parseIp } from '../../detect/ip-address.js';
import { addressFilter } from '../address-param.js';

const NewAlert = Type.Object(
  {
    timestamp: Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601 time of the traffic with its offset (Z or ±hh:mm); stored in UTC as Suricata writes it' }),
    signature: Type.String({ minLength: 1, maxLength: 200 }),
    category: Type.Optional(Type.String({ maxLength: 200 })),
    severity: Type.Integer({ minimum: 1, maximum: 4 }),
    srcIp: Type.Optional(Type.String({ maxLength: 64, description: 'an IPv4 or IPv6 address' })),
    srcPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    destIp: Type.Optional(Type.String({ maxLength: 64, description: 'an IPv4 or IPv6 address' })),
    destPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    proto: Type.Optional(Type.String({ maxLength: 16 })),
    risk: Type.Number({ minimum: 0, maximum: 1 }),
    reasons: Type.Optional(Type.Array(Type.String({ maxLength: 500 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);
const NewAlerts = Type.Object({ alerts: Type.Array(NewAlert, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false });

/** the most alerts sent again to a reconnecting client before it is told to page the rest */
const REPLAY_MAX = 10_000;

/** The Last-Event-ID a reconnecting EventSource sends (an alert id), or undefined: no replay. */
function resumeFrom(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || !/^\d{1,15}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

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
      // the bounds in the store's own time form, so its text comparison is a time comparison
      const bound: { since?: string; until?: string } = {};
      for (const k of ['since', 'until'] as const) {
        if (q[k] === undefined) continue;
        const t = filterAlertTime(String(q[k]));
        if (t === undefined) return reply.code(400).send({ error: `query.${k}: expected an ISO 8601 time, got ${JSON.stringify(q[k])}`, statusCode: 400 });
        bound[k] = t;
      }
      // in the store's one form; an IPv4 address with a leading zero (ambiguous) or none at all is a 400
      const address: { src_ip?: string; dest_ip?: string } = {};
      for (const k of ['src_ip', 'dest_ip'] as const) {
        if (q[k] === undefined) continue;
        const a = addressFilter(`query.${k}`, String(q[k]));
        if ('error' in a) return reply.code(400).send({ error: a.error, statusCode: 400 });
        address[k] = a.value;
      }
      try {
        const page = await ctx.reader.page({
          srcIp: address.src_ip,
          destIp: address.dest_ip,
          maxSeverity: q.max_severity as number | undefined,
          minRisk: q.min_risk as number | undefined,
          since: bound.since,
          until: bound.until,
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
    async (req, reply) => {
      const now = new Date().toISOString();
      const posted = (req.body as { alerts: Record<string, unknown>[] }).alerts;
      // what the schema cannot say: a real time (stored in the store's form) and real addresses
      const times: string[] = [];
      const addresses: { srcIp: string | null; destIp: string | null }[] = [];
      for (const [i, a] of posted.entries()) {
        const t = postedAlertTime(String(a.timestamp));
        if ('error' in t) return reply.code(400).send({ error: `body.alerts[${i}].timestamp: ${t.error}`, statusCode: 400 });
        times.push(t.time);
        const both = { srcIp: null as string | null, destIp: null as string | null };
        for (const k of ['srcIp', 'destIp'] as const) {
          if (a[k] === undefined) continue;
          const ip = parseIp(String(a[k]));
          if (!ip) return reply.code(400).send({ error: `body.alerts[${i}].${k}: ${leadingZeroProblem(String(a[k])) ?? `${JSON.stringify(a[k])} is not an IPv4 or IPv6 address`}`, statusCode: 400 });
          both[k] = formatIp(ip);
        }
        addresses.push(both);
      }
      const alerts: StoredAlert[] = posted.map((a, i) => {
        const { srcIp, destIp } = addresses[i];
        const record = { event_type: 'alert', timestamp: times[i], src_ip: srcIp, src_port: a.srcPort ?? null, dest_ip: destIp, dest_port: a.destPort ?? null, proto: a.proto ?? null, alert: { signature: a.signature, category: a.category ?? 'Posted through the API', severity: a.severity }, netsentinel: { risk: a.risk, reasons: a.reasons ?? [], source: 'api' } };
        return {
          key: createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 40),
          timestamp: times[i],
          signature: String(a.signature),
          category: String(a.category ?? 'Posted through the API'),
          severity: Number(a.severity),
          srcIp,
          srcPort: (a.srcPort as number) ?? null,
          destIp,
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
    // An EventSource that reconnects sends the id of the last event it got: the alerts stored
    // since then are sent first (up to REPLAY_MAX), so a dropped connection loses none. Live
    // alerts arriving meanwhile wait, and an id already sent is never sent twice.
    let sent = resumeFrom(req.headers['last-event-id']);
    const replaying = sent !== undefined;
    const held: AlertWithId[] = [];
    let holding = replaying;
    // A client that reads slower than alerts come (or not at all) would have every event kept in
    // this process's memory, without bound. Beyond limits.streamBufferBytes waiting to be read,
    // the client is dropped: a last `overflow` event says so and names the last id sent, which an
    // EventSource sends back as Last-Event-ID when it reconnects, so it is replayed what it missed.
    const limit = ctx.config.limits.streamBufferBytes;
    let dropped = false;
    const send = (a: AlertWithId) => {
      if (dropped || res.writableEnded || (sent !== undefined && a.id <= sent)) return;
      if (res.writableLength > limit) return drop();
      res.write(sse(a));
      sent = a.id;
    };
    const drop = () => {
      dropped = true;
      off();
      ctx.metrics.streamsDropped.inc();
      res.write(`event: overflow\ndata: ${JSON.stringify({ error: `this client read too slowly: more than ${limit} bytes of events waited for it; reconnect (Last-Event-ID: ${sent ?? 'none'}) to be sent the alerts it missed`, lastEventId: sent ?? null })}\n\n`);
      res.end();
      clearInterval(beat);
      // the socket's own buffers may never drain (a reader that stopped): free them after a grace period
      setTimeout(() => res.destroy(), 30_000).unref();
      ctx.log.warn({ path: '/v1/alerts/stream', ip: req.ip, key: req.keyId, waitingBytes: res.writableLength, lastEventId: sent }, 'live feed: a slow client was dropped');
    };
    const off = ctx.live.subscribe((batch) => {
      if (holding) {
        held.push(...batch);
        // a replay that cannot get rid of its events: what waits here counts against the client too
        if (held.length > REPLAY_MAX) drop();
      } else for (const a of batch) send(a);
    });
    if (replaying) {
      void (async () => {
        try {
          for (let n = 0; n < REPLAY_MAX && !res.destroyed && !dropped; ) {
            const batch = await ctx.reader.after(sent!, Math.min(500, REPLAY_MAX - n));
            for (const a of batch) send(a);
            n += batch.length;
            if (batch.length === 0) break;
            if (n >= REPLAY_MAX) res.write(`: more than ${REPLAY_MAX} alerts were stored since event ${sent}; page the rest with GET /v1/alerts\n\n`);
          }
        } catch (e) {
          ctx.metrics.storeErrors.inc({ operation: 'list alerts' });
          ctx.log.error({ err: (e as Error).message }, 'live feed: replay after Last-Event-ID failed');
        }
        holding = false;
        for (const a of held.splice(0)) send(a);
      })();
    }
    // not after the stream was ended (dropped, revoked, shutting down): a write after end is an error
    const beat = setInterval(() => {
      if (!res.writableEnded) res.write(': keep-alive\n\n');
    }, 15_000);
    const end = () => {
      clearInterval(beat);
      off();
    };
    req.raw.socket.setTimeout(0);
    ctx.live.track(res, req.keyId);
    res.on('close', end);
    ctx.log.info({ method: 'GET', path: '/v1/alerts/stream', status: 200, ip: req.ip, key: req.keyId }, 'access');
  });
}
