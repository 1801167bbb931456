/**
 * POST /classify, exactly as seed 004 specifies it: its 31 fields in, `{"Attack Type": ...}` out:
 * the classifier's class (Normal, DoS, R2L, Probe, U2R for an NSL-KDD family model), or
 * "Not recognized" when the model's top class probability is below server.classify.minConfidence
 * (default 0.5). The seed answered "Not recognized" to any request its code failed on; here a
 * malformed request is a 400 that says what is wrong, and "Not recognized" means only that the
 * model is not sure.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';
import { ClassifyAnswer, ClassifyBody, ErrorAnswer } from '../schemas.js';
import { FieldError } from '../row-encoder.js';
import { classifyOne } from '../model-answer.js';
import type { LoadedModel } from '../model-registry.js';

export function classifyRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const rowOf = new WeakMap<LoadedModel, Float64Array>();
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
    // not async: no promise per request; the answer object is one per class, built once
    (req, reply) => {
      const m = ctx.models.classifier();
      if (!m) return reply.code(409).send({ error: 'this service holds no classifier: start it with --model FILE of a trained classifier', statusCode: 409 });
      let row = rowOf.get(m);
      if (!row) rowOf.set(m, (row = new Float64Array(m.encoder.width)));
      try {
        m.encoder.encode(req.body as Record<string, unknown>, row, 0);
      } catch (e) {
        if (e instanceof FieldError) return reply.code(400).send({ error: `body.${e.message}`, statusCode: 400 });
        throw e;
      }
      return reply.send(classifyOne(ctx.metrics, m, row, ctx.config.classify.minConfidence));
    },
  );
}
