/**
 * From what the user typed to the list of files to read: files, folders (their data files, sorted,
 * read as one dataset), a `*` / `?` wildcard in the file-name part (`data/Tuesday*.csv`, so it
 * works the same when the shell does not expand it, e.g. quoted or on Windows), and `-` for stdin.
 *
 * Deliberately small: no recursion into sub-folders, no `**`, no wildcard in folder names. One
 * clear UserError for a path that does not exist, a folder without data files, a pattern that
 * matches nothing.
 *
 * A folder is taken as "the flows in here", not "every file in here": netsentinel's own outputs
 * (an analyze or respond folder's risky_ips.txt, blocked_ips.txt, flows_scored.csv ...) are
 * skipped by name here, and the readers skip by content what holds no flows (an empty file, a
 * list of addresses, a README.txt beside CICFlowMeter files: see `folder` below and
 * read-dataset.ts). Each skip is one warning naming the file and why; a folder with nothing left
 * is an error. A file named by the user, or matched by their pattern, is never skipped.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { compressionOf, decompressedHead, headBytesFor } from './compression.js';
import { UserError } from '../util/errors.js';
import { firstPacketAndHead } from '../packets/first-packet-time.js';

/**
 * File names a folder is searched for. Zeek's conn logs too (conn.log, and rotated
 * conn.00:00:00-01:00:00.log.gz), but not its other logs (dns.log, http.log ...): a Zeek log folder
 * then reads as its connections rather than failing as "no data files" or as mixed formats.
 * Captures rotated by tcpdump -C (`-w trace.pcap` gives trace.pcap, trace.pcap1, trace.pcap2 ...)
 * or by logrotate (trace.pcap.1, trace.pcap.2.gz) are taken too: passing over every file but the
 * first would drop most of the capture without a word.
 */
export const DATA_FILE = /(\.(csv|txt)|\.(pcap|pcapng|cap)(\d+|\.\d+)?|^conn(\.[^/]*)?\.log)(\.gz|\.zst|\.lz4)?$/i;
const LOOKED_FOR = '.csv, .txt, .pcap, .pcapng, .cap (also rotated: .pcap1, .pcap.1), Zeek conn*.log, each maybe .gz, .zst or .lz4, and captures by content';

/** pcap (either byte order, micro- or nanosecond) and pcapng magic numbers, as the first 4 bytes. */
const CAPTURE_MAGICS: ReadonlySet<number> = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a]);

/**
 * Files netsentinel itself writes whose names DATA_FILE would take (analyze -o: flows_scored.csv,
 * risky_ips.csv, risky_ips.txt; respond / analyze --respond: blocked_ips.txt; cluster -o:
 * clusters.csv). None holds flow records a verb could read back. Written out here rather than
 * imported, so the readers do not depend on the report and respond folders; a test checks it
 * against their lists (resolve-inputs.test.ts).
 */
export const OWN_OUTPUTS: ReadonlySet<string> = new Set(['flows_scored.csv', 'risky_ips.csv', 'risky_ips.txt', 'blocked_ips.txt', 'clusters.csv']);
export const OWN_OUTPUT_REASON = "netsentinel's own output, not flow records";

export interface ResolveOptions {
  /** told each file of a folder that is passed over, and why (default: nothing) */
  readonly skipped?: (display: string, why: string) => void;
}

export interface InputFile {
  /** the path as the user would write it, for messages and row origins; 'stdin' for `-` */
  readonly display: string;
  /** the path to open; undefined for stdin */
  readonly path?: string;
  /** bytes on disk (compressed size for .gz); 0 for stdin */
  readonly size: number;
  /** not a regular file (a pipe, FIFO, `<(cmd)`, /dev/stdin, a character device): read once, never reopened */
  readonly stream?: boolean;
  /**
   * The folder (as the user typed it) this file was found in, when the user named a folder rather
   * than the file: a reader passes over such a file, with a warning, when its content holds no flows.
   */
  readonly folder?: string;
  /**
   * a capture's first bytes (raw), as read to put the captures of a folder in packet order: the
   * reader sniffs and reads from them instead of reading them again (within HEAD_BUDGET)
   */
  readonly head?: Uint8Array;
}

/** Heads kept for the reader across a folder's captures (64 KiB each mostly: 256 captures). */
const HEAD_BUDGET = 16 * 1024 * 1024;

/** Names of this process's stdin, read as `-` is. */
const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/**
 * Names sorted as people number files (day2 before day10). Made on first use: building an ICU
 * collator costs 10-30 ms, which a run on one named file (analyze of a capture) need not pay.
 */
let collator: Intl.Collator | undefined;
function byName(a: string, b: string): number {
  collator ??= new Intl.Collator('en', { numeric: true });
  return collator.compare(a, b);
}

