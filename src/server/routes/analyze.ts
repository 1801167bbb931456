/**
 * POST /v1/analyze: analysis of an uploaded flow file or packet capture (pcap, pcapng; gzip, zstd or lz4
 * allowed) with the same outputs as `netsentinel analyze` (flows_scored.csv, alerts.jsonl, risky_ips.csv/.txt, risk_scores.png, report.html,
 * summary.json, and alerts in the store), through the analysis pipeline's own stages: the upload
 * is a new FlowSource (upload-source.ts), captures watched by analyze's packet detectors, and the
 * outputs are analyze's sinks, written into a
 * folder per analysis that GET /v1/analyses/:id/files/:name serves. One analysis at a time (they
 * are CPU-heavy): a second gets 429 with Retry-After.
 */
import type { AnalysisConfig } from '../../config/analysis-config.js';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../context.js';
import { runAnalysis, summaryJson, DEFAULT_FLOW_ALERTS_PER_SOURCE, DEFAULT_FLOW_ALERTS_PER_TARGET, DEFAULT_FLOW_ALERT_WINDOW_SECONDS } from '../../analysis/run-analysis.js';
import type { FlowAlertLimitSettings } from '../../analysis/run-analysis.js';
import { riskChartPng, renderHtmlReport } from '../../report/analysis-report.js';
import { uploadSource } from '../upload-source.js';
import { BatchInputError } from '../batch-reader.js';
import { UserError } from '../../util/errors.js';
import { JsonFlowsError, ModelFileGivenError } from '../../sources/refuse-binary.js';
import { ErrorAnswer } from '../schemas.js';
import { packetDetectors } from '../../packets/packet-evidence.js';
import { makeFolder } from '../../util/make-folder.js';
import { parseTimeZone } from '../../util/time-zone.js';

/**
 * What an upload may be labelled: flow files as text or CSV, captures as tcpdump's media type,
 * anything as bytes, gzip, zstd or lz4. The readers decide by the bytes themselves; a label outside these
 * (JSON, a form) is a client mistake answered 415 before a byte is read. No label reads as bytes.
 */
const UPLOAD_TYPES = /^(text\/(csv|plain|tab-separated-values)|application\/(octet-stream|csv|vnd\.tcpdump\.pcap|x-pcap|x-pcapng|vnd\.tcpdump\.pcapng|gzip|x-gzip|zstd|x-lz4))$/;
const UPLOAD_TYPE_LIST = 'text/csv, text/plain, application/octet-stream, application/vnd.tcpdump.pcap, application/x-pcapng, application/gzip, application/zstd, application/x-lz4';

/** Where JSON flows go instead, in an API client's terms (the CLI's message names its verbs). */
const JSON_FLOWS_ROUTES = 'send JSON flows to POST /v1/risk/flows as {"flows": [...]} (risk with reasons, by this baseline) or to POST /v1/predict as JSON lines or a JSON array (scored by a model)';
const JSON_TYPES = /^application\/(json|x-ndjson|jsonl|json-lines|x-jsonlines)$/;

/** analyses whose output files are kept (and served), newest first */
const MAX_KEPT = 100;

const AnalyzeQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200, pattern: '^[\\w.@+-]+$', description: 'file name for messages and the report' })),
    flow_threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'flows at or above this risk become alerts (default: thresholds.flow of the config file, else 0.999)' })),
    ip_threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'sources at or above this risk are risky (default: thresholds.ip of the config file, else 0.99), but for one of a single flow below flow_threshold and nothing else about it' })),
    store: Type.Optional(Type.Boolean({ description: 'store the alerts (default true)' })),
    flow_alerts_per_source: Type.Optional(Type.Integer({ minimum: 0, description: `most flow alerts per source per flow_alert_window of flow time, as analyze --flow-alerts-per-source; 0 = no limit (default ${DEFAULT_FLOW_ALERTS_PER_SOURCE})` })),
    flow_alert_window: Type.Optional(Type.Integer({ minimum: 0, description: `that window in seconds of flow time; 0 = the whole upload (default ${DEFAULT_FLOW_ALERT_WINDOW_SECONDS})` })),
    flow_alerts_per_target: Type.Optional(Type.Integer({ minimum: 0, description: `most flow alerts towards one destination address per flow_alert_window, as analyze --flow-alerts-per-target; 0 = no limit (default ${DEFAULT_FLOW_ALERTS_PER_TARGET}, 0 when flow_alerts_per_source is 0)` })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the zone of times written without a UTC offset, as analyze --timezone: an IANA zone (America/Moncton) or an offset (-03:00); default UTC' })),
  },
  { additionalProperties: false },
);

