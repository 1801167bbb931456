/** GET /: what the service is and which models it holds (seed 004's welcome page, as data). */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';
import { RootAnswer } from '../schemas.js';
import type { LoadedModel } from '../model-registry.js';

export function modelSummary(m: LoadedModel) {
  return {
    name: m.name,
    kind: m.model.kind,
    estimator: m.model.estimator.name,
    ...(m.model.classes ? { classes: [...m.model.classes] } : {}),
    inputs: m.model.pipeline.inputs.length,
    trainedOn: [...m.model.training.inputFiles],
    trainedRows: m.model.training.rows,
    loadedAt: m.loadedAt,
  };
}

export function rootRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/', { schema: { summary: 'What this service is and which models it holds', tags: ['service'], response: { 200: RootAnswer } }, config: { scope: 'public' } }, async () => ({
    service: 'netsentinel',
    message: 'Network anomaly classifier and threat-detection service: POST /classify a connection (seed 004), /v1 for batches, alerts and risk.',
    version: ctx.version,
    models: ctx.models.list().map(modelSummary),
    classifyModel: ctx.models.classifier()?.name ?? null,
    baseline: ctx.models.baseline()?.path ?? null,
    docs: '/docs',
    dashboard: '/dashboard/',
  }));
}
