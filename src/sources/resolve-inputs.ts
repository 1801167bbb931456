/**
 * From what the user typed to the list of files to read: files, folders (their data files, sorted,
 * read as one dataset), a `*` / `?` wildcard in the file-name part (`data/Tuesday*.csv`, so it
 * works the same when the shell does not expand it, e.g. quoted or on Windows), and `-` for stdin.
 *
 * Deliberately small: no recursion into sub-folders, no `**`, no wildcard in folder names. One
 * clear UserError for a path that does not exist, a folder without data files, a pattern that
 * matches nothing.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../util/errors.js';

/**
 * File names a folder is searched for. Zeek's conn logs too (conn.log, and rotated
 * conn.00:00:00-01:00:00.log.gz), but not its other logs (dns.log, http.log ...): a Zeek log folder
 * then reads as its connections rather than failing as "no data files" or as mixed formats.
 */
export const DATA_FILE = /(\.(csv|txt|pcap|pcapng|cap)|^conn(\.[^/]*)?\.log)(\.gz)?$/i;
const LOOKED_FOR = '.csv, .txt, .pcap, .pcapng, .cap, Zeek conn*.log, each maybe .gz';

export interface InputFile {
  /** the path as the user would write it, for messages and row origins; 'stdin' for `-` */
  readonly display: string;
  /** the path to open; undefined for stdin */
  readonly path?: string;
  /** bytes on disk (compressed size for .gz); 0 for stdin */
  readonly size: number;
  /** not a regular file (a pipe, FIFO, `<(cmd)`, /dev/stdin, a character device): read once, never reopened */
  readonly stream?: boolean;
}

/** Names of this process's stdin, read as `-` is. */
const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

const collator = new Intl.Collator('en', { numeric: true });

export async function resolveInputs(paths: readonly string[]): Promise<InputFile[]> {
  if (paths.length === 0) throw new UserError('no input given: name a file, a folder, a pattern like data/*.csv, or - for stdin');
  const out: InputFile[] = [];
  let stdin = false;
  for (const p of paths) {
    if (p === '-' || STDIN_PATHS.has(p)) {
      if (stdin) throw new UserError('stdin (-) can be read only once');
      stdin = true;
      // read through the process's own stdin: reopening /dev/stdin fails when it is a socket
      out.push({ display: p === '-' ? 'stdin' : p, size: 0, stream: true });
      continue;
    }
    const name = basename(p);
    if (/[*?]/.test(name)) {
      out.push(...(await glob(p)));
      continue;
    }
    if (/[*?]/.test(dirname(p))) throw new UserError(`${p}: wildcards work only in the file name, not in folder names`);
    const st = await statOrFail(p);
    if (st.isDirectory()) {
      const files = await listFolder(p);
      if (files.length === 0) throw new UserError(`${p}: no data files in this folder (looked for ${LOOKED_FOR})`);
      out.push(...files);
    } else if (st.isFile()) out.push({ display: p, path: p, size: st.size });
    else out.push({ display: p, path: p, size: 0, stream: true });
  }
  return out;
}

async function statOrFail(p: string): Promise<import('node:fs').Stats> {
  try {
    return await stat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`${p}: no such file or folder`);
    if (code === 'EACCES' || code === 'EPERM') throw new UserError(`${p}: permission denied`);
    throw err;
  }
}

async function listFolder(dir: string): Promise<InputFile[]> {
  const names = (await readdirOrFail(dir)).filter((n) => DATA_FILE.test(n)).sort(collator.compare);
  const out: InputFile[] = [];
  for (const n of names) {
    const path = join(dir, n);
    const st = await stat(path);
    if (st.isFile()) out.push({ display: path, path, size: st.size });
  }
  return out;
}

async function readdirOrFail(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`${dir}: no such folder`);
    if (code === 'EACCES' || code === 'EPERM') throw new UserError(`${dir}: permission denied`);
    throw err;
  }
}

async function glob(pattern: string): Promise<InputFile[]> {
  const dir = dirname(pattern);
  if (/[*?]/.test(dir)) throw new UserError(`${pattern}: wildcards work only in the file name, not in folder names`);
  const re = new RegExp(
    '^' +
      basename(pattern)
        .split('')
        .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
        .join('') +
      '$',
  );
  const names = (await readdirOrFail(dir)).filter((n) => re.test(n)).sort(collator.compare);
  const out: InputFile[] = [];
  for (const n of names) {
    // keep the user's spelling of the folder: "./x/*.csv" gives "./x/a.csv" as "x/a.csv" would be surprising
    const display = pattern.slice(0, pattern.length - basename(pattern).length) + n;
    const st = await stat(join(dir, n));
    if (st.isFile()) out.push({ display, path: join(dir, n), size: st.size });
  }
  if (out.length === 0) throw new UserError(`${pattern}: no file matches this pattern`);
  return out;
}
