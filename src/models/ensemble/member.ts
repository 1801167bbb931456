/**
 * What the ensembles (bagging, voting) share about their members: turning a member's registry
 * name and user parameters into a classifier spec and its complete, validated options, so that an
 * ensemble's own options already hold everything a member needs and a model file needs nothing
 * else to predict.
 *
 * Parameter names are spelled by param-names.ts, as for any model.
 *
 * Deliberately not here: fitting (each ensemble fits its own way) or detectors as members.
 */
import type { ClassifierSpec } from '../estimator.js';
import { getSpec } from '../registry.js';
import { UserError } from '../../util/errors.js';
import { normaliseParams } from '../param-names.js';

/** A member as stored in an ensemble's options: registry name and complete options. */
export interface MemberRecipe {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/**
 * The classifier registered under `name`. An unknown name gets the registry's own message (which
 * lists the known models); a detector is refused in scikit-learn's wording.
 */
export function memberSpec(owner: string, param: string, name: unknown): ClassifierSpec<object, unknown> {
  if (typeof name !== 'string' || name === '') {
    throw new UserError(`The '${param}' parameter of ${owner} must be the name of a registered classifier. Got ${JSON.stringify(name)} instead.`);
  }
  const spec = getSpec(name);
  if (spec.kind !== 'classifier') {
    throw new UserError(`The '${param}' parameter of ${owner} must be the name of a classifier. Got "${name}" instead, which is a detector.`);
  }
  return spec as ClassifierSpec<object, unknown>;
}

/** Complete and validate a member's parameters with its own spec (unknown names refused by name). */
export function memberOptions(spec: ClassifierSpec<object, unknown>, given: unknown, owner: string, param: string): Readonly<Record<string, unknown>> {
  if (given === undefined || given === null) given = {};
  if (!isPlainObject(given)) {
    throw new UserError(`The '${param}' parameter of ${owner} must be an object of ${spec.title} parameters. Got ${JSON.stringify(given)} instead.`);
  }
  const out = normaliseParams(spec, given, `in ${owner}'s '${param}'`);
  return spec.options(out) as Readonly<Record<string, unknown>>;
}
