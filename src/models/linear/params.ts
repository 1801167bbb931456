/**
 * Option checks for the linear and kernel estimators, worded the way scikit-learn words its
 * parameter errors ("The 'C' parameter of LogisticRegression must be a float in the range
 * (0, inf). Got -1 instead."), so a user who knows scikit-learn reads them without thinking.
 */
import { checkParam, UserError } from '../../util/errors.js';

/** Defaults completed by the given options; an unknown key is an error naming the known ones. */
export function withDefaults<O extends object>(model: string, defaults: Readonly<O>, given: Partial<O>): O {
  const known = Object.keys(defaults);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      throw new UserError(`${model} got an unexpected parameter '${key}'; its parameters are ${known.map((k) => `'${k}'`).join(', ')}`);
    }
  }
  const out = { ...defaults } as O;
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export function checkPositiveFloat(model: string, param: string, v: unknown): void {
  checkParam(model, param, typeof v === 'number' && Number.isFinite(v) && v > 0, 'a float in the range (0, inf)', v);
}

export function checkNonNegativeFloat(model: string, param: string, v: unknown): void {
  checkParam(model, param, typeof v === 'number' && Number.isFinite(v) && v >= 0, 'a float in the range [0, inf)', v);
}

export function checkIntAtLeast(model: string, param: string, v: unknown, min: number): void {
  checkParam(model, param, typeof v === 'number' && Number.isInteger(v) && v >= min, `an int in the range [${min}, inf)`, v);
}

export function checkChoice(model: string, param: string, v: unknown, choices: readonly string[]): void {
  checkParam(model, param, typeof v === 'string' && choices.includes(v), `a str among {${choices.map((c) => `'${c}'`).join(', ')}}`, v);
}

/** gamma: 'scale', 'auto', or a positive float. */
export function checkGamma(model: string, v: unknown): void {
  checkParam(
    model,
    'gamma',
    v === 'scale' || v === 'auto' || (typeof v === 'number' && Number.isFinite(v) && v > 0),
    "a str among {'scale', 'auto'} or a float in the range (0, inf)",
    v,
  );
}
