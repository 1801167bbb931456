/**
 * Risk: of flows (scored against the baseline the service was given, with the reasons that made
 * them unusual), and of a source IP (from its stored alerts, with its decisions and threat
 * intelligence: what the dashboard's IP page shows); plus the top sources and the risk
 * over time the dashboard draws.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../context.js';
import { ErrorAnswer, FlowRiskAnswer, FlowRiskBody, IpParams, IpRiskAnswer } from '../schemas.js';
import { categoricalFrom, numericColumn, type Column, type FlowTable } from '../../flows/table.js';
import { canonicalField } from '../seed-fields.js';
import { rowExplainer } from '../../risk/column-stats.js';
import { describe } from '../row-encoder.js';
import { cidrContains, formatIp, parseCidr, parseIp, type IpAddress } from '../../detect/ip-address.js';
import { isActive, type Decision } from '../../respond/decision.js';
import { addressFilter } from '../address-param.js';
import { BatchInputError, readBatches } from '../batch-reader.js';

class FlowFieldError extends Error {}

/** JSON flows → a FlowTable with the columns (names and kinds) of the baseline's data. */
interface FlowsTable {
  readonly table: FlowTable;
  /** per flow, the baseline's feature columns it did not give (imputed with the baseline's values) */
  readonly missing: string[][];
  /** per flow, its fields that are no column of the baseline (ignored: often a misspelt name) */
  readonly unknown: string[][];
}

/**
 * A flow given with few of the baseline's columns is still scored (the rest are imputed as in
 * training), but the answer says which were missing and which fields were not known: a flow whose
 * only field was "Dst Port" got risk 0.87 and no word that 80 columns had been made up. A flow
 * with none of the feature columns is refused, naming the fields it had.
 */
/** How a flow and one of its fields are named in errors: body.flows[3].duration (JSON), body line 5, column duration (CSV). */
interface FlowNames {
  flow(i: number): string;
  field(i: number, name: string): string;
}

const JSON_NAMES: FlowNames = { flow: (i) => `body.flows[${i}]`, field: (i, name) => `body.flows[${i}].${name}` };

function csvNames(lines: readonly number[]): FlowNames {
  return { flow: (i) => `body line ${lines[i]}`, field: (i, name) => `body line ${lines[i]}, column ${JSON.stringify(name)}` };
}

function tableOf(reference: FlowTable, flows: readonly Record<string, unknown>[], names: FlowNames = JSON_NAMES): FlowsTable {
  const columns: Column[] = [];
  const lookups = flows.map((f) => new Map(Object.entries(f).map(([k, v]) => [canonicalField(k), v])));
  const given = (x: unknown): boolean => x !== undefined && x !== null && x !== '';
  const known = new Set(reference.columns.map((c) => canonicalField(c.name)));
  const features = reference.columns.filter((c) => c.role === 'feature');
  const missing = lookups.map((l) => features.filter((c) => !given(l.get(canonicalField(c.name)))).map((c) => c.name));
  const unknown = flows.map((f) => Object.keys(f).filter((k) => !known.has(canonicalField(k))));
  missing.forEach((m, i) => {
    if (features.length > 0 && m.length === features.length) {
      const fields = Object.keys(flows[i]);
      throw new FlowFieldError(
        `${names.flow(i)}: none of the baseline's ${features.length} feature columns is given (e.g. ${features.slice(0, 4).map((c) => JSON.stringify(c.name)).join(', ')})` +
          (fields.length ? `; its fields: ${fields.slice(0, 10).map((k) => JSON.stringify(k)).join(', ')}` : ''),
      );
    }
  });
  for (const c of reference.columns) {
    if (c.role === 'label') continue;
    const key = canonicalField(c.name);
    if (c.kind === 'numeric') {
      const v = new Float64Array(flows.length);
      lookups.forEach((l, i) => {
        const x = l.get(key);
        if (x === undefined || x === null || x === '') v[i] = NaN;
        else if (typeof x === 'number') v[i] = x;
        else if (typeof x === 'string' && Number.isFinite(Number(x))) v[i] = Number(x);
        else throw new FlowFieldError(`${names.field(i, c.name)}: expected a number, got ${describe(x)}`);
      });
      columns.push(numericColumn(c.name, c.role, v));
    } else {
      columns.push(categoricalFrom(c.name, c.role, lookups.map((l) => {
        const x = l.get(key);
        return x === undefined || x === null ? null : String(x);
      })));
    }
  }
  return { table: { rowCount: flows.length, columns, format: reference.format }, missing, unknown };
}

