/**
 * Option checks shared by the network models (Adam, batches, stopping), with scikit-learn's
 * wording, so the MLP and the autoencoder reject the same mistakes the same way.
 */
import { checkParam } from '../../util/errors.js';

export interface SharedNetworkOptions {
  readonly batchSize: number;
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly alpha: number;
  readonly earlyStopping: boolean;
  readonly validationFraction: number;
  readonly nIterNoChange: number;
  readonly tol: number;
}

export const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function checkLayerSizes(model: string, param: string, sizes: unknown, allowEmpty: boolean): void {
  const ok = Array.isArray(sizes) && (allowEmpty || sizes.length > 0) && sizes.every(isPositiveInt);
  checkParam(model, param, ok, `a list of ints in the range [1, inf)${allowEmpty ? '' : ' (at least one)'}`, sizes);
}

export function checkSharedOptions(model: string, o: SharedNetworkOptions, learningRateName = 'learningRate'): void {
  checkParam(model, 'batchSize', isPositiveInt(o.batchSize), 'an int in the range [1, inf)', o.batchSize);
  checkParam(model, learningRateName, isNum(o.learningRate) && o.learningRate > 0, 'a float in the range (0, inf)', o.learningRate);
  checkParam(model, 'beta1', isNum(o.beta1) && o.beta1 >= 0 && o.beta1 < 1, 'a float in the range [0, 1)', o.beta1);
  checkParam(model, 'beta2', isNum(o.beta2) && o.beta2 >= 0 && o.beta2 < 1, 'a float in the range [0, 1)', o.beta2);
  checkParam(model, 'epsilon', isNum(o.epsilon) && o.epsilon > 0, 'a float in the range (0, inf)', o.epsilon);
  checkParam(model, 'alpha', isNum(o.alpha) && o.alpha >= 0, 'a float in the range [0, inf)', o.alpha);
  checkParam(model, 'earlyStopping', typeof o.earlyStopping === 'boolean', 'a boolean', o.earlyStopping);
  checkParam(
    model, 'validationFraction', isNum(o.validationFraction) && o.validationFraction > 0 && o.validationFraction < 1,
    'a float in the range (0, 1)', o.validationFraction,
  );
  checkParam(model, 'nIterNoChange', isPositiveInt(o.nIterNoChange), 'an int in the range [1, inf)', o.nIterNoChange);
  checkParam(model, 'tol', isNum(o.tol) && o.tol >= 0, 'a float in the range [0, inf)', o.tol);
}
