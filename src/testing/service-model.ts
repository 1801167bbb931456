/**
 * The model the service tests and benchmarks serve: seed 004's design (gradient-boosted trees,
 * 100 rounds of depth-3 trees, learning rate 0.1, as the scikit-learn peer builds it) trained on
 * NSL-KDD's KDDTrain+_20Percent through the library, saved as a model file. Undefined without
 * ../shared.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset } from '../sources/read-dataset.js';
import { saveTrainedModel, trainModel } from '../models/trained-model.js';
import { sharedPath } from './shared-data.js';

export const SEED_GBDT_PARAMS = { n_estimators: 100, max_depth: 3, learning_rate: 0.1 };

let cached: Promise<string | undefined> | undefined;

export function seedGbdtFile(dir?: string): Promise<string | undefined> {
  cached ??= (async () => {
    const train = sharedPath('datasets', 'nsl-kdd', 'KDDTrain+_20Percent.txt');
    if (!train) return undefined;
    const table = await readDataset([train], { warn: () => {} });
    const model = await trainModel(table, { model: 'gradient-boosting', params: SEED_GBDT_PARAMS, threads: 1, inputFiles: [train] });
    const file = join(dir ?? mkdtempSync(join(tmpdir(), 'ns-svc-model-')), 'gbdt.nsm');
    await saveTrainedModel(file, model);
    return file;
  })();
  return cached;
}

/** Seed 004's curl example body. */
export const SEED_004_CURL_BODY =
  '{"duration": 38044, "srcbytes": 1, "dstbytes": 0, "land": 0, "wrongfragment": 0, "urgent": 0, "hot": 0, "numfailedlogins": 0, "loggedin": 0, "numcompromised": 0, "rootshell": 0, "suattempted": 0, "numfilecreations": 0, "numshells": 0, "numaccessfiles": 0, "ishostlogin": 0, "count": 2, "srvcount": 2, "serrorrate": 0.0, "rerrorrate": 1.0, "samesrvrate": 1.0, "diffsrvrate": 0.0, "srvdiffhostrate": 0.0, "dsthostcount": 255, "dsthostsrvcount": 2, "dsthostdiffsrvrate": 0.5, "dsthostsamesrcportrate": 1.0, "dsthostsrvdiffhostrate": 0.0, "protocol": "tcp", "service": "Z39_50", "flag": "RSTR"}';
