/**
 * POST /classify answered before Fastify's request lifecycle, for the request the service sees
 * thousands of times a second: a JSON body of a stated length, within the size limit, on a service
 * without CORS, not shutting down. Anything else (another content type, no Content-Length or a
 * chunked body, a body over the limit, CORS configured, a query string, shutdown) is handed to
 * Fastify untouched, whose route answers it (415, 413, 503, ...). Both paths refuse the same bodies
 * with the same words: the same key check and rate limit (auth.ts's Door), the same compiled schema
 * check (validation.ts's bodyCheck of ClassifyBody), the same JSON parser (json-body.ts), the same classifier
 * (routes/classify.ts), the same metrics series and access line, the same body timeout
 * (body-timeout.ts), and an unexpected error is a 500 with a generic message, logged, never a stack.
 *
 * Why: through Fastify a /classify request went through the router, three hooks, the content-type
 * parser, the reply's serialiser and header merging, onSend/onResponse hook runners and a request
 * and reply object pair; together these cost more than parsing, validating, encoding and scoring the
 * record. Here a request costs the body's two stream events, the byte scanner that reads a plain
 * seed 004 body straight into the model's row (classify-body-scanner.ts; any other body goes
 * JSON.parse, the compiled check and the encoder), the tree walk, one header array and one write.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { ServiceContext } from './context.js';
import type { Door } from './auth.js';
import type { BodyTimer } from './body-timeout.js';
import type { AccessLog } from './access-log.js';
import type { CounterSeries, HistogramSeries } from './fast-metrics.js';
import { bodyCheck } from './validation.js';
import { JsonBodyError, parseJsonBody } from './json-body.js';
import { ClassifyBody } from './schemas.js';
import { ClassifyRefusal, scannedClassifier, type SeedAnswer } from './routes/classify.js';

export interface FastPathOptions {
  readonly ctx: ServiceContext;
  readonly door: Door;
  readonly bodyTimer: BodyTimer;
  readonly access: AccessLog;
  readonly classify: (body: Record<string, unknown>) => SeedAnswer;
  /** true once the service is closing: Fastify answers then (503, Connection: close) */
  readonly closing: () => boolean;
}

/** Answers the request and returns true, or returns false having touched nothing. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

const ROUTE = '/classify';
const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-?8\s*)?$/i;

interface Series {
  readonly count: CounterSeries;
  readonly latency: HistogramSeries;
}

export function classifyFastPath(o: FastPathOptions): FastPath | undefined {
  const { ctx, door, bodyTimer, access, classify, closing } = o;
  // CORS headers and preflights are Fastify's (cors.ts); with CORS on, every request goes there
  if (ctx.config.cors.origins.length > 0) return undefined;
  const limit = ctx.config.limits.bodyBytes;
  const check = bodyCheck(ClassifyBody);
  const scanned = scannedClassifier(ctx);
  const log: Logger = ctx.log;
  const latency = ctx.metrics.latency.labels(ROUTE, 'POST');
  const byStatus = new Map<number, Series>();
  const seriesOf = (status: number): Series => {
    let s = byStatus.get(status);
    if (!s) byStatus.set(status, (s = { count: ctx.metrics.requests.labels(ROUTE, 'POST', String(status)), latency }));
    return s;
  };
  const ok = seriesOf(200);
  /** each answer object's JSON and headers, made once (Node reads a header array, never changes it) */
  const answerOut = new WeakMap<SeedAnswer, { readonly json: string; readonly headers: string[] }>();
  const headersOf = (json: string): string[] => ['Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(json))];
  let errors = 0;

  const finish = (req: IncomingMessage, res: ServerResponse, status: number, json: string, started: number, keyId: string | undefined, extra?: readonly [string, string], made?: string[]): void => {
    let headers = made ?? headersOf(json);
    if (extra) headers = [...headers, extra[0], extra[1]];
    // a request that was still arriving when shutdown began must not hold its connection open
    if (closing()) headers = [...headers, 'Connection', 'close'];
    res.writeHead(status, headers);
    res.end(json);
    const ms = performance.now() - started;
    const s = status === 200 ? ok : seriesOf(status);
    s.count.inc();
    s.latency.observe(ms / 1000);
    access.request('POST', ROUTE, ROUTE, status, ms, req.socket.remoteAddress ?? '', keyId);
  };
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, error: string, started: number, keyId: string | undefined, extra?: readonly [string, string]): void =>
    finish(req, res, status, JSON.stringify({ error, statusCode: status }), started, keyId, extra);

  const answer = (req: IncomingMessage, res: ServerResponse, body: Buffer, started: number, keyId: string | undefined): void => {
    let a = scanned(body);
    if (a === undefined) {
      // anything the byte scanner does not take: parsed, checked and encoded the generic way
      const v = generic(req, res, body, started, keyId);
      if (v === undefined) return;
      a = v;
    }
    let out = answerOut.get(a);
    if (out === undefined) {
      const json = JSON.stringify(a);
      answerOut.set(a, (out = { json, headers: headersOf(json) }));
    }
    finish(req, res, 200, out.json, started, keyId, undefined, out.headers);
  };

  /** the answer of a body the scanner left, or undefined having answered a refusal */
  const generic = (req: IncomingMessage, res: ServerResponse, body: Buffer, started: number, keyId: string | undefined): SeedAnswer | undefined => {
    let value: unknown;
    try {
      value = parseJsonBody(body.toString('utf8'));
    } catch (e) {
      if (e instanceof JsonBodyError) return void refuse(req, res, 400, e.message, started, keyId);
      throw e;
    }
    const invalid = check(value);
    if (invalid !== undefined) return void refuse(req, res, 400, invalid, started, keyId);
    try {
      return classify(value as Record<string, unknown>);
    } catch (e) {
      if (e instanceof ClassifyRefusal) return void refuse(req, res, e.statusCode, e.message, started, keyId);
      throw e;
    }
  };

  const internal = (req: IncomingMessage, res: ServerResponse, e: unknown, started: number, keyId: string | undefined): void => {
    const id = `classify-${++errors}`;
    log.error({ reqId: id, method: 'POST', path: ROUTE, err: (e as Error)?.message, stack: (e as Error)?.stack }, 'internal error');
    if (res.headersSent) return void res.destroy();
    refuse(req, res, 500, `internal error; it has been logged as request ${id}`, started, keyId);
  };

  return (req, res) => {
    if (req.method !== 'POST' || req.url !== ROUTE || closing()) return false;
    const h = req.headers;
    const type = h['content-type'];
    if (type !== 'application/json' && (type === undefined || !JSON_TYPE.test(type))) return false;
    const length = h['content-length'];
    if (length === undefined || h['transfer-encoding'] !== undefined || !(Number(length) <= limit)) return false;
    const started = performance.now();
    const admitted = door.admit(h, 'read');
    const keyId = admitted.keyId;
    const r = admitted.refusal;
    if (r) {
      refuse(req, res, r.status, r.error, started, keyId, r.header);
      return true;
    }
    // the body of a few hundred bytes mostly comes as one chunk
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    bodyTimer.track(req);
    req.on('data', (c: Buffer) => {
      if (first === undefined) first = c;
      else (more ??= [first]).push(c);
    });
    req.on('end', () => {
      bodyTimer.received(req);
      try {
        answer(req, res, more ? Buffer.concat(more) : (first ?? Buffer.alloc(0)), started, keyId);
      } catch (e) {
        internal(req, res, e, started, keyId);
      }
    });
    // an aborted upload: Node closes the socket; there is no one left to answer
    req.on('error', () => bodyTimer.received(req));
    return true;
  };
}
