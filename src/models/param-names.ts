/**
 * Parameter names as a model spells them. Users write camelCase or snake_case (or kebab-case on
 * the command line) as they like; a spec's defaults say which spelling it uses. Its own module so
 * that trained-model.ts and the ensembles' members share it without an import cycle.
 */
import type { EstimatorSpec } from './estimator.js';
import { UserError } from '../util/errors.js';

/**
 * `given` with each key spelled as the spec spells it. An unknown name is a UserError that lists
 * the spec's parameters; `where` names the place (e.g. "in Voting's 'estimators'") in the message.
 */
export function normaliseParams(spec: Pick<EstimatorSpec, 'defaults' | 'title'>, given: Record<string, unknown> = {}, where?: string): Record<string, unknown> {
  const known = Object.keys(spec.defaults as object);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) {
    const camel = k.replace(/[_-]([a-z])/g, (_, c: string) => c.toUpperCase());
    const snake = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/-/g, '_');
    const hit = [k, camel, snake].find((c) => known.includes(c));
    if (!hit) {
      throw new UserError(`${spec.title}${where ? ` (${where})` : ''} has no parameter "${k}"; its parameters: ${known.join(', ') || '(none)'}`);
    }
    out[hit] = v;
  }
  return out;
}