/** Decisions about an address: those naming it (newest 50, any state) and the ranges holding it that hold now. */
async function decisionsAbout(ctx: ServiceContext, addr: IpAddress, canonical: string): Promise<(Decision & { active: boolean })[]> {
  const now = Date.now();
  try {
    const own = await ctx.decisions.list({ value: canonical, limit: 50 });
    const ranges = (await ctx.decisions.list({ activeAt: now })).filter((d) => {
      if (d.scope !== 'range') return false;
      const c = parseCidr(d.value);
      return typeof c !== 'string' && cidrContains(c, addr);
    });
    return [...own, ...ranges].map((d) => ({ ...d, active: isActive(d, now) }));
  } catch (e) {
    ctx.metrics.storeErrors.inc({ operation: 'list decisions' });
    throw e;
  }
}

/** the most flows one request may score (FlowRiskBody's maxItems) */
const MAX_FLOWS = 10_000;

/**
 * A CSV body (a header line, then one flow per line) as the {"flows": [...]} a JSON body gives, read
 * by batch-reader.ts's readBatches: the CSV reader of POST /v1/predict (its splitCsvLine, RFC 4180
 * quotes, the same errors naming the line), not a second one. Each flow's line is kept for errors.
 */
async function csvFlows(text: string): Promise<{ flows: Record<string, string>[]; lines: number[] }> {
  const flows: Record<string, string>[] = [];
  const lines: number[] = [];
  for await (const b of readBatches(Readable.from([text]), 'csv', Infinity, 4096)) {
    const header = b.header!;
    b.cells!.forEach((cells, i) => {
      const flow: Record<string, string> = {};
      header.forEach((h, j) => (flow[h] = cells[j]));
      flows.push(flow);
      lines.push(b.where[i]);
    });
    if (flows.length > MAX_FLOWS) throw new BatchInputError(400, `body: more than ${MAX_FLOWS} flows (line ${lines[MAX_FLOWS]} is flow ${MAX_FLOWS + 1}); send at most ${MAX_FLOWS} per request, or the whole file to POST /v1/analyze`);
  }
  if (flows.length === 0) throw new BatchInputError(400, 'body: a CSV header and no flow under it');
  return { flows, lines };
}

/** the line of each flow of a body read from CSV (the parsed body is the key) */
const csvLines = new WeakMap<object, number[]>();

export async function riskRoutes(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  // its own scope: text/csv is read only here (other JSON routes keep answering 415 to it)
  await app.register(async (scope) => riskFlowsRoute(scope, ctx));
  ipRoutes(app, ctx);
}