export async function resolveInputs(paths: readonly string[], opts: ResolveOptions = {}): Promise<InputFile[]> {
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
      const { files, own } = await listFolder(p);
      if (files.length === 0 && own.length > 0) {
        // most likely an analyze or respond output folder given where its input belongs
        throw new UserError(`${p}: no flow files in this folder: ${own.map((f) => basename(f)).join(', ')} ${own.length === 1 ? "is netsentinel's own output" : "are netsentinel's own outputs"}, not flow records; name the flows or captures that were analysed`);
      }
      if (files.length === 0) throw new UserError(`${p}: no data files in this folder (looked for ${LOOKED_FOR})`);
      for (const f of own) opts.skipped?.(f, OWN_OUTPUT_REASON);
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

/**
 * Whether a file starts with a pcap or pcapng magic number: tcpdump -C writes its rotations under
 * whatever name -w was given (`-w cap` gives cap, cap1, cap2 ...), so a folder of captures need
 * not say so in its names (nor with -z gzip: cap.gz, cap1.gz). Only the first 4 KB are read, and
 * only of files DATA_FILE did not take.
 */
async function startsAsCapture(path: string): Promise<boolean> {
  let fh: import('node:fs/promises').FileHandle | undefined;
  try {
    if (!(await stat(path)).isFile()) return false;
    fh = await open(path, 'r');
    let head: Uint8Array = Buffer.alloc(4096);
    let { bytesRead } = await fh.read(head, 0, head.length, 0);
    // tcpdump -C -z gzip (or -z zstd): cap.gz, cap1.gz ...; the first bytes of what it decompresses
    // to are enough (zstd's come a block at a time: up to 128 KiB of it read)
    const more = headBytesFor(compressionOf(head.subarray(0, bytesRead)), bytesRead);
    if (more > bytesRead) {
      head = Buffer.alloc(more);
      bytesRead = (await fh.read(head, 0, more, 0)).bytesRead;
    }
    head = decompressedHead(head.subarray(0, bytesRead));
    return head.length >= 4 && CAPTURE_MAGICS.has(Buffer.from(head.buffer, head.byteOffset, head.length).readUInt32LE(0));
  } catch {
    return false; // unreadable: not ours to judge here; a data-named file would say why when read
  } finally {
    await fh?.close();
  }
}

/** A folder's data files, and the paths of netsentinel's own outputs passed over. */
async function listFolder(dir: string): Promise<{ files: InputFile[]; own: string[] }> {
  const all = await readdirOrFail(dir);
  const names: string[] = [];
  /** files taken for their content (tcpdump -C names: cap, cap1 ...): captures */
  const byContent = new Set<string>();
  for (const n of all) {
    if (DATA_FILE.test(n)) names.push(n);
    else if (!n.startsWith('.') && (await startsAsCapture(join(dir, n)))) {
      names.push(n);
      byContent.add(n);
    }
  }
  names.sort(byName);
  const files: InputFile[] = [];
  const own: string[] = [];
  for (const n of names) {
    const path = join(dir, n);
    const st = await stat(path);
    if (!st.isFile()) continue;
    if (OWN_OUTPUTS.has(n.toLowerCase().replace(/\.(gz|zst)$/, ''))) own.push(path);
    else files.push({ display: path, path, size: st.size, folder: dir });
  }
  return { files: await inCaptureOrder(files, (f) => byContent.has(basename(f.display)) || CAPTURE_FILE.test(f.display)), own };
}

/** names of capture files, rotated ones too (trace.pcap1, trace.pcap.1), maybe gzip-, zstd- or lz4-compressed */
const CAPTURE_FILE = /\.(pcap|pcapng|cap)(\d+|\.\d+)?(\.gz|\.zst|\.lz4)?$/i;

/**
 * The captures among a folder's (or a pattern's) files in the order of their first packets, the
 * other files where they were. A folder of captures is one capture cut into files, and the flow
 * meter needs them oldest first (a file that starts before the packets read before it restarts the
 * meter, warned about). Names do not say that order: tcpdump -C numbers trace.pcap, trace.pcap1 ...
 * (name order holds, numbers compared as numbers), but logrotate's trace.pcap.1, .2 are older the
 * higher their number, tcpdump -W's ring reuses trace.pcap0 after trace.pcap9, and two capture
 * programs name their files as they like. The packets' own times are right for all of them. A
 * capture whose first packet is not found in its first bytes (no packet, a first packet larger
 * than those) keeps its place after the capture before it by name; equal times keep name order.
 * Each capture's first 64 KB are read for it (320 KB when its first packet is not in them), and
 * handed to the reader with the file (`head`), which starts from them instead of reading them again.
 */
async function inCaptureOrder(files: InputFile[], isCapture: (f: InputFile) => boolean): Promise<InputFile[]> {
  const slots: number[] = [];
  for (let i = 0; i < files.length; i++) if (isCapture(files[i]) && files[i].path !== undefined) slots.push(i);
  if (slots.length < 2) return files;
  const keyed: { file: InputFile; time: number; rank: number }[] = [];
  let time = -Infinity;
  let kept = 0;
  for (const [rank, i] of slots.entries()) {
    const r = await firstPacketAndHead(files[i].path as string);
    time = r.time ?? time;
    // the bytes read here are the reader's start: kept for it, so they are read once
    const keep = r.head && r.head.length > 0 && kept + r.head.length <= HEAD_BUDGET;
    if (keep) kept += r.head!.length;
    keyed.push({ file: keep ? { ...files[i], head: r.head } : files[i], time, rank });
  }
  keyed.sort((a, b) => a.time - b.time || a.rank - b.rank);
  const out = files.slice();
  slots.forEach((i, k) => (out[i] = keyed[k].file));
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
  const names = (await readdirOrFail(dir)).filter((n) => re.test(n)).sort(byName);
  let out: InputFile[] = [];
  for (const n of names) {
    // keep the user's spelling of the folder: "./x/*.csv" gives "./x/a.csv" as "x/a.csv" would be surprising
    const display = pattern.slice(0, pattern.length - basename(pattern).length) + n;
    const st = await stat(join(dir, n));
    if (st.isFile()) out.push({ display, path: join(dir, n), size: st.size });
  }
  if (out.length === 0) throw new UserError(`${pattern}: no file matches this pattern`);
  // a quoted pattern of captures ('trace.pcap*'), as a folder: in the order of their packets
  out = await inCaptureOrder(out, (f) => CAPTURE_FILE.test(f.display));
  return out;
}
