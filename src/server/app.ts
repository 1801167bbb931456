/**
 * The HTTP service as one Fastify instance: safety first (validation with clear 400s, size
 * limits, keys, rate limits, timeouts, connection limits, CORS only when configured, a 500
 * handler that logs and never shows a stack), then the routes, one file per resource in routes/,
 * and the OpenAPI document generated from the same schemas that validate requests.
 *
 * Fastify because it validates and serialises from JSON schemas compiled once per route, which is
 * what lets POST /classify run at tens of thousands of requests per second on one core.
 */
import { createServer } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { ServiceContext } from './context.js';
import { validatorCompiler } from './validation.js';
import { JsonBodyError, parseJsonBody } from './json-body.js';
import { BatchInputError } from './batch-reader.js';
import { Door, installAuth, type KeyCache } from './auth.js';
import { installCors } from './cors.js';
import { installBodyTimeout } from './body-timeout.js';
import { guardConnections } from './connection-guard.js';
import { accessLogOf } from './access-log.js';
import type { CounterSeries, HistogramSeries } from './fast-metrics.js';
import { rootRoutes } from './routes/root.js';
import { classifier, classifyRoutes } from './routes/classify.js';
import { classifyFastPath, type FastPath } from './classify-fast-path.js';
import { healthRoutes } from './routes/health.js';
import { modelRoutes } from './routes/models.js';
import { predictRoutes } from './routes/predict.js';
import { alertRoutes } from './routes/alerts.js';
import { riskRoutes } from './routes/risk.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { analyzeRoutes } from './routes/analyze.js';
import { decisionRoutes } from './routes/decisions.js';
import { intelRoutes } from './routes/intel.js';

export interface AppState {
  shuttingDown: boolean;
}

function clientMessage(err: FastifyError, limit: number, contentType: string | undefined, accepts: string | undefined): string {
  // a body parser's own words (JSON with its byte position; a CSV body read by batch-reader.ts naming its line)
  if (err instanceof JsonBodyError || err instanceof BatchInputError) return err.message;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `body: larger than the limit of ${limit} bytes`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `Content-Type ${contentType ? `"${contentType.slice(0, 80)}"` : '(none)'} is not accepted here; send ${accepts ?? 'application/json'}`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'body: empty, expected a JSON object';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'Content-Length does not match the body';
    default:
      if (err instanceof SyntaxError || /JSON/.test(err.message)) return `body: not valid JSON (${err.message.slice(0, 160)})`;
      return err.message.slice(0, 300);
  }
}

export async function buildApp(ctx: ServiceContext, keys: KeyCache, state: AppState): Promise<FastifyInstance> {
  const L = ctx.config.limits;
  // set once the routes are in: POST /classify's common request, answered before Fastify
  let fast: FastPath | undefined;
  const app = Fastify({
    logger: false,
    bodyLimit: L.bodyBytes,
    keepAliveTimeout: L.keepAliveTimeoutMs,
    // Node's own timers answer slow clients with 408: headers not complete within headersTimeout,
    // a request not received within the batch limit (checked every 250 ms rather than every 30 s);
    // body-timeout.ts holds the other routes to requestTimeoutMs
    serverFactory: (handler) =>
      createServer({ headersTimeout: L.headersTimeoutMs, requestTimeout: L.batchTimeoutMs, connectionsCheckingInterval: 250, keepAliveTimeout: L.keepAliveTimeoutMs }, (req, res) => {
        if (fast === undefined || !fast(req, res)) handler(req, res);
      }),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  // JSON bodies read as the /classify fast path reads them: errors that give the byte position
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    try {
      done(null, parseJsonBody(text as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  // Fastify reads text/plain as a string by default: a JSON body so labelled then failed as
  // "expected object, got the string ..."; no route here takes text, so the label gets the 415
  app.removeContentTypeParser('text/plain');
  guardConnections(app.server, L.maxConnections, () => ctx.metrics.rateLimited.inc({ key: 'connections' }));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status < 500) return reply.code(status).send({ error: clientMessage(err, L.bodyBytes, req.headers['content-type'], req.routeOptions.config?.accepts), statusCode: status });
    ctx.log.error({ reqId: req.id, method: req.method, path: req.url.split('?')[0], err: err.message, stack: err.stack }, 'internal error');
    return reply.code(500).send({ error: `internal error; it has been logged as request ${req.id}`, statusCode: 500 });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}; the API is described at /docs`, statusCode: 404 }));

  const bodyTimer = installBodyTimeout(app, L.requestTimeoutMs, new Set(['/v1/predict', '/v1/analyze']));
  installCors(app, ctx.config.cors.origins);
  const door = new Door(ctx, keys);
  installAuth(app, door);
  // metrics and the access line of every request: a callback hook (no promise per request), the
  // metric series of a route/method/status looked up once, the line gathered by access-log.ts
  const access = accessLogOf(ctx.log);
  const series = new Map<string, { count: CounterSeries; latency: HistogramSeries }>();
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const key = `${route} ${req.method} ${status}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { count: ctx.metrics.requests.labels(route, req.method, String(status)), latency: ctx.metrics.latency.labels(route, req.method) }));
    const ms = reply.elapsedTime;
    s.count.inc();
    s.latency.observe(ms / 1000);
    const q = req.url.indexOf('?');
    access.request(req.method, q < 0 ? req.url : req.url.slice(0, q), route, status, ms, req.ip, req.keyId);
    done();
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'netsentinel', version: ctx.version, description: "Network threat detection: seed 004's POST /classify, batch scoring, analysis of flow files and captures, alerts, risk, decisions, threat intelligence." },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'netsentinel keys add NAME --scope read|write' } } },
      security: ctx.authRequired ? [{ apiKey: [] }] : [],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  rootRoutes(app, ctx);
  const classify = classifier(ctx);
  classifyRoutes(app, ctx, classify);
  healthRoutes(app, ctx, state);
  modelRoutes(app, ctx);
  await predictRoutes(app, ctx);
  alertRoutes(app, ctx);
  await riskRoutes(app, ctx);
  dashboardRoutes(app, ctx);
  await analyzeRoutes(app, ctx);
  decisionRoutes(app, ctx);
  intelRoutes(app, ctx);
  fast = classifyFastPath({ ctx, door, bodyTimer, access, classify, closing: () => state.shuttingDown });
  return app;
}