export async function analyzeRoutes(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  // The output folders live as long as this service: only its own memory (`done`) leads to them,
  // so a folder no answer can reach any more is removed: a failed analysis's at once, the oldest
  // beyond the newest 100, and all of them when the service closes (they were left in the temp
  // folder for good, one folder per service run).
  const dataDir = mkdtempSync(join(tmpdir(), 'netsentinel-analyses-'));
  const remove = (path: string) => rmSync(path, { recursive: true, force: true });
  app.addHook('onClose', async () => remove(dataDir));
  const done = new Map<string, Record<string, string>>();
  const history: { id: string; finishedAt: string; input: string; flows: number; riskyFlows: number; riskySources: number }[] = [];
  let busy = false;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, next) => next(null, payload));
    scope.post(
      '/v1/analyze',
      {
        schema: {
          summary: 'Analyse an uploaded flow file as `netsentinel analyze` does',
          description: `Body: a flow file in any format analyze reads (NSL-KDD, CICFlowMeter, UNSW-NB15, Zeek conn.log, CSV with a header) or a packet capture (pcap, pcapng), gzip, zstd or lz4 allowed, streamed; Content-Type one of ${UPLOAD_TYPE_LIST} (415 otherwise); larger than server.limits.batchBytes: 413. Needs the service to hold a baseline fitted on the same kind of data (flows from captures for captures). Answer: the summary (as analyze --json: its readerNotes are what the readers said about the upload, in order, each once, and the columns of imputed cells), the readers' warnings as said (warnings, up to 100), and the URL of each output file (kept while the service runs, for its newest ${MAX_KEPT} analyses).`,
          tags: ['analysis'],
          querystring: AnalyzeQuery,
          response: { 400: ErrorAnswer, 409: ErrorAnswer, 413: ErrorAnswer, 415: ErrorAnswer, 429: ErrorAnswer },
        },
        config: { scope: 'write' },
      },
      async (req, reply) => {
        const body = req.body as Readable;
        const q = req.query as { name?: string; flow_threshold?: number; ip_threshold?: number; store?: boolean; flow_alerts_per_source?: number; flow_alert_window?: number; flow_alerts_per_target?: number; timezone?: string };
        const type = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0].trim().toLowerCase();
        if (!UPLOAD_TYPES.test(type)) {
          body.resume();
          return reply.code(415).send({ error: `Content-Type "${type.slice(0, 80)}" is not an upload this route reads; send one of ${UPLOAD_TYPE_LIST}${JSON_TYPES.test(type) ? `; ${JSON_FLOWS_ROUTES}` : ''}`, statusCode: 415 });
        }
        // checked before a byte is read, as analyze checks --timezone (its canonical name is what the reader and the note use)
        let timezone: string | undefined;
        if (q.timezone !== undefined) {
          try {
            timezone = parseTimeZone(q.timezone).name;
          } catch (e) {
            if (!(e instanceof UserError)) throw e;
            body.resume();
            return reply.code(400).send({ error: `querystring.timezone: ${e.message.replace(/^--timezone: /, '')}`, statusCode: 400 });
          }
        }
        const b = ctx.models.baseline();
        if (!b) {
          body.resume();
          return reply.code(409).send({ error: 'this service has no baseline: start it with --baseline FILE (made by netsentinel baseline)', statusCode: 409 });
        }
        if (busy) {
          body.resume();
          reply.header('Retry-After', '5');
          return reply.code(429).send({ error: 'an analysis is running; retry shortly', statusCode: 429 });
        }
        busy = true;
        const id = randomBytes(8).toString('hex');
        const outDir = join(dataDir, id);
        makeFolder(outDir);
        const clf = ctx.models.classifier();
        const have = new Set(b.baseline.reference?.columns.map((c) => c.name) ?? []);
        const classifier = clf && clf.model.pipeline.inputs.every((i) => have.has(i.name)) ? clf : undefined;
        // the config file's analysis sections, as `analyze --config` reads them; the query's values over them
        const a = ctx.analysis;
        const packets = packetDetectors(a.rules);
        const warnings: string[] = [];
        try {
          const result = await runAnalysis({
            inputs: [`upload:${q.name ?? 'flows'}`],
            read: timezone !== undefined ? { timezone } : {},
            baseline: b.baseline,
            baselineFile: basename(b.path),
            classifier: classifier?.model,
            classifierFile: classifier ? basename(classifier.path) : undefined,
            flowThreshold: q.flow_threshold ?? a.thresholds.flow,
            ipThreshold: q.ip_threshold ?? a.thresholds.ip,
            verdictThreshold: a.thresholds.verdict,
            rules: a.rules,
            weights: a.weights,
            maxFlowAlerts: a.maxFlowAlerts,
            outDir,
            store: q.store === false ? undefined : ctx.store,
            // analyze's per-source flow-alert limit, on by default as there
            flowAlertLimit: flowAlertLimitOf(q, a),
            source: uploadSource(body, `upload:${q.name ?? 'flows'}`, ctx.config.limits.batchBytes, { capture: { ...packets.hooks }, warn: (m) => warnings.length < 100 && warnings.push(m), timezone }),
            // the packet detectors (ARP poisoning) join as evidence, as in `analyze`; for flow files they see no packets
            evidence: [packets.provider],
            charts: riskChartPng,
            report: renderHtmlReport,
          });
          void ctx.live.poll();
          const files: Record<string, string> = {};
          for (const [name, path] of Object.entries(result.outputs)) files[basename(path)] = path;
          done.set(id, files);
          history.unshift({ id, finishedAt: new Date().toISOString(), input: `upload:${q.name ?? 'flows'}`, flows: result.flows, riskyFlows: result.riskyFlows, riskySources: result.riskyIps.length });
          if (history.length > MAX_KEPT) {
            const oldest = history.pop()!.id;
            done.delete(oldest);
            remove(join(dataDir, oldest));
          }
          return { id, summary: summaryJson(result), warnings, files: Object.fromEntries(Object.keys(files).map((f) => [f, `/v1/analyses/${id}/files/${f}`])) };
        } catch (e) {
          body.resume();
          remove(outDir);
          if (e instanceof BatchInputError) return reply.code(e.statusCode as 400 | 413).send({ error: e.message, statusCode: e.statusCode });
          // JSON sent as a flow file: the reader's own message names CLI verbs this client cannot run
          if (e instanceof JsonFlowsError) {
            return reply.code(400).send({
              error: `upload:${q.name ?? 'flows'}: ${e.kind}, not a table of flows: this route reads flow files (CSV flow exports such as NSL-KDD, CICFlowMeter, UNSW-NB15 or any CSV with a header; Zeek conn.log) and packet captures (pcap, pcapng); ${JSON_FLOWS_ROUTES}`,
              statusCode: 400,
            });
          }
          if (e instanceof ModelFileGivenError) {
            return reply.code(400).send({ error: `upload:${q.name ?? 'flows'}: this is a netsentinel model or baseline file, not traffic; upload flow files or packet captures here (the service's own baseline and models are loaded when it starts)`, statusCode: 400 });
          }
          if (e instanceof UserError) return reply.code(400).send({ error: e.message.replace(/^stdin/, `upload:${q.name ?? 'flows'}`), statusCode: 400 });
          throw e;
        } finally {
          busy = false;
        }
      },
    );
  });
  app.get('/v1/analyses', { schema: { summary: 'Analyses this service ran (newest first), with their output files', tags: ['analysis'] }, config: { scope: 'read' } }, async () => ({
    analyses: history.map((h) => ({ ...h, files: Object.fromEntries(Object.keys(done.get(h.id) ?? {}).map((f) => [f, `/v1/analyses/${h.id}/files/${f}`])) })),
  }));
  const types: Record<string, string> = { csv: 'text/csv', jsonl: 'application/x-ndjson', json: 'application/json', html: 'text/html; charset=utf-8', png: 'image/png', txt: 'text/plain' };
  app.get(
    '/v1/analyses/:id/files/:file',
    {
      schema: { summary: 'An output file of an analysis', tags: ['analysis'], params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }), file: Type.String({ maxLength: 100 }) }, { additionalProperties: false }), response: { 404: ErrorAnswer } },
      config: { scope: 'read' },
    },
    async (req, reply) => {
      const { id, file } = req.params as { id: string; file: string };
      const path = done.get(id)?.[file];
      if (!path || !existsSync(path)) return reply.code(404).send({ error: `no output "${file}" of analysis ${id}`, statusCode: 404 });
      reply.type(types[file.split('.').pop() ?? ''] ?? 'application/octet-stream');
      return reply.send(createReadStream(path));
    },
  );
}

/** analyze's flow-alert limits from the query, with analyze's defaults (both off when flow_alerts_per_source is 0 and no per-target limit is asked) */
function flowAlertLimitOf(q: { flow_alerts_per_source?: number; flow_alert_window?: number; flow_alerts_per_target?: number }, a: AnalysisConfig): FlowAlertLimitSettings | undefined {
  const perSource = q.flow_alerts_per_source ?? a.flowAlertsPerSource ?? DEFAULT_FLOW_ALERTS_PER_SOURCE;
  const perTarget = q.flow_alerts_per_target ?? a.flowAlertsPerTarget ?? (perSource > 0 ? DEFAULT_FLOW_ALERTS_PER_TARGET : 0);
  return perSource > 0 || perTarget > 0 ? { perSource, perTarget, windowSeconds: q.flow_alert_window ?? a.flowAlertWindowSeconds ?? DEFAULT_FLOW_ALERT_WINDOW_SECONDS } : undefined;
}
