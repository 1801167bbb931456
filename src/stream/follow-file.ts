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
 * A missing path: at the start it is an error (a mistyped path should fail at once, not wait
 * silently forever); once followed, it is waited for, as `tail -F` does: between a rotator's rename
 * and its create (or when the new file is renamed away again between our stat and our open) the
 * old file is kept, read to its end, and the new one is opened when it appears.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { UserError } from '../util/errors.js';

export interface FollowOptions {
  readonly pollMs?: number;
  /** stop following: what was read is passed on and the stream ends */
  readonly signal: AbortSignal;
  /** told when the file was rotated or truncated */
  readonly onRotate?: (why: string) => void;
}

export interface FollowStats {
  bytes: number;
  rotations: number;
  headersSkipped: number;
}

/** A readable of the file's whole lines, as they come, until the signal. */
export async function followFile(path: string, o: FollowOptions): Promise<{ stream: Readable; stats: FollowStats; done: Promise<void> }> {
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
      if (header === undefined) {
        if (looksCsvHeader) header = first;
      } else if (first === header) {
        stats.headersSkipped++;
        data = data.subarray(nl < 0 ? data.length : nl + 1);
      }
    }
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
          const why = now.ino !== held.ino || now.dev !== held.dev ? 'a new file at the path' : `truncated to ${now.size} bytes`;
          await fh.close();
          fh = next;
          pos = 0;
          firstLineOfFile = true;
          stats.rotations++;
          o.onRotate?.(why);
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
  return { stream: out, stats, done: done.catch(() => undefined) };
}
