/**
 * The one place that decides whether an operating-system error is the user's to fix (exit 2, one
 * line) or our bug (exit 70, "please report it"). Before it, each verb wrapped its own file calls,
 * and every call it forgot (a folder made under a regular file, /proc/version as an output, a
 * read-only mount, a full disk while drawing a chart, a pipe from `<(...)` as input) surfaced as an
 * internal error.
 *
 * The rule: an errno error (Node's ErrnoException) whose path is one the user gave (a positional
 * argument or an option value), lies below one (a file of an input folder, an output in an output
 * folder, a file matched by a pattern), or is a parent folder of one, is a user error naming that
 * path and the cause in words (src/util/fs-errors.ts). So are the errors of the machine's state
 * with no path at all (disk full, quota, read-only file system, I/O error, too many open files):
 * no code change of ours fixes those. Any other error stays an internal one.
 */
import { dirname, resolve } from 'node:path';
import type { ParsedArgs } from './args.js';
import { UserError } from '../util/errors.js';
import { errnoCause, isErrnoException, pathError } from '../util/fs-errors.js';
import { pathsFromSettingsFiles } from '../config/relative-paths.js';

/** Errors of the machine's state, the user's to fix wherever they happen. */
const ENVIRONMENT = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE', 'EFBIG']);

/** What a syscall was doing, in the words of "cannot ___ PATH". */
function actionOf(syscall: string | undefined): string {
  switch (syscall) {
    case 'mkdir':
      return 'create';
    case 'scandir':
    case 'opendir':
      return 'list';
    case 'read':
    case 'stat':
    case 'lstat':
    case 'fstat':
    case 'access':
    case 'readlink':
    case 'realpath':
      return 'read';
    case 'write':
    case 'rename':
    case 'unlink':
    case 'fsync':
    case 'ftruncate':
    case 'copyfile':
    case 'chmod':
      return 'write';
    default:
      return 'open';
  }
}

/** Every string the user gave: positionals and option values (lists flattened). */
function userStrings(args: ParsedArgs | undefined): string[] {
  if (!args) return [];
  const out: string[] = [...args.positionals];
  for (const v of Object.values(args.values)) {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') out.push(x);
  }
  return out.filter((s) => s !== '' && s !== '-');
}

/**
 * The user's path that `p` is, lies under, or is a parent folder of; undefined when none. The
 * user's paths: those given as arguments, and those a config or .env file named (store, feeds,
 * log files, ...: relative-paths.ts).
 */
export function userPathFor(p: string, args: ParsedArgs | undefined): string | undefined {
  const abs = resolve(p);
  for (const u of [...userStrings(args), ...pathsFromSettingsFiles()]) {
    // a pattern names its folder
    const base = /[*?]/.test(u) ? dirname(u) : u;
    const ua = resolve(base);
    if (abs === ua || abs.startsWith(ua + '/') || (ua.startsWith(abs + '/') && abs !== '/')) return u;
  }
  return undefined;
}

/**
 * A UserError (exit 2, one line) for an errno error on a user's path or of the machine's state;
 * undefined when the error is not the user's to fix.
 */
export function userErrorFromOs(e: unknown, verb: string, args: ParsedArgs | undefined): UserError | undefined {
  if (!isErrnoException(e)) return undefined;
  const paths = [e.path, (e as { dest?: string }).dest].filter((p): p is string => typeof p === 'string');
  for (const p of paths) {
    if (userPathFor(p, args) !== undefined) return pathError(verb, actionOf(e.syscall), p, e);
  }
  if (ENVIRONMENT.has(e.code!)) {
    return new UserError(`${verb}: ${paths.length ? `cannot ${actionOf(e.syscall)} ${paths[0]}: ` : ''}${errnoCause(e)}`);
  }
  return undefined;
}
