/**
 * The models a service holds, and a card per model: estimator and options, classes, inputs,
 * training data and time, and the figures measured while training as stored in the model file
 * (held-out metrics with their confusion matrix and ROC points, cross-validation) when the model
 * was trained with --test, --split or --cv.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../context.js';
import { ErrorAnswer, ModelParams, ModelSummary } from '../schemas.js';
import { modelSummary } from './root.js';

export function modelRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/v1/models', { schema: { summary: 'Models held', tags: ['models'], response: { 200: Type.Object({ models: Type.Array(ModelSummary) }) } }, config: { scope: 'read' } }, async () => ({
    models: ctx.models.list().map(modelSummary),
  }));
  app.get(
    '/v1/models/:name',
    { schema: { summary: 'Model card', tags: ['models'], params: ModelParams, response: { 404: ErrorAnswer } }, config: { scope: 'read' } },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      const m = ctx.models.get(name);
      if (!m) return reply.code(404).send({ error: `no model "${name}"; this service holds ${ctx.models.list().map((x) => x.name).join(', ') || 'none'}`, statusCode: 404 });
      const t = m.model.training;
      return {
        ...modelSummary(m),
        file: m.path,
        fileModified: m.fileModified,
        options: m.model.estimator.options,
        target: m.model.target ?? null,
        normalClass: m.model.normalClass ?? null,
        threshold: m.model.threshold ?? null,
        inputColumns: m.encoder.inputs,
        notInSeed004: m.encoder.notInSeed,
        categories: m.encoder.categories,
        training: { startedAt: t.startedAt, seconds: t.seconds, rows: t.rows, format: t.format, seed: t.seed, fittedOn: t.fittedOn ?? null, classCounts: t.classCounts ?? null, netsentinelVersion: t.netsentinelVersion },
        validation: t.validation ?? null,
      };
    },
  );
}
