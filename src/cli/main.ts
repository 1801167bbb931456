#!/usr/bin/env node
/**
 * The `netsentinel` command: the list of verbs (--help), the version, and picking the verb, which
 * run-verb.ts then runs (its options, and errors turned into the exit codes of the user-experience
 * guide: 2 and one line for a user's mistake, a stack trace only for our own bugs).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commands, verbName, verbSummary, type VerbEntry } from './commands.js';

// Only what the list of verbs and the version need is loaded here: the verb's runner (option
// parsing, V8's settings, error handling: run-verb.ts) is imported once a verb is known, so
// `netsentinel --help` and `--version` load 2 of our modules instead of 12 and node:crypto,
// node:v8 and node:util (the figures are in the commit that made it so).

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
    const { closestName } = await import('../util/closest-name.js');
    const near = closestName(verb, commands.map(verbName));
    const hint = MOVED[verb] ?? (near ? `did you mean ${near}?` : undefined);
    process.stderr.write(`netsentinel: unknown verb "${verb}"${hint ? `; ${hint}` : ''}; verbs: ${commands.map(verbName).join(', ')}\n`);
    return 2;
  }
  const { runVerb } = await import('./run-verb.js');
  return runVerb(entry, verb, rest, invoked);
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
