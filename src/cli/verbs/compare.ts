/**
 * `netsentinel compare`: train several classifiers with the same recipe on the same data and print
 * a leaderboard (accuracy, macro-F1, per-class recall, ROC-AUC, fit and predict time), measured on
 * a separate test file or by stratified cross-validation. The work is evaluate/leaderboard.ts;
 * this file is options, the --fast preset, progress and output.
 *
 * `--fast` exists because some defaults are chosen for the best model, not for a quick ranking
 * (gradient boosting's 200 rounds, the MLP's 200 epochs, the kernel SVM's 500 random features,
 * 100-tree forests). It lowers those, per model, to the values printed in --help; what the user
 * gives with --param still wins. It never changes the models' own defaults.
 */
import { makeFolders } from '../../util/atomic-output.js';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { guardOutputs } from '../output-guard.js';
import { refuseTestInTraining } from '../test-overlap.js';
import { readWithProgress, skippedFilesJson } from '../data-options.js';
import { classifierNames, COMPARE_SPEC, FAST_PRESET } from './compare-spec.js';
import { parseScalar } from '../args.js';
import { normaliseParams, saveTrainedModel, type TrainedModel } from '../../models/trained-model.js';
import { getSpec } from '../../models/registry.js';
import '../../models/all.js'; // names any estimator (lists, comparisons), so every one is loaded
import { formatLeaderboard, runLeaderboard, type LeaderboardEntry, type SortKey } from '../../evaluate/leaderboard.js';
import { rejoinKeyValues } from './search.js';
import { UserError } from '../../util/errors.js';
import { formatSeconds } from '../progress.js';

/** The preset for one model, voting members included; only keys the model actually has. */
export function fastParams(model: string): Record<string, unknown> {
  const spec = getSpec(model);
  const known = Object.keys(spec.defaults);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(FAST_PRESET[model] ?? {})) if (known.includes(k)) out[k] = v;
  if (model === 'voting') {
    const members = (spec.defaults as { estimators?: { name: string }[] }).estimators ?? [];
    out.estimators = members.map((m) => ({ name: m.name, params: fastParams(m.name) }));
  }
  return out;
}

export { FAST_PRESET };

export const compare: Command = {
  spec: COMPARE_SPEC,
  async run({ args, progress, out, json }) {
    const v = args.values;
    const tests = (v.test as string[] | undefined) ?? [];
    const cv = v.cv as number | undefined;
    if (tests.length && cv !== undefined) throw new UserError('compare: give either --test FILE or --cv K, not both');
    if (!tests.length && cv === undefined) {
      throw new UserError("compare: say how to measure: --test FILE (a separate labelled file) or --cv K (see 'netsentinel compare --help')");
    }
    if (cv !== undefined && cv < 2) throw new UserError('compare: --cv takes at least 2 folds');
    if (v.vote && cv !== undefined) throw new UserError('compare: --vote needs --test');

    // every usage mistake before any reading or fitting: model names, parameter names and values
    const names = [...new Set((v.models as string[] | undefined) ?? classifierNames())];
    for (const name of names) {
      const spec = getSpec(name);
      if (spec.kind !== 'classifier') throw new UserError(`compare: "${name}" is a detector; compare ranks classifiers (score detectors with 'netsentinel search --normal-only' or 'train --test')`);
    }
    const given = new Map<string, Record<string, unknown>>(names.map((n) => [n, {}]));
    for (const { key, value } of rejoinKeyValues('compare', 'param', (v.param as string[] | undefined) ?? [])) {
      const dot = key.indexOf('.');
      if (dot <= 0) throw new UserError(`compare: --param takes MODEL.NAME=VALUE, e.g. random-forest.n_estimators=200; got "${key}=${value}"`);
      const model = key.slice(0, dot);
      if (!given.has(model)) {
        getSpec(model); // an unknown name gets the registry's message
        throw new UserError(`compare: --param names "${model}", which is not among the compared models (${names.join(', ')})`);
      }
      given.get(model)![key.slice(dot + 1)] = parseScalar(value);
    }
    const entries: LeaderboardEntry[] = names.map((model) => {
      const spec = getSpec(model);
      const user = normaliseParams(spec, given.get(model));
      const params = { ...(v.fast ? fastParams(model) : {}), ...user };
      spec.options(normaliseParams(spec, params) as never); // a bad value is the user's to fix now
      return { model, params };
    });
    const outDir = v.out as string | undefined;
    await guardOutputs('compare', { data: [...args.positionals, ...tests] }, { folders: [{ dir: outDir, names: names.map((n) => `${n}.nsm`) }] });
    await refuseTestInTraining('compare', args.positionals, tests, 'cross-validate with --cv 5');
    if (outDir) await makeFolders(outDir, 'compare');

    const paths = args.positionals;
    const table = await readWithProgress(paths, v, progress, 'reading training data');
    const testTable = tests.length ? await readWithProgress(tests, v, progress, 'reading test data') : undefined;
    let label = '';
    const lb = await runLeaderboard(table, {
      entries,
      train: {
        target: v.target as string | undefined,
        seed: v.seed as number,
        threads: v.threads as number,
        select: v.select as string[] | undefined,
        inputFiles: paths,
      },
      test: testTable,
      testHow: tests.length ? `tested on ${tests.join(', ')}` : undefined,
      cv,
      cvGroup: v.cvGroup as string | undefined,
      sortBy: v.sort as SortKey,
      vote: Boolean(v.vote),
      keep: outDir
        ? async (entry, model: TrainedModel, validation) => {
            const path = join(outDir, `${entry.model}.nsm`);
            await saveTrainedModel(path, { ...model, training: { ...model.training, validation } }, 'compare');
            return path;
          }
        : undefined,
      events: {
        start(i, total, entry) {
          label = `[${i + 1}/${total}] ${entry.model}`;
          progress.start(cv !== undefined ? `${label}: ${cv}-fold cross-validation` : `${label}: training`, cv, cv !== undefined ? 'folds' : '');
        },
        progress(done, total) {
          progress.update(done, total);
        },
        done(_i, _total, row) {
          if (row.status === 'ok') {
            progress.done(`${label}: macro-F1 ${row.macroF1.toFixed(4)}, accuracy ${row.accuracy.toFixed(4)}, fit ${formatSeconds(row.fitSeconds)}, predict ${formatSeconds(row.predictSeconds)}`);
          } else progress.done(`${label}: FAILED: ${row.error}`);
        },
      },
    });
    if (json) out(JSON.stringify({ ...lb, fast: Boolean(v.fast), seed: v.seed, ...skippedFilesJson() }, null, 2));
    else out(formatLeaderboard(lb) + `\n\nTotal ${formatSeconds(lb.seconds)} for ${lb.rows.length} model${lb.rows.length === 1 ? '' : 's'}${v.fast ? ' (--fast preset)' : ''}.`);
    if (!lb.rows.some((r) => r.status === 'ok')) throw new UserError('compare: every model failed (see the table for why)');
    return 0;
  },
};
