/**
 * POST /v1/predict: batch prediction and anomaly scoring of many flows with one model, streamed
 * both ways: JSON lines, a JSON array and CSV are scanned from bytes straight into the model's rows
 * (jsonl-scanner.ts, json-array-scanner.ts, csv-scanner.ts); each batch is scored and
 * written out as JSON lines before the next is read. One output line per record, in order:
 *   classifiers: {"line":N,"prediction":"DoS","probability":0.99,"score":0.99}  (score = 1 - P(normal))
 *   detectors:   {"line":N,"score":0.61,"anomalous":true}
 * An error in the first batch (bad JSON, a wrong type, an unknown category, too large) is a 4xx
 * naming the line and field; after output has started the status is already sent, so the stream
 * ends with one line {"error": "...", "statusCode": N} instead.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServiceContext } from '../context.js';
import { BatchInputError, batchFormatOf } from '../batch-reader.js';
import type { LoadedModel } from '../model-registry.js';
import { observeScores, predictRows } from '../model-answer.js';
import { scanJsonLines } from '../jsonl-scanner.js';
import { scanJsonArray } from '../json-array-scanner.js';
import { scanCsv } from '../csv-scanner.js';
import { ErrorAnswer, PredictQuery } from '../schemas.js';
import { answerLayout, writeAnswers, type AnswerLayout } from '../answer-lines.js';

const BATCH_ROWS = 8192;

function r6(x: number): string {
  return String(Math.round(x * 1e6) / 1e6);
}

export function pickModel(ctx: ServiceContext, name: string | undefined): LoadedModel {
  if (name) {
    const m = ctx.models.get(name);
    if (!m) throw new BatchInputError(404, `no model "${name}"; this service holds ${ctx.models.list().map((x) => x.name).join(', ') || 'none'}`);
    return m;
  }
  const m = ctx.models.classifier() ?? (ctx.models.list().length === 1 ? ctx.models.list()[0] : undefined);
  if (!m) throw new BatchInputError(409, ctx.models.list().length ? 'several models are held: name one with ?model=NAME' : 'this service holds no model');
  return m;
}

const layouts = new WeakMap<LoadedModel, Map<string, AnswerLayout>>();

function layoutOf(m: LoadedModel, unit: string): AnswerLayout {
  let byUnit = layouts.get(m);
  if (!byUnit) layouts.set(m, (byUnit = new Map()));
  let L = byUnit.get(unit);
  if (!L) byUnit.set(unit, (L = answerLayout(unit, m.model.classes ?? [])));
  return L;
}

/** Score n encoded rows into JSON lines, one per record, in order. */
function scoreRows(ctx: ServiceContext, m: LoadedModel, X: Float64Array, n: number, where: ArrayLike<number>, unit: string, withProba: boolean): string | Buffer {
  const w = m.encoder.width;
  const p = predictRows(m, n * w === X.length ? X : X.subarray(0, n * w), n);
  observeScores(ctx.metrics, m, p);
  const classes = m.model.classes;
  const k = classes?.length ?? 0;
  // a classifier's lines without every probability: written as bytes (answer-lines.ts), same text
  if (classes && p.predicted && p.proba && !withProba && !p.anomalous) return writeAnswers(layoutOf(m, unit), n, where, p.predicted, p.proba, k, p.score);
  // the text before each line's number and after it, per class, built once per batch
  const head = `{"${unit}":`;
  const predicted = classes ? classes.map((c) => `,"prediction":${JSON.stringify(c)},"probability":`) : [];
  let out = '';
  for (let i = 0; i < n; i++) {
    let s = head + where[i];
    if (p.predicted) {
      const c = p.predicted[i];
      s += predicted[c] + r6(p.proba![i * k + c]);
      if (withProba) s += `,"probabilities":{${classes!.map((cl, j) => `${JSON.stringify(cl)}:${r6(p.proba![i * k + j])}`).join(',')}}`;
    }
    if (p.score) s += ',"score":' + r6(p.score[i]);
    if (p.anomalous) s += p.anomalous[i] === 1 ? ',"anomalous":true' : ',"anomalous":false';
    out += s + '}\n';
  }
  return out;
}

export async function predictRoutes(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  await app.register(async (scope) => {
    // the body is read by the route as a stream, never buffered by a parser
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post(
      '/v1/predict',
      {
        schema: {
          summary: 'Score many flows with one model (streamed)',
          description:
            'Body: JSON lines (application/x-ndjson), a JSON array (application/json) or CSV with a header (text/csv); fields named as seed 004 or as the NSL-KDD columns (any model input the record lacks is missing). Answer: JSON lines, one per record, in order.',
          tags: ['batch'],
          querystring: PredictQuery,
          consumes: ['application/x-ndjson', 'application/json', 'text/csv'],
          produces: ['application/x-ndjson'],
          response: { 400: ErrorAnswer, 404: ErrorAnswer, 409: ErrorAnswer, 413: ErrorAnswer, 415: ErrorAnswer },
        },
        config: { scope: 'read' },
      },
      async (req, reply: FastifyReply) => {
        const q = req.query as { model?: string; proba?: boolean };
        const body = req.body as Readable;
        const fail = (e: unknown) => {
          body.resume();
          if (e instanceof BatchInputError) return reply.code(e.statusCode).send({ error: e.message, statusCode: e.statusCode });
          throw e;
        };
        let m: LoadedModel;
        try {
          m = pickModel(ctx, q.model);
        } catch (e) {
          return fail(e);
        }
        const fmt = batchFormatOf(req.headers['content-type']);
        if (!fmt) return fail(new BatchInputError(415, `Content-Type ${req.headers['content-type'] ?? '(none)'} is not accepted here; send application/x-ndjson, application/json or text/csv`));
        // every format is scanned from bytes straight into rows (jsonl-scanner.ts,
        // json-array-scanner.ts, csv-scanner.ts)
        const withProba = q.proba === true;
        const batches: AsyncGenerator<string | Buffer> =
          (async function* () {
            const limit = ctx.config.limits.batchBytes;
            const unit = fmt === 'json' ? 'element' : 'line';
            const scanned = fmt === 'json' ? scanJsonArray(body, m.encoder, limit, BATCH_ROWS) : fmt === 'csv' ? scanCsv(body, m.encoder, limit, BATCH_ROWS) : scanJsonLines(body, m.encoder, limit, BATCH_ROWS);
            for await (const b of scanned) yield scoreRows(ctx, m, b.data, b.rows, b.where, unit, withProba);
          })();
        let first: string | Buffer;
        let firstDone: boolean;
        try {
          const it = await batches.next();
          firstDone = it.done === true;
          first = it.done ? '' : it.value;
        } catch (e) {
          return fail(e);
        }
        async function* rest(): AsyncGenerator<string | Buffer> {
          if (first.length > 0) yield first;
          if (firstDone) return;
          try {
            for await (const text of batches) yield text;
          } catch (e) {
            if (!(e instanceof BatchInputError)) ctx.log.error({ err: (e as Error).message, stack: (e as Error).stack }, 'batch scoring failed');
            const status = e instanceof BatchInputError ? e.statusCode : 500;
            yield JSON.stringify({ error: e instanceof BatchInputError ? e.message : 'internal error; it has been logged', statusCode: status }) + '\n';
            body.resume();
          }
        }
        reply.type('application/x-ndjson');
        return reply.send(Readable.from(rest()));
      },
    );
  });
}
