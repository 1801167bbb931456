/**
 * Decisions over HTTP: the same table `netsentinel decisions list|add|delete` and `block apply`
 * use (src/store/decision-store.ts, in the service's store), so a ban added here shows in the CLI
 * and the reverse. GET pages them newest first with a cursor; POST adds one as a person would by
 * hand (src/respond/manual-decision.ts: a ban on an allowlisted address is refused with 409 and
 * the allowlist entry that protects it); DELETE removes one by id, or every decision about an
 * address or range.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../context.js';
import { DECISION_TYPES, SEVERITIES, isActive, type Decision, type DecisionSeverity, type DecisionType } from '../../respond/decision.js';
import { canonicalSubject, subjectProblem } from '../../respond/policy.js';
import { manualDecision } from '../../respond/manual-decision.js';
import { UserError } from '../../util/errors.js';
import { ErrorAnswer } from '../schemas.js';

const DecisionAnswer = Type.Object({
  id: Type.String(),
  scope: Type.String({ description: 'ip, range or mac (a host known by its MAC alone: alerts only)' }),
  value: Type.String({ description: 'the address, CIDR or MAC, canonical' }),
  type: Type.String({ description: 'ban or alert' }),
  severity: Type.String(),
  reason: Type.String(),
  reasonKey: Type.String(),
  origin: Type.String({ description: '"manual" (CLI), "api:<key>" or "api" (this API), "analyze:<run>", "intel", ...' }),
  created: Type.String(),
  expires: Type.String(),
  simulated: Type.Boolean(),
  risk: Type.Optional(Type.Number()),
  active: Type.Boolean({ description: 'whether it holds now' }),
});

const DecisionsQuery = Type.Object(
  {
    ip: Type.Optional(Type.String({ maxLength: 64, description: 'only decisions about this address, range or MAC (canonical form is matched)' })),
    type: Type.Optional(Type.Union(DECISION_TYPES.map((t) => Type.Literal(t)))),
    state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('all')], { default: 'active', description: 'active (default): holding now; expired; all' })),
    origin: Type.Optional(Type.String({ maxLength: 200, description: 'exact origin, e.g. manual, api, analyze:<run>' })),
    simulated: Type.Optional(Type.Boolean({ description: 'true: only dry-run decisions; false: only real ones; absent: real ones for state=active, both otherwise' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'the `next` of the previous page' })),
  },
  { additionalProperties: false },
);

const NewDecision = Type.Object(
  {
    ip: Type.String({ minLength: 1, maxLength: 64, description: 'an IPv4/IPv6 address or network (CIDR)' }),
    type: Type.Optional(Type.Union(DECISION_TYPES.map((t) => Type.Literal(t)), { default: 'ban' })),
    severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)), { default: 'high' })),
    duration: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Number()], { default: '4h', description: '90s, 15m, 4h, 7d, 1h30m, or a positive number of seconds (checked as `decisions add --duration` checks it)' })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, default: 'added through the API' })),
    notify: Type.Optional(Type.Boolean({ default: true, description: 'announce it on the notification channels (smtp, webhook, syslog) as the policy\'s alerts; false keeps it quiet (respond.notifyManual: false for all)' })),
  },
  { additionalProperties: false },
);

const DeleteParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Fa-f:.]+$', description: 'a decision id, or an address (every decision about it)' }) }, { additionalProperties: false });
const NotifyParam = Type.Optional(Type.Boolean({ default: true, description: "announce the removal on the notification channels (an unban is news to whoever got the ban); false keeps it quiet (respond.notifyManual: false for all)" }));
const DeleteIdQuery = Type.Object({ notify: NotifyParam }, { additionalProperties: false });
const DeleteQuery = Type.Object({ ip: Type.String({ minLength: 1, maxLength: 64, description: 'an address, CIDR or MAC: every decision about it' }), notify: NotifyParam }, { additionalProperties: false });
const Notifications = Type.Object({ queued: Type.Integer({ description: 'notifications written to the outbox; delivered right after this answer, or by `netsentinel notify --flush` when a channel is down' }), channels: Type.Array(Type.String()) });
const Deleted = Type.Object({ deleted: Type.Array(DecisionAnswer), notifications: Notifications });

function cursorOf(d: Decision): string {
  return Buffer.from(JSON.stringify([d.created, d.id])).toString('base64url');
}

function parseCursor(text: string): { created: string; id: string } | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]))) return { created: v[0], id: v[1] };
  } catch {
    // not JSON: answered below as a bad cursor
  }
  return undefined;
}

export function decisionRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const shown = (d: Decision, now: number) => ({ ...d, active: isActive(d, now) });
  const bad = (field: string, msg: string) => ({ error: `${field}: ${msg}`, statusCode: 400 });

  app.get(
    '/v1/decisions',
    { schema: { summary: 'Decisions (bans, alerts), newest first, with filters and a cursor', tags: ['decisions'], querystring: DecisionsQuery, response: { 200: Type.Object({ decisions: Type.Array(DecisionAnswer), next: Type.Union([Type.String(), Type.Null()]) }), 400: ErrorAnswer } }, config: { scope: 'read' } },
    async (req, reply) => {
      const q = req.query as { ip?: string; type?: DecisionType; state?: 'active' | 'expired' | 'all'; origin?: string; simulated?: boolean; limit?: number; cursor?: string };
      const after = q.cursor === undefined ? undefined : parseCursor(q.cursor);
      if (q.cursor !== undefined && !after) return reply.code(400).send(bad('query.cursor', 'not a cursor this service gave out (use the `next` of a page)'));
      let value: string | undefined;
      if (q.ip !== undefined) {
        const t = canonicalSubject(q.ip);
        if (!t) return reply.code(400).send(bad('query.ip', subjectProblem(q.ip)));
        value = t.value;
      }
      const state = q.state ?? 'active';
      const now = Date.now();
      const limit = q.limit ?? 100;
      try {
        const list = await ctx.decisions.list({
          value,
          type: q.type,
          origin: q.origin,
          simulated: q.simulated ?? (state === 'active' ? false : undefined),
          activeAt: state === 'active' ? now : undefined,
          expiredAt: state === 'expired' ? now : undefined,
          after,
          limit: limit + 1,
        });
        const page = list.slice(0, limit);
        return { decisions: page.map((d) => shown(d, now)), next: list.length > limit ? cursorOf(page[page.length - 1]) : null };
      } catch (e) {
        ctx.metrics.storeErrors.inc({ operation: 'list decisions' });
        throw e;
      }
    },
  );

  app.post(
    '/v1/decisions',
    { schema: { summary: 'Add a decision by hand (as `netsentinel decisions add`)', description: 'A ban on an allowlisted address (loopback, own addresses, gateways, resolvers, respond.allowlist) is refused with 409 naming the entry.', tags: ['decisions'], body: NewDecision, response: { 201: Type.Object({ added: DecisionAnswer, notifications: Type.Object({ queued: Type.Integer({ description: 'notifications written to the outbox; delivered right after this answer, or by `netsentinel notify --flush` when a channel is down' }), channels: Type.Array(Type.String()) }) }), 400: ErrorAnswer, 409: ErrorAnswer } }, config: { scope: 'write' } },
    async (req, reply) => {
      const b = req.body as { ip: string; type?: DecisionType; severity?: DecisionSeverity; duration?: string | number; reason?: string; notify?: boolean };
      let made;
      try {
        made = manualDecision(
          { target: b.ip, type: b.type ?? 'ban', severity: b.severity ?? 'high', duration: b.duration ?? '4h', reason: b.reason ?? 'added through the API', origin: req.keyId ? `api:${req.keyId}` : 'api', durationField: 'body.duration' },
          ctx.allowlist,
        );
      } catch (e) {
        if (e instanceof UserError) return reply.code(400).send({ error: e.message, statusCode: 400 });
        throw e;
      }
      if (!made.ok) return made.kind === 'allowlisted' ? reply.code(409).send({ error: made.message, statusCode: 409 }) : reply.code(400).send(bad('body.ip', made.message));
      try {
        await ctx.decisions.save([made.decision]);
      } catch (e) {
        ctx.metrics.storeErrors.inc({ operation: 'save decision' });
        throw e;
      }
      let notifications: { queued: number; channels: readonly string[] } = { queued: 0, channels: [] };
      if (b.notify !== false) {
        try {
          notifications = await ctx.announcer.announce(made.decision);
        } catch (e) {
          // the decision holds; its announcement could not be written: said in the log and the metrics
          ctx.metrics.storeErrors.inc({ operation: 'queue notification' });
          ctx.log.error({ err: (e as Error).message, decision: made.decision.id }, 'a decision added through the API could not be queued for its announcement');
        }
      }
      return reply.code(201).send({ added: shown(made.decision, Date.now()), notifications });
    },
  );

  const remove = async (target: string, field: string, reply: FastifyReply, notify: boolean, by: string) => {
    const t = canonicalSubject(target);
    // a decision id is 16 hex digits: text with a dot or a colon meant an address or a MAC, and one
    // that is none (192.168.10.050: octal or decimal?) is a 400 saying why, not a 404 "no decision"
    if (!t && /[.:]/.test(target)) return reply.code(400).send(bad(field, subjectProblem(target)));
    let gone: Decision[];
    try {
      gone = await ctx.decisions.delete(t ? t.value : target);
    } catch (e) {
      ctx.metrics.storeErrors.inc({ operation: 'delete decisions' });
      throw e;
    }
    if (!gone.length) return reply.code(404).send({ error: `${field}: no decision with id or address "${target}"`, statusCode: 404 });
    // announced as an added decision is: queued before the answer, delivered after it
    let notifications: { queued: number; channels: readonly string[] } = { queued: 0, channels: [] };
    if (notify) {
      try {
        notifications = await ctx.announcer.announceRemoval(gone, by);
      } catch (e) {
        // the decisions are gone; their announcement could not be written: said in the log and the metrics
        ctx.metrics.storeErrors.inc({ operation: 'queue notification' });
        ctx.log.error({ err: (e as Error).message, decisions: gone.map((d) => d.id) }, 'decisions deleted through the API could not be queued for their announcement');
      }
    }
    const now = Date.now();
    return { deleted: gone.map((d) => shown(d, now)), notifications };
  };

  app.delete(
    '/v1/decisions/:id',
    { schema: { summary: 'Delete a decision by id, or every decision about an address', description: "Announced on the notification channels as an added decision is (?notify=false keeps it quiet). Run 'netsentinel block expire' afterwards to take it out of the firewall.", tags: ['decisions'], params: DeleteParams, querystring: DeleteIdQuery, response: { 200: Deleted, 400: ErrorAnswer, 404: ErrorAnswer } }, config: { scope: 'write' } },
    async (req, reply) => remove((req.params as { id: string }).id, 'path.id', reply, (req.query as { notify?: boolean }).notify !== false, req.keyId ? `api:${req.keyId}` : 'api'),
  );

  app.delete(
    '/v1/decisions',
    { schema: { summary: 'Delete every decision about an address or range (?ip=203.0.113.0/24)', description: 'Announced on the notification channels as an added decision is (&notify=false keeps it quiet).', tags: ['decisions'], querystring: DeleteQuery, response: { 200: Deleted, 400: ErrorAnswer, 404: ErrorAnswer } }, config: { scope: 'write' } },
    async (req, reply) => {
      const { ip, notify } = req.query as { ip: string; notify?: boolean };
      if (!canonicalSubject(ip)) return reply.code(400).send(bad('query.ip', subjectProblem(ip)));
      return remove(ip, 'query.ip', reply, notify !== false, req.keyId ? `api:${req.keyId}` : 'api');
    },
  );
}
