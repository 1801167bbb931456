#!/usr/bin/env node
/**
 * The `netsentinel` command: picks the verb, parses its options, runs it, and turns errors into
 * the exit codes of the user-experience guide: 2 and one line for a user's mistake, a stack trace
 * only for our own bugs (and only the first line of it unless --debug).
 */
// first: V8's settings, before any of our code runs hot (why and the figures: v8-tuning.ts)
import './v8-tuning.js';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helpText, parseCommand } from './args.js';
import { createProgress } from './progress.js';
import { UserError } from '../util/errors.js';
import { CaptureCutShort } from '../packets/cut-short.js';
import { closestName } from '../util/closest-name.js';
import { userErrorFromOs } from './classify-error.js';
import { pathsAsWritten } from '../config/relative-paths.js';
import { handleInterrupts } from '../util/atomic-output.js';
import { commands, loadVerb, verbName, verbSummary, type VerbEntry } from './commands.js';

const VERSION: string = (() => {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
})();

function mainHelp(list: readonly VerbEntry[]): string {
  const w = Math.max(...list.map((c) => verbName(c).length)) + 2;
  return [
    `netsentinel ${VERSION}: learn what normal traffic looks like, recognise known attacks, catch the unknown ones.`,
    '',
    'Usage: netsentinel VERB [options]',
    '',
    'Verbs:',
    ...list.map((c) => `  ${verbName(c).padEnd(w)}${verbSummary(c)}`),
    '',
    "Run 'netsentinel VERB --help' for a verb's options and examples.",
    '',
  ].join('\n');
}

/** Verbs people look for that are a part of another: where to find it. */
const MOVED: Record<string, string> = {
  report: "the report is written by analyze (report.html in its --out folder; --no-report skips it)",
};

export async function main(argv: readonly string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const debug = rest.includes('--debug');
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(mainHelp(commands));
    return verb ? 0 : 2;
  }
  if (verb === '--version' || verb === '-V' || verb === 'version') {
    process.stdout.write(`netsentinel ${VERSION}\n`);
    return 0;
  }
  const entry = commands.find((c) => verbName(c) === verb);
  if (!entry) {
    const near = closestName(verb, commands.map(verbName));
    const hint = MOVED[verb] ?? (near ? `did you mean ${near}?` : undefined);
    process.stderr.write(`netsentinel: unknown verb "${verb}"${hint ? `; ${hint}` : ''}; verbs: ${commands.map(verbName).join(', ')}\n`);
    return 2;
  }
  // only this verb's module (and what it imports) is loaded
  const cmd = await loadVerb(entry);
  let args: ReturnType<typeof parseCommand> | undefined;
  try {
    args = parseCommand(cmd.spec, rest);
    if (args.values.help) {
      process.stdout.write(helpText(cmd.spec));
      return 0;
    }
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
      const hint = e instanceof CaptureCutShort && cmd.spec.options.some((o) => o.name === 'allow-truncated') ? '; --allow-truncated uses them (a warning instead of this error)' : '';
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

// run when executed (not when imported by tests)
const invoked = (() => {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();
if (invoked) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // `netsentinel ... | head` closes the pipe early: not an error
    if (e.code === 'EPIPE') process.exit(0);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`netsentinel: internal error: ${(e as Error).stack}\n`);
      process.exitCode = 70;
    },
  );
}
