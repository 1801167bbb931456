/**
 * `stream --follow FILE`: a flow file another program keeps appending to (a CICFlowMeter or Zeek
 * writer, a JSON-lines exporter), read like `tail -F`: from its start, then whatever is appended,
 * and across rotation: when the path names a new file (renamed away and created again) or the file
 * shrinks (truncated), the old one is read to its end and the new one from its start. A CSV's
 * header repeated at the top of the new file is skipped, so the reader after us sees one CSV.
 *
 * Polling (every `pollMs`) rather than fs.watch alone: watch events are lost across rename and on
 * some file systems, and a poll of one stat is cheap. Only whole lines are passed on; a partial
 * last line waits for its newline (or for the end, when stopped).
 *
 * Lines are numbered in the file they were read from, not in the stream we make of them (`where`):
 * after a rotation the new file's line 12 is "line 12" (it was 51 + 11, the old file's lines
 * counted on), a header skipped still counts as the new file's line 1, and the old file's lines
 * said after its rename (a batch scored later) are named by its new name (FILE.1), found by its
 * inode next to the path; a file truncated or gone from the directory is named "FILE (before its
 * rotation at TIME)", so that "FILE line N" always means line N of what is at FILE now or was then.
 *
 * A missing path: at the start it is an error (a mistyped path should fail at once, not wait
 * silently forever); once followed, it is waited for, as `tail -F` does: between a rotator's rename
 * and its create (or when the new file is renamed away again between our stat and our open) the
 * old file is kept, read to its end, and the new one is opened when it appears.
 */
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { UserError } from '../util/errors.js';

export interface FollowOptions {
  readonly pollMs?: number;
  /** stop following: what was read is passed on and the stream ends */
  readonly signal: AbortSignal;
  /** told when the file was rotated or truncated, and the name the old file's lines are said by from then on */
  readonly onRotate?: (why: string, oldName: string) => void;
}

export interface FollowStats {
  bytes: number;
  rotations: number;
  headersSkipped: number;
}

/** Where a line of the followed stream was read: the file (its name now) and the line in it. */
export interface LinePlace {
  readonly file: string;
  readonly line: number;
}

/** The lines one file gave the stream. */
interface Segment {
  /** the stream's line number of its first line */
  readonly from: number;
  /** that line's number in the file (2 when its header was skipped) */
  readonly first: number;
  /** the file's name (changed when it is renamed away) */
  name: string;
}

/**
 * A readable of the file's whole lines, as they come, until the signal; `where` turns a line number
 * of the readable (1-based, counted as node:readline counts lines) into the file and line it was
 * read from.
 */
