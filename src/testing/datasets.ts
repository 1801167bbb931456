/**
 * The shared datasets, read once per test process, for quality tests across the project:
 *
 *   const data = await loadNslKdd();
 *   test('...', { skip: skipWithoutShared('datasets/nsl-kdd') }, async () => { ... });
 *
 * Both return undefined when ../shared is absent (a user's clone), so a test can skip instead of
 * failing. Results are cached per process: callers must not mutate the tables (take copies with
 * takeTableRows if a test needs to change one).
 */
import type { FlowTable } from '../flows/table.js';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath } from './shared-data.js';

let nslKdd: Promise<{ train: FlowTable; test: FlowTable } | undefined> | undefined;
let cicSample: Promise<FlowTable | undefined> | undefined;

const quiet = { warn: () => {} };

/** NSL-KDD: train = KDDTrain+_20Percent (25,192 rows), test = KDDTest+ (22,544 rows); target `family`. */
export function loadNslKdd(): Promise<{ train: FlowTable; test: FlowTable } | undefined> {
  nslKdd ??= (async () => {
    const train = sharedPath('datasets', 'nsl-kdd', 'KDDTrain+_20Percent.txt');
    const test = sharedPath('datasets', 'nsl-kdd', 'KDDTest+.txt');
    if (!train || !test) return undefined;
    return { train: await readDataset([train], quiet), test: await readDataset([test], quiet) };
  })();
  return nslKdd;
}

/** The CIC-IDS2017 sample (corrected release): 25,127 flows, 16 labels; target `Label`. */
export function loadCicSample(): Promise<FlowTable | undefined> {
  cicSample ??= (async () => {
    const dir = sharedPath('datasets', 'cicids2017-sample');
    return dir ? readDataset([dir], quiet) : undefined;
  })();
  return cicSample;
}
