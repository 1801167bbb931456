/**
 * `netsentinel profile`: what a dataset holds before anyone trains on it: rows, class balance,
 * per-column type, missing and infinite counts, range, distinct values, the most correlated
 * feature pairs, and per-feature tests against normal/attack (chi-square for categories,
 * Mann-Whitney U for numbers, with p-values): the "hypotheses" of seed 003, answered by the tool.
 */
import type { Command } from '../command.js';
import { DATA_OPTIONS, readWithProgress, skippedFilesJson } from '../data-options.js';
import { profileTable } from '../../profile/profile-table.js';
import { formatProfile } from '../../profile/format-profile.js';

export const profile: Command = {
  spec: {
    name: 'profile',
    summary: 'summarise a dataset: balance, columns, correlations, per-feature tests against the label',
    usage: 'DATA... [options]',
    positionals: { min: 1, name: 'DATA' },
    options: [
      { name: 'target', type: 'string', value: 'COLUMN', description: 'label column for class balance and tests (default: the dataset\'s)' },
      { name: 'normal', type: 'string', value: 'VALUE', description: 'the label value meaning normal traffic (default: detected)' },
      { name: 'top-pairs', type: 'integer', range: { min: 0 }, description: 'most correlated pairs to list', default: 10 },
      { name: 'seed', type: 'integer', range: { min: 0 }, description: 'seed of the correlation sample on large data', default: 0 },
      ...DATA_OPTIONS,
    ],
    examples: ['netsentinel profile data/KDDTrain+_20Percent.txt', 'netsentinel profile cic/ --json | jq ".columns[] | select(.infinite > 0)"'],
  },
  async run({ args, progress, out, json }) {
    const v = args.values;
    const table = await readWithProgress(args.positionals, v, progress, 'reading');
    progress.start('profiling');
    const p = profileTable(table, {
      label: v.target as string | undefined,
      normalClass: v.normal as string | undefined,
      topPairs: v.topPairs as number,
      seed: v.seed as number,
    });
    progress.done('profiled');
    out(json ? JSON.stringify({ ...p, ...skippedFilesJson() }, null, 2) : formatProfile(p));
    return 0;
  },
};
