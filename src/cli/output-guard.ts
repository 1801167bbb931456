/**
 * The check every verb makes before it opens anything: no output may be one of the inputs.
 *
 * `predict m.nsm v.txt -o v.txt` used to empty v.txt (the output was opened before the input was
 * read), `train v.txt -o v.txt` replaced the data with the model, and `analyze OUT/flows_scored.csv
 * -o OUT` read the file it was rewriting. Atomic outputs alone do not save the input: the rename
 * at the end still replaces it. So each verb names its inputs (data files, folders and patterns as
 * the user typed them, model, baseline and config files) and its outputs (files, or a folder and the
 * names it writes there), and this module refuses, in one line, any output that is the same file as
 * an input: the same device and inode (which covers symbolic links, hard links and different
 * spellings of one path), or for names that do not exist yet, the same resolved path.
 *
 * Data inputs are expanded the way the readers expand them (src/sources/resolve-inputs.ts), so a
 * folder or a pattern is checked file by file. '-' (standard input/output) is never a clash.
 *
 * The same call also checks that each output can be an output at all (src/util/atomic-output.ts:
 * a regular file or a new name; not a folder, a device, a FIFO or a path under a regular file), so
 * `train -o /dev/full` is refused before the training, not after it.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveInputs } from '../sources/resolve-inputs.js';
import { UserError } from '../util/errors.js';
import { resolveOutputTarget } from '../util/atomic-output.js';

export interface GuardInputs {
  /** data arguments as typed: files, folders, patterns, '-' (expanded as the readers do) */
  readonly data?: readonly (string | undefined)[];
  /** single files read whole: model, baseline, config, test files given as plain paths */
  readonly files?: readonly (string | undefined)[];
}

export interface GuardOutputs {
  /** output files (an '-' or undefined entry is skipped) */
  readonly files?: readonly (string | undefined)[];
  /** an output folder and the names written into it */
  readonly folders?: readonly { readonly dir: string | undefined; readonly names: readonly string[] }[];
}

interface Identity {
  readonly shown: string;
  readonly dev?: number;
  readonly ino?: number;
  readonly real: string;
}

function identify(path: string): Identity | undefined {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    // not there (yet): compare by resolved path, so a dangling link to an input's name still clashes
    return { shown: path, real: resolve(path) };
  }
  let real = resolve(path);
  try {
    real = realpathSync(path);
  } catch {
    // a pipe's /dev/fd/N has no real path: device and inode are enough
  }
  return { shown: path, dev: st.dev, ino: st.ino, real };
}

function same(a: Identity, b: Identity): boolean {
  if (a.dev !== undefined && b.dev !== undefined) return a.dev === b.dev && a.ino === b.ino;
  return a.real === b.real;
}

/**
 * Throw a UserError naming the output and the input when an output is the same file as an input,
 * or naming the output and what it is when it cannot be an output (a device, a folder, a FIFO).
 * Call it first thing in a verb's run, before reading or opening anything.
 */
export async function guardOutputs(who: string, inputs: GuardInputs, outputs: GuardOutputs): Promise<void> {
  const outs: string[] = [];
  for (const f of outputs.files ?? []) if (f !== undefined && f !== '-' && f !== '') outs.push(f);
  for (const d of outputs.folders ?? []) if (d.dir !== undefined) for (const n of d.names) outs.push(join(d.dir, n));
  if (outs.length === 0) return;
  for (const o of outs) resolveOutputTarget(o, who);

  const ins: Identity[] = [];
  const data = (inputs.data ?? []).filter((p): p is string => p !== undefined);
  if (data.length) {
    // the readers' own expansion; a missing input fails here with the readers' own message
    for (const f of await resolveInputs(data)) if (f.path !== undefined) ins.push(identify(f.path)!);
    // identities were made from resolved paths: keep the user's spelling for the message
  }
  for (const f of inputs.files ?? []) if (f !== undefined && f !== '-' && f !== '') ins.push(identify(f)!);

  for (const o of outs) {
    const out = identify(o)!;
    const clash = ins.find((i) => same(i, out));
    if (clash) {
      const how = clash.shown === o ? '' : ' (the same file)';
      throw new UserError(`${who}: the output ${o} is the input ${clash.shown}${how}; writing it would destroy the input: choose another output name`);
    }
  }
}
