/**
 * Turning an operating-system error on a user's path (ENOSPC, EROFS, EACCES, ENOTDIR, ...) into one
 * line a person can act on: which path, and what is wrong with it in words. Node's own messages
 * ("ENOSPC: no space left on device, write") say the cause but not always the path, and say
 * ENOENT where the real trouble is a read-only file system or a file standing where a folder
 * should be; this module looks at the path's ancestors to say which.
 *
 * Used by the atomic output writer (src/util/atomic-output.ts) and by the CLI's last-resort error
 * classifier (src/cli/main.ts), so every verb reports path problems the same way without each
 * wrapping its own calls.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from './errors.js';

/** Words for the errno codes a user's path can produce. */
const CAUSES: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system',
  EEXIST: 'it already exists',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EIO: 'input/output error',
  EBUSY: 'the file is busy',
  ETXTBSY: 'the file is busy',
  EXDEV: 'not on the same file system',
  EINVAL: 'invalid argument for this kind of file',
  ENXIO: 'no such device or address (a FIFO with no reader, or a closed descriptor)',
  EBADF: 'bad file descriptor (a closed pipe or descriptor)',
  ESPIPE: 'it is a pipe, which cannot be read twice or sought',
  EPIPE: 'the reader closed the pipe',
  ENODEV: 'no such device',
  EOPNOTSUPP: 'operation not supported by this file system',
};

export function isErrnoException(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((e as NodeJS.ErrnoException).code!);
}

/** "a folder", "a character device", ... for a file that is not regular; undefined for a regular file. */
export function describeFileKind(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** "EROFS: read-only file system": the code (for searching) and the words (for reading). */
export function errnoCause(e: unknown): string {
  if (!isErrnoException(e)) return e instanceof Error ? e.message : String(e);
  const code = e.code!;
  const words = CAUSES[code] ?? e.message.replace(/^[A-Z0-9]+: /, '').replace(/, \w+ '.*'$/, '').replace(/, \w+$/, '');
  return `${code}: ${words}`;
}

/**
 * A better cause for a failure to create `path` (a file or folder): ENOENT becomes "folder X does
 * not exist", "X is a file, not a folder" or "read-only file system" by looking at the nearest
 * ancestor that exists. Other codes keep their own words.
 */
export function creationCause(path: string, e: unknown): string {
  if (!isErrnoException(e) || (e.code !== 'ENOENT' && e.code !== 'ENOTDIR')) return errnoCause(e);
  let dir = dirname(path);
  let missing: string | undefined;
  for (;;) {
    try {
      const st = statSync(dir);
      if (!st.isDirectory()) return `ENOTDIR: ${dir} is ${describeFileKind(st) ?? 'a file'}, not a folder`;
      try {
        accessSync(dir, constants.W_OK);
      } catch (a) {
        if (isErrnoException(a) && a.code === 'EROFS') return `EROFS: ${dir} is on a read-only file system`;
        if (isErrnoException(a) && a.code === 'EACCES') return `EACCES: no permission to create files in ${dir}`;
      }
      if (missing) return `ENOENT: folder ${missing} does not exist`;
      return errnoCause(e);
    } catch (s) {
      if (isErrnoException(s) && s.code === 'ENOTDIR') {
        missing = dir;
      } else if (isErrnoException(s) && s.code === 'ENOENT') {
        missing = dir;
      } else {
        return errnoCause(s);
      }
    }
    const up = dirname(dir);
    if (up === dir) return errnoCause(e);
    dir = up;
  }
}

/**
 * Why a database file (SQLite) at `path` could not be opened or made, in words: a file where a
 * folder should be (mkdir says EEXIST naming the file), a folder given as the file (SQLite says
 * only "unable to open database file"), or the OS error; undefined when none of these applies.
 */
export function databaseFileCause(path: string, e: unknown): string | undefined {
  if (isErrnoException(e)) return creationCause(path, e.code === 'EEXIST' ? Object.assign(new Error(e.message), { code: 'ENOTDIR' }) : e);
  try {
    if (statSync(path).isDirectory()) return `it is a folder; give a file, e.g. ${join(path, 'netsentinel.db')}`;
  } catch {
    // not there: SQLite's own words
  }
  return undefined;
}

/** One-line UserError: "<who>: cannot <action> <path>: <cause>". */
export function pathError(who: string, action: string, path: string, e: unknown): UserError {
  const cause = creationCause(path, e);
  return new UserError(`${who ? who + ': ' : ''}cannot ${action} ${path}: ${cause}`);
}