export async function followFile(path: string, o: FollowOptions): Promise<{ stream: Readable; stats: FollowStats; done: Promise<void>; where: (line: number) => LinePlace }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new UserError(`stream --follow: cannot open ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const out = new PassThrough();
  const stats: FollowStats = { bytes: 0, rotations: 0, headersSkipped: 0 };
  const poll = o.pollMs ?? 250;
  const buf = Buffer.allocUnsafe(1 << 16);
  let pending: Buffer = Buffer.alloc(0);
  let header: string | undefined;
  let firstLineOfFile = true;
  let pos = 0;
  // line breaks passed on so far (as readline counts them: \n, \r\n, a lone \r) and each file's share
  let lines = 0;
  const segments: Segment[] = [];
  const where = (line: number): LinePlace => {
    let lo = 0;
    let hi = segments.length - 1;
    if (hi < 0) return { file: path, line };
    // the last segment starting at or before the line
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid].from <= line) lo = mid;
      else hi = mid - 1;
    }
    const s = segments[lo];
    return { file: s.name, line: s.first + line - s.from };
  };

  const emit = (chunk: Buffer, final: boolean): Promise<void> | void => {
    let data: Buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const cut = final ? data.length : data.lastIndexOf(0x0a) + 1;
    pending = data.subarray(cut);
    data = data.subarray(0, cut);
    if (!data.length) return;
    // the old file's unterminated last line must not run into the new file's first
    if (final && data[data.length - 1] !== 0x0a) data = Buffer.concat([data, Buffer.from('\n')]);
    if (firstLineOfFile) {
      const nl = data.indexOf(0x0a);
      const first = data.subarray(0, nl < 0 ? data.length : nl).toString('utf8').replace(/\r$/, '');
      firstLineOfFile = false;
      const looksCsvHeader = !/^\s*\{/.test(first);
      let skipped = false;
      if (header === undefined) {
        if (looksCsvHeader) header = first;
      } else if (first === header) {
        stats.headersSkipped++;
        data = data.subarray(nl < 0 ? data.length : nl + 1);
        skipped = true;
      }
      segments.push({ from: lines + 1, first: skipped ? 2 : 1, name: path });
    }
    lines += lineBreaks(data);
    stats.bytes += data.length;
    if (!out.write(data)) return new Promise((r) => out.once('drain', r));
  };

  const readToEnd = async (h: FileHandle): Promise<void> => {
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, buf.length, pos);
      if (!bytesRead) return;
      pos += bytesRead;
      await emit(Buffer.from(buf.subarray(0, bytesRead)), false);
    }
  };

  const sleep = (): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(done, poll);
      function done(): void {
        clearTimeout(t);
        o.signal.removeEventListener('abort', done);
        resolve();
      }
      o.signal.addEventListener('abort', done, { once: true });
    });

  const done = (async () => {
    try {
      while (!o.signal.aborted) {
        await readToEnd(fh);
        const [now, held] = await Promise.all([stat(path).catch(() => undefined), fh.stat()]);
        if (now && (now.ino !== held.ino || now.dev !== held.dev || now.size < pos)) {
          // rotated (a new file at the path) or truncated: finish the old one, start the new one.
          // The new one is opened first: gone again already (renamed away between the stat and
          // the open), the old one is kept and the path looked at again at the next poll
          const next = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
            if (e.code === 'ENOENT') return undefined;
            throw e;
          });
          if (!next) {
            await sleep();
            continue;
          }
          await readToEnd(fh);
          await emit(Buffer.alloc(0), true);
          const renamed = now.ino !== held.ino || now.dev !== held.dev;
          // the old file's lines are named by its name now, for what is said about them from here on
          const oldName = (renamed ? await nameOf(path, held.ino, held.dev) : undefined) ?? `${path} (before its ${renamed ? 'rotation' : 'truncation'} at ${new Date().toISOString().slice(11, 19)}Z)`;
          for (let i = segments.length - 1; i >= 0 && segments[i].name === path; i--) segments[i].name = oldName;
          const why = renamed ? 'a new file at the path' : `truncated to ${now.size} bytes`;
          await fh.close();
          fh = next;
          pos = 0;
          firstLineOfFile = true;
          stats.rotations++;
          o.onRotate?.(why, oldName);
          continue;
        }
        await sleep();
      }
      await readToEnd(fh);
      await emit(Buffer.alloc(0), true);
    } finally {
      await fh.close().catch(() => undefined);
      out.end();
    }
  })();
  done.catch((e) => out.destroy(e as Error));
  return { stream: out, stats, done: done.catch(() => undefined), where };
}

/** line breaks as node:readline counts them: \n, \r\n and a lone \r (a chunk passed on ends with \n) */
function lineBreaks(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) n++;
  for (let i = b.indexOf(0x0d); i >= 0; i = b.indexOf(0x0d, i + 1)) if (b[i + 1] !== 0x0a) n++;
  return n;
}

/**
 * The name a file renamed away from `path` has now: looked for by its inode among the names in the
 * path's folder that begin with the path's own name (flows.csv.1, flows.csv-20261206: what log
 * rotators make), or undefined.
 */
async function nameOf(path: string, ino: number, dev: number): Promise<string | undefined> {
  const dir = dirname(path);
  const base = basename(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    if (n === base || !n.startsWith(base)) continue;
    const st = await stat(join(dir, n)).catch(() => undefined);
    if (st && st.ino === ino && st.dev === dev) return join(dir, n);
  }
  return undefined;
}