function riskFlowsRoute(app: FastifyInstance, ctx: ServiceContext): void {
  // a CSV body becomes {"flows": [...]} before the schema check, so both kinds meet the same
  // limits (server.limits.bodyBytes, at most 10,000 flows) and the same scoring
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, text, done) => {
    csvFlows(text as string).then(
      ({ flows, lines }) => {
        const body = { flows };
        csvLines.set(body, lines);
        done(null, body);
      },
      (e: Error) => done(e, undefined),
    );
  });
  app.post(
    '/v1/risk/flows',
    {
      schema: {
        summary: 'Risk of flows against the baseline, with reasons',
        description: `Body: application/json {"flows": [{column: value, ...}, ...]}, or text/csv with a header line and one flow per line (as POST /v1/predict reads CSV; an empty cell is missing); at most ${MAX_FLOWS} flows and server.limits.bodyBytes. Any other Content-Type: 415.`,
        tags: ['risk'],
        consumes: ['application/json', 'text/csv'],
        body: FlowRiskBody,
        response: { 200: FlowRiskAnswer, 400: ErrorAnswer, 409: ErrorAnswer, 413: ErrorAnswer, 415: ErrorAnswer },
      },
      config: { scope: 'read', accepts: 'application/json ({"flows": [...]}) or text/csv (a header line, one flow per line)' },
    },
    async (req, reply) => {
      const b = ctx.models.baseline();
      if (!b?.baseline.reference) return reply.code(409).send({ error: 'this service has no baseline (start it with --baseline FILE made by netsentinel baseline)', statusCode: 409 });
      const flows = (req.body as { flows: Record<string, unknown>[] }).flows;
      const lines = csvLines.get(req.body as object);
      let t: FlowTable;
      let given: FlowsTable;
      try {
        given = tableOf(b.baseline.reference, flows, lines ? csvNames(lines) : JSON_NAMES);
        t = given.table;
      } catch (e) {
        if (e instanceof FlowFieldError) return reply.code(400).send({ error: e.message, statusCode: 400 });
        throw e;
      }
      const s = b.scorer.score(t, 'request body');
      const explain = rowExplainer(b.baseline.columns, t, 3);
      return {
        calibration: b.scorer.calibration,
        results: flows.map((_, r) => ({
          risk: s.risk[r],
          evidence: s.evidence[r],
          detectors: Object.fromEntries([...s.p].map(([name, p]) => [name, p[r]])),
          ...(s.predictedClass ? { predicted: s.predictedClass[r] } : {}),
          reasons: explain(r).map((x) => x.text),
          missing: given.missing[r],
          unknownFields: given.unknown[r],
        })),
      };
    },
  );
}

function ipRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(
    '/v1/ips/:ip',
    { schema: { summary: 'A source IP: risk from its stored alerts, its decisions and threat intelligence (the dashboard IP page)', tags: ['risk'], params: IpParams, response: { 200: IpRiskAnswer, 400: ErrorAnswer } }, config: { scope: 'read' } },
    async (req, reply) => {
      const { ip: asked } = req.params as { ip: string };
      // the address as the store writes it, however it was spelled in the URL; 192.168.10.050 is a 400
      const shown = addressFilter('path.ip', asked);
      if ('error' in shown) return reply.code(400).send({ error: shown.error, statusCode: 400 });
      const ip = shown.value;
      const addr = parseIp(ip);
      // the totals over all of the source's alerts (a page of the newest undercounted a busy source)
      const [summary, page] = await Promise.all([ctx.reader.source(ip), ctx.reader.page({ srcIp: ip, limit: 50 })]);
      return {
        decisions: addr ? await decisionsAbout(ctx, addr, formatIp(addr)) : [],
        intel: addr ? await ctx.intel.lookup(ip) : null,
        ip,
        alerts: summary?.alerts ?? 0,
        maxRisk: summary ? summary.maxRisk : null,
        lastSeen: summary ? summary.lastSeen : null,
        reasons: summary?.reasons ?? [],
        recent: page.alerts,
      };
    },
  );

  app.get(
    '/v1/sources/top',
    { schema: { summary: 'Riskiest sources with their reasons', tags: ['risk'], querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false }) }, config: { scope: 'read' } },
    async (req) => ({ sources: await ctx.reader.topSources((req.query as { limit?: number }).limit ?? 20) }),
  );

  app.get(
    '/v1/risk/timeline',
    { schema: { summary: 'Alerts and highest risk per hour', tags: ['risk'], querystring: Type.Object({ hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 90 })) }, { additionalProperties: false }) }, config: { scope: 'read' } },
    async (req) => ({ hours: await ctx.reader.riskOverTime((req.query as { hours?: number }).hours ?? 168) }),
  );
}
