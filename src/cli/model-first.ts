/**
 * `predict` and `evaluate` take MODEL then DATA; swapped, the data file was reported as "not a
 * netsentinel model file" with nothing on what to do. Load the model, and when the first argument
 * is no model but a later one is, say the order.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { loadTrainedModel, type TrainedModel } from '../models/trained-model.js';
import { UserError } from '../util/errors.js';

export async function loadModelArgument(verb: string, modelPath: string, dataPaths: readonly string[]): Promise<TrainedModel> {
  try {
    return await loadTrainedModel(modelPath);
  } catch (e) {
    if (!(e instanceof UserError) || !e.message.includes('is not a netsentinel model file')) throw e;
    const model = dataPaths.find(startsLikeModel);
    if (!model) throw e;
    const rest = [modelPath, ...dataPaths.filter((p) => p !== model)];
    throw new UserError(`${verb}: the model file comes first: netsentinel ${verb} ${model} ${rest.join(' ')} (${modelPath} is not a model file; ${model} is)`);
  }
}

function startsLikeModel(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(8);
    return readSync(fd, head, 0, 8, 0) === 8 && head.toString('latin1') === 'NSMODEL\n';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
