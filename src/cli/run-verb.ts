/**
 * Runs one verb for main.ts: sets V8's settings, loads the verb, parses its options, runs it, and
 * turns errors into the exit codes of the user-experience guide: 2 and one line for a user's
 * mistake, a stack trace only for our own bugs (and only the first line of it unless --debug).
 * Loaded only once a verb is known, so that `netsentinel --help` and `--version` load none of it.
 */
// first: V8's settings, before any of our code runs hot (why and the figures: v8-tuning.ts)
import './v8-tuning.js';
import { helpText, parseCommand } from './args.js';
import { createProgress } from './progress.js';
import { UserError } from '../util/errors.js';
import { CaptureCutShort } from '../packets/cut-short.js';
import { userErrorFromOs } from './classify-error.js';
import { pathsAsWritten } from '../config/relative-paths.js';
import { handleInterrupts } from '../util/atomic-output.js';
import { loadVerb, loadVerbSpec, type VerbEntry } from './commands.js';

/** `verb` (named `verb` on the command line) with its options `rest`; `invoked`: run as the `netsentinel` process, not from a test */
export async function runVerb(entry: VerbEntry, verb: string, rest: readonly string[], invoked: boolean): Promise<number> {
  const debug = rest.includes('--debug');
  // the option table first (a light module for the heavy verbs): --help and a mistake in the
  // options are answered before the verb's module (its models, readers, stores) is loaded
  const spec = await loadVerbSpec(entry);
  let args: ReturnType<typeof parseCommand> | undefined;
  try {
    args = parseCommand(spec, rest);
    if (args.values.help) {
      process.stdout.write(helpText(spec));
      return 0;
    }
    const { oldDefaultStoreNote } = await import('./store-choice.js');
    const note = oldDefaultStoreNote(args.values);
    if (note) process.stderr.write(`netsentinel: warning: ${note}\n`);
    // only this verb's module (and what it imports) is loaded
    const cmd = await loadVerb(entry);
    if (typeof args.values.threads === 'number') {
      if (args.values.threads < 1) throw new UserError(`${verb}: --threads takes at least 1`);
      const { setKernelThreads } = await import('../models/kernel/kernel-pool.js');
      setKernelThreads(args.values.threads);
    }
    // Ctrl-C / kill: unfinished outputs removed, one line, exit 130/143 (src/util/atomic-output.ts)
    if (invoked) handleInterrupts();
    const progress = createProgress({ quiet: Boolean(args.values.quiet) });
    return await cmd.run({
      args,
      progress,
      json: Boolean(args.values.json),
      out: (text) => {
        process.stdout.write(text.endsWith('\n') ? text : text + '\n');
      },
    });
  } catch (caught) {
    // an OS error on a path the user gave (or a full disk, a read-only mount) is theirs to fix
    const e = userErrorFromOs(caught, verb, args) ?? caught;
    if (e instanceof UserError) {
      // a capture cut short at its end (still being written, its program stopped mid-packet) is
      // usable up to the cut: say how, as tshark and tcpdump would have used those packets
      const hint = e instanceof CaptureCutShort && spec.options.some((o) => o.name === 'allow-truncated') ? '; --allow-truncated uses them (a warning instead of this error)' : '';
      // a path a settings file gave relative to its folder: named as written too (relative-paths.ts)
      process.stderr.write(`netsentinel: ${pathsAsWritten(e.message)}${hint}\n`);
      if (debug) process.stderr.write(`${(caught as Error).stack}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`netsentinel: internal error: ${err?.message ?? String(e)}\n`);
    process.stderr.write(debug ? `${err?.stack}\n` : 'run again with --debug for details, and please report it\n');
    return 70;
  }
}
