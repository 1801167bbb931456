/**
 * The request and response shapes of the API, written once as TypeBox schemas: the same objects
 * validate every request (validation.ts) and generate the OpenAPI 3 document (@fastify/swagger).
 */
import { Type, type TSchema } from 'typebox';
import { SEED_FIELDS } from './seed-fields.js';

const seedProps: Record<string, TSchema> = {};
for (const [name, t] of SEED_FIELDS) {
  seedProps[name] =
    t === 'integer'
      ? Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
      : t === 'number'
        ? Type.Number({ minimum: 0, maximum: 1 })
        : Type.String({ minLength: 1, maxLength: 64 });
}

/** POST /classify: seed 004's 31 fields, all required, nothing else. */
export const ClassifyBody = Type.Object(seedProps, {
  additionalProperties: false,
  description: "One connection record with seed 004's 31 fields (NSL-KDD features without underscores; `protocol` is protocol_type).",
});

export const ClassifyAnswer = Type.Object(
  { 'Attack Type': Type.String({ description: 'Normal, DoS, R2L, Probe, U2R (the model\'s classes), or "Not recognized" when the top class probability is below server.classify.minConfidence' }) },
  { additionalProperties: false },
);

export const ErrorAnswer = Type.Object({ error: Type.String(), statusCode: Type.Integer() });

export const ModelSummary = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  estimator: Type.String(),
  classes: Type.Optional(Type.Array(Type.String())),
  inputs: Type.Integer({ description: 'input columns the model reads' }),
  trainedOn: Type.Array(Type.String()),
  trainedRows: Type.Integer(),
  loadedAt: Type.String(),
});

export const RootAnswer = Type.Object({
  service: Type.String(),
  message: Type.String(),
  version: Type.String(),
  models: Type.Array(ModelSummary),
  classifyModel: Type.Union([Type.String(), Type.Null()]),
  baseline: Type.Union([Type.String(), Type.Null()]),
  docs: Type.String(),
  dashboard: Type.String(),
});

export const Health = Type.Object({ status: Type.String() });
export const Ready = Type.Object({ status: Type.String(), models: Type.Integer(), store: Type.String() });

export const PredictQuery = Type.Object(
  {
    model: Type.Optional(Type.String({ maxLength: 200, description: 'model name (file name without .nsm); default: the classify model, or the only model' })),
    proba: Type.Optional(Type.Boolean({ description: 'add every class probability' })),
  },
  { additionalProperties: false },
);

export const AlertsQuery = Type.Object(
  {
    src_ip: Type.Optional(Type.String({ maxLength: 64 })),
    dest_ip: Type.Optional(Type.String({ maxLength: 64 })),
    max_severity: Type.Optional(Type.Integer({ minimum: 1, maximum: 4, description: 'severities 1 (highest) to this' })),
    min_risk: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    since: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 time, inclusive' })),
    until: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 time, exclusive' })),
    signature: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 40, description: 'the `next` of the previous page' })),
  },
  { additionalProperties: false },
);

export const Alert = Type.Object({
  id: Type.Integer(),
  key: Type.String(),
  timestamp: Type.String(),
  signature: Type.String(),
  category: Type.String(),
  severity: Type.Integer(),
  srcIp: Type.Union([Type.String(), Type.Null()]),
  srcPort: Type.Union([Type.Integer(), Type.Null()]),
  destIp: Type.Union([Type.String(), Type.Null()]),
  destPort: Type.Union([Type.Integer(), Type.Null()]),
  proto: Type.Union([Type.String(), Type.Null()]),
  risk: Type.Number(),
  reasons: Type.Array(Type.String()),
  record: Type.Record(Type.String(), Type.Unknown()),
});

export const AlertsPage = Type.Object({ alerts: Type.Array(Alert), next: Type.Union([Type.String(), Type.Null()]) });

export const IpParams = Type.Object({ ip: Type.String({ maxLength: 64, pattern: '^[0-9A-Fa-f:.]+$' }) }, { additionalProperties: false });
export const ModelParams = Type.Object({ name: Type.String({ maxLength: 200 }) }, { additionalProperties: false });

export const IpRiskAnswer = Type.Object({
  ip: Type.String(),
  alerts: Type.Integer(),
  maxRisk: Type.Union([Type.Number(), Type.Null()]),
  lastSeen: Type.Union([Type.String(), Type.Null()]),
  reasons: Type.Array(Type.String()),
  recent: Type.Array(Alert),
  decisions: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'decisions naming the address (any state), and ranges holding it that hold now; as GET /v1/decisions' }),
  intel: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'threat intelligence as GET /v1/intel/:ip' }),
});

export const FlowRiskBody = Type.Object(
  { flows: Type.Array(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()])), { minItems: 1, maxItems: 10000 }) },
  { additionalProperties: false },
);

export const FlowRiskAnswer = Type.Object({
  results: Type.Array(
    Type.Object({
      risk: Type.Number(),
      evidence: Type.Number(),
      detectors: Type.Record(Type.String(), Type.Number()),
      predicted: Type.Optional(Type.String()),
      reasons: Type.Array(Type.String()),
      missing: Type.Array(Type.String(), { description: "the baseline's feature columns this flow did not give: imputed as in training" }),
      unknownFields: Type.Array(Type.String(), { description: 'fields of this flow that are no column of the baseline: ignored (a misspelt name?)' }),
    }),
  ),
  calibration: Type.String(),
});
