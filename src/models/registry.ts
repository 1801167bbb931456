/**
 * Every estimator by its command-line name. A model file names its estimator; loading looks it up
 * here, so nothing in a model file is ever executed.
 */
import type { EstimatorSpec } from './estimator.js';
import { UserError } from '../util/errors.js';
import { closestName } from '../util/closest-name.js';

const specs = new Map<string, EstimatorSpec>();

export function register(spec: EstimatorSpec): void {
  specs.set(spec.name, spec);
}

export function getSpec(name: string): EstimatorSpec {
  const s = specs.get(name);
  if (!s) {
    const near = closestName(name, specs.keys());
    throw new UserError(`unknown model "${name}"${near ? `; did you mean ${near}?` : ''}; known models: ${[...specs.keys()].sort().join(', ')}`);
  }
  return s;
}

export function allSpecs(): EstimatorSpec[] {
  return [...specs.values()];
}
