/**
 * POST /classify, exactly as seed 004 specifies it: its 31 fields in, `{"Attack Type": ...}` out:
 * the classifier's class (Normal, DoS, R2L, Probe, U2R for an NSL-KDD family model), or
 * "Not recognized" when the model's top class probability is below server.classify.minConfidence
 * (default 0.5). The seed answered "Not recognized" to any request its code failed on; here a
 * malformed request is a 400 that says what is wrong, and "Not recognized" means only that the
 * model is not sure.
 *
 * The route is registered with Fastify (its schema validates, and documents it in OpenAPI), and the
 * common request (JSON of a stated length, no CORS) is answered before Fastify by
 * classify-fast-path.ts with the same checks and this same `classifier`.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';
import { ClassifyAnswer, ClassifyBody, ErrorAnswer } from '../schemas.js';
import { FieldError } from '../row-encoder.js';
import { classifyOne } from '../model-answer.js';
import type { LoadedModel } from '../model-registry.js';
import { compileBodyScanner, type BodyScanner } from '../classify-body-scanner.js';

/** A request /classify answers with a 4xx: no classifier (409), or a field the model cannot take (400). */
export class ClassifyRefusal extends Error {
  constructor(
    readonly statusCode: 400 | 409,
    message: string,
  ) {
    super(message);
  }
}

export type SeedAnswer = { readonly 'Attack Type': string };

/**
 * Seed 004's answer for one validated body (the same frozen object for the same answer); throws
 * ClassifyRefusal. The row is encoded into a buffer kept per model: nothing is allocated here.
 */
export function classifier(ctx: ServiceContext): (body: Record<string, unknown>) => SeedAnswer {
  const rowOf = new WeakMap<LoadedModel, Float64Array>();
  return (body) => {
    const m = ctx.models.classifier();
    if (!m) throw new ClassifyRefusal(409, 'this service holds no classifier: start it with --model FILE of a trained classifier');
    let row = rowOf.get(m);
    if (!row) rowOf.set(m, (row = new Float64Array(m.encoder.width)));
    try {
      m.encoder.encode(body, row, 0);
    } catch (e) {
      if (e instanceof FieldError) throw new ClassifyRefusal(400, `body.${e.message}`);
      throw e;
    }
    return classifyOne(ctx.metrics, m, row, ctx.config.classify.minConfidence);
  };
}

/**
 * The fast path's first try (classify-fast-path.ts): seed 004's answer for a body read straight
 * from its bytes (classify-body-scanner.ts), or undefined when the scanner does not take the body
 * or there is no classifier, and then the body goes the generic way (JSON.parse, the schema check,
 * `classifier`). A body it takes gets the answer `classifier` gives its parsed value.
 */
export function scannedClassifier(ctx: ServiceContext): (body: Uint8Array) => SeedAnswer | undefined {
  const scanning = new WeakMap<LoadedModel, { readonly scan: BodyScanner | undefined; readonly row: Float64Array }>();
  return (body) => {
    const m = ctx.models.classifier();
    if (!m) return undefined;
    let s = scanning.get(m);
    if (!s) scanning.set(m, (s = { scan: compileBodyScanner(m.encoder), row: new Float64Array(m.encoder.width) }));
    if (!s.scan || !s.scan(body, s.row)) return undefined;
    return classifyOne(ctx.metrics, m, s.row, ctx.config.classify.minConfidence);
  };
}

export function classifyRoutes(app: FastifyInstance, ctx: ServiceContext, classify: (body: Record<string, unknown>) => SeedAnswer): void {
  app.post(
    '/classify',
    {
      schema: {
        summary: "Classify one connection (seed 004's contract)",
        description:
          'Answers {"Attack Type": class}, or "Not recognized" when the top class probability is below server.classify.minConfidence (default 0.5). A category never seen in training (e.g. an unknown service) is a 400 unless server.classify.unknownCategory is "ignore".',
        tags: ['classify'],
        body: ClassifyBody,
        response: { 200: ClassifyAnswer, 400: ErrorAnswer, 409: ErrorAnswer },
      },
      config: { scope: 'read' },
    },
    // not async: no promise per request
    (req, reply) => {
      let answer: SeedAnswer;
      try {
        answer = classify(req.body as Record<string, unknown>);
      } catch (e) {
        if (e instanceof ClassifyRefusal) return reply.code(e.statusCode).send({ error: e.message, statusCode: e.statusCode });
        throw e;
      }
      return reply.send(answer);
    },
  );
}
