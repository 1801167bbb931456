/**
 * `--test FILE` must be data the model never learned from. A test file that is also a training
 * file (the same name twice, another spelling, a link, or inside a training folder: `train data/
 * --test data/test.csv`) gave "Evaluation ... (separate test data)" with the figures of the
 * training rows (NSL-KDD KDDTest-21 on itself: accuracy 0.9953), which is no evaluation at all.
 */
import { stat } from 'node:fs/promises';
import { resolveInputs } from '../sources/resolve-inputs.js';
import { UserError } from '../util/errors.js';

export async function refuseTestInTraining(verb: string, training: readonly string[], tests: readonly string[], heldOut: string): Promise<void> {
  if (!tests.length) return;
  // the guard before it (guardOutputs) has already said what is wrong with a path that is not there
  const files = async (paths: readonly string[]) => (await resolveInputs(paths).catch(() => [])).filter((f) => f.path !== undefined && !f.stream);
  const seen = new Map<string, string>();
  for (const f of await files(training)) {
    const st = await stat(f.path!).catch(() => undefined);
    if (st) seen.set(`${st.dev}:${st.ino}`, f.display);
  }
  for (const f of await files(tests)) {
    const st = await stat(f.path!).catch(() => undefined);
    const as = st && seen.get(`${st.dev}:${st.ino}`);
    if (as === undefined) continue;
    throw new UserError(
      `${verb}: the test file ${f.display} is also training data${as === f.display ? '' : ` (as ${as})`}: figures on rows the model learned say nothing about new traffic; ` +
        `give --test a file not among the training data, or ${heldOut}`,
    );
  }
}
