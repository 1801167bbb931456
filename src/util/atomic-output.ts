/**
 * Every output netsentinel writes (predictions, scored flows, alerts, reports, charts, model files)
 * goes through here, so that an output is either the whole new file or is not there at all:
 *
 * - the bytes go to a temporary name beside the target (same folder, so the final rename is atomic
 *   on every POSIX file system), ".NAME.PID-RANDOM.tmp", created exclusively;
 * - `commit` flushes it to the disk (fsync) and renames it over the target; only then does the
 *   target change, and a reader sees the old file or the new one, never half of one;
 * - `abort`, any failure (disk full, read-only, permission), and SIGINT/SIGTERM remove the
 *   temporary: every pending temporary is kept in one process-wide registry which a signal handler
 *   and an exit handler clean, so an interrupted run leaves nothing half-written behind.
 *
 * What may be an output: a regular file, or a name that does not exist yet. A folder, a device
 * node (/dev/full, /dev/null), a FIFO, a socket or a pipe (/dev/fd/63 from `>(...)`) is refused
 * before anything is written, with one line naming the path and what it is: renaming a file over
 * them would replace the device node or the pipe rather than write into it. '-' is standard output
 * where a verb supports it, and is the way to feed a pipe.
 *
 * Symbolic links are written THROUGH, for every verb: `-o link` replaces the file the link points
 * to (following a chain of links, and creating the target when the link dangles) and leaves the
 * link itself in place, which is what `>` in a shell does and what users expect. The temporary is
 * made beside the final target, not beside the link, so the rename stays on one file system.
 *
 * Why our own code: the npm "write-file-atomic" package covers whole files but not streams, has no
 * signal-time cleanup shared with the rest of the process, and does not refuse special files.
 */
import { createWriteStream, lstatSync, readlinkSync, realpathSync, statfsSync, statSync, unlinkSync, type Stats, type WriteStream } from 'node:fs';
import { chmod, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from './errors.js';
import { describeFileKind, errnoCause, isErrnoException, pathError } from './fs-errors.js';

export { describeFileKind };

// ---------------------------------------------------------------------------------------------
// the registry of pending temporaries, and the signal/exit handlers that clean it

const pending = new Set<string>();
/**
 * true: the hook claims the signal (stops the work cleanly itself); 'announced': claims it and has
 * already said so on one line of its own, so no second line follows; else it does not claim it.
 */
type InterruptHook = (signal: NodeJS.Signals) => boolean | 'announced' | void;
const hooks = new Set<InterruptHook>();
let interruptedOnce = false;
let always = false;
let exitHandlerInstalled = false;
let signalHandlersInstalled = false;

/** The temporaries not yet committed or aborted (absolute paths). */
export function pendingTemporaries(): string[] {
  return [...pending];
}

/** Remove every pending temporary now (synchronous: safe in a signal or exit handler). Returns how many. */
export function removePendingTemporaries(): number {
  let n = 0;
  for (const p of pending) {
    try {
      unlinkSync(p);
      n++;
    } catch {
      // already gone
    }
    pending.delete(p);
  }
  return n;
}

/**
 * Take part in SIGINT/SIGTERM handling. A hook that returns true promises to stop the work cleanly
 * itself (finish the batch, abort its outputs, mark the run interrupted, set the exit code): the
 * process then does not exit at once, and says so ("stopping after the current step, send it again
 * to stop at once"); a hook that returns 'announced' claims it too but has said what it does in
 * its own line (`serve` under a service manager: one line for a SIGTERM, not two). A second signal
 * exits regardless, after removing the pending temporaries. With no hook claiming it, the signal
 * removes the temporaries, prints one line and exits 130 (SIGINT) or 143 (SIGTERM). Returns a
 * function that removes the hook.
 */
export function onInterrupt(hook: InterruptHook): () => void {
  hooks.add(hook);
  syncSignalHandlers();
  return () => {
    hooks.delete(hook);
    syncSignalHandlers();
  };
}

/**
 * Keep the SIGINT/SIGTERM handling installed for the whole process (the CLI calls this before a
 * verb runs): an interrupted verb then always says so on one line and exits 130/143, whether or
 * not an output is pending at that moment.
 */
export function handleInterrupts(): void {
  always = true;
  syncSignalHandlers();
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

function handleSignal(signal: NodeJS.Signals): void {
  if (!interruptedOnce) {
    interruptedOnce = true;
    let claimed = false;
    let announced = false;
    for (const h of [...hooks]) {
      try {
        const r = h(signal);
        if (r === true) claimed = true;
        else if (r === 'announced') announced = true;
      } catch {
        // a failing hook must not keep the process alive
      }
    }
    if (claimed) {
      process.stderr.write(`netsentinel: ${signal} received: stopping after the current step (send it again to stop at once)\n`);
      return;
    }
    if (announced) return;
  }
  const removed = removePendingTemporaries();
  process.stderr.write(`netsentinel: interrupted by ${signal}${removed ? `; ${removed} unfinished output${removed === 1 ? '' : 's'} removed` : ''}\n`);
  process.exit(SIGNAL_EXIT[signal] ?? 1);
}

/** Handlers are installed only while something needs them, so other processes keep Node's defaults. */
function syncSignalHandlers(): void {
  const want = always || pending.size > 0 || hooks.size > 0;
  if (want && !signalHandlersInstalled) {
    process.on('SIGINT', handleSignal);
    process.on('SIGTERM', handleSignal);
    signalHandlersInstalled = true;
  } else if (!want && signalHandlersInstalled) {
    process.off('SIGINT', handleSignal);
    process.off('SIGTERM', handleSignal);
    signalHandlersInstalled = false;
    interruptedOnce = false;
  }
  if (want && !exitHandlerInstalled) {
    // process.exit() anywhere (an error path, a test runner) must not leave temporaries behind
    process.on('exit', () => void removePendingTemporaries());
    exitHandlerInstalled = true;
  }
}

function register(tmp: string): void {
  pending.add(tmp);
  syncSignalHandlers();
}

function unregister(tmp: string): void {
  pending.delete(tmp);
  syncSignalHandlers();
}

// ---------------------------------------------------------------------------------------------
// what may be an output

/** Where an output will really go: its symbolic links followed, and what is there now. */
export interface OutputTarget {
  /** the path as the user gave it */
  readonly path: string;
  /** the absolute path of the file that will be replaced or created (links followed) */
  readonly target: string;
  /** the current file there, undefined when it does not exist yet */
  readonly existing?: Stats;
}

/**
 * Check that `path` may be an output and find the file it names (symbolic links written through).
 * Throws a one-line UserError for a folder, device, FIFO, socket or pipe, for a link loop, and for
 * a path that cannot be looked at (ENOTDIR, EACCES). Does not create anything.
 */
export function resolveOutputTarget(path: string, who: string): OutputTarget {
  const refuse = (what: string): UserError =>
    new UserError(`${who}: cannot write ${path}: it is ${what}, not a regular file (outputs are written whole to a new file and renamed into place${path.startsWith('/dev/') || what.includes('pipe') ? "; use '-' and a shell redirection for a pipe or device" : ''})`);
  let st: Stats | undefined;
  try {
    st = statSync(path); // follows links
  } catch (e) {
    if (!isErrnoException(e) || e.code !== 'ENOENT') throw pathError(who, 'write', path, e);
  }
  if (st) {
    const kind = describeFileKind(st);
    if (kind) throw refuse(kind);
    const target = realpathSync(path);
    refuseVirtualFileSystem(path, target, who);
    return { path, target, existing: st };
  }
  // nothing there: a new name, or a dangling link whose target is to be created
  let cur = resolve(path);
  for (let hops = 0; ; hops++) {
    let l: Stats;
    try {
      l = lstatSync(cur);
    } catch (e) {
      if (isErrnoException(e) && e.code === 'ENOENT') {
        refuseVirtualFileSystem(path, cur, who);
        return { path, target: cur };
      }
      throw pathError(who, 'write', path, e);
    }
    if (!l.isSymbolicLink()) {
      const kind = describeFileKind(l);
      if (kind) throw refuse(kind);
      return { path, target: cur, existing: l };
    }
    if (hops >= 40) throw new UserError(`${who}: cannot write ${path}: ELOOP: too many levels of symbolic links`);
    cur = resolve(dirname(cur), readlinkSync(cur));
  }
}

/** Kernel file systems that take no new files (statfs f_type): proc, sysfs, cgroup, debugfs, ... */
const VIRTUAL_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
  [0xcafe4a11, 'bpf'],
]);

/**
 * Refuse a new output on a kernel file system before touching it: creating files there fails with
 * a misleading ENOENT, and Node's recursive mkdir under /proc loops forever (it retries the parent,
 * which exists, then the child, which the kernel refuses with ENOENT again).
 */
function refuseVirtualFileSystem(path: string, target: string, who: string): void {
  let dir = dirname(target);
  for (;;) {
    let st: Stats | undefined;
    try {
      st = statSync(dir);
    } catch {
      // missing: look further up
    }
    if (st) {
      let type: number | undefined;
      try {
        type = statfsSync(dir).type;
      } catch {
        return;
      }
      const name = VIRTUAL_FS.get(type);
      if (name) throw new UserError(`${who}: cannot write ${path}: ${dir} is on the ${name} virtual file system, which takes no new files`);
      return;
    }
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

/**
 * mkdir -p, one level at a time (Node's recursive mkdir never returns on some kernel file systems),
 * with a one-line error naming the folder that could not be made.
 */
export async function makeFolders(dir: string, who: string): Promise<void> {
  const missing: string[] = [];
  let cur = resolve(dir);
  for (;;) {
    try {
      const st = statSync(cur);
      if (!st.isDirectory()) throw new UserError(`${who}: cannot create folder ${dir}: ${cur} is ${describeFileKind(st) ?? 'a file'}, not a folder`);
      break;
    } catch (e) {
      if (e instanceof UserError) throw e;
      if (!isErrnoException(e) || e.code !== 'ENOENT') throw pathError(who, 'create folder', dir, e);
    }
    missing.unshift(cur);
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  if (missing.length) refuseVirtualFileSystem(dir, join(missing[0], 'x'), who);
  for (const m of missing) {
    try {
      await mkdir(m);
    } catch (e) {
      if (isErrnoException(e) && e.code === 'EEXIST') continue;
      throw pathError(who, 'create folder', m, e);
    }
  }
}

function temporaryBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

export interface AtomicOptions {
  /** create the target's folder (and its parents) when missing */
  readonly makeDirs?: boolean;
}

/** Create the temporary for `t`, registered for cleanup; the file keeps the old file's permissions. */
async function createTemporary(t: OutputTarget, who: string, opts: AtomicOptions): Promise<{ tmp: string; handle: FileHandle }> {
  if (opts.makeDirs) await makeFolders(dirname(t.target), who);
  const tmp = temporaryBeside(t.target);
  register(tmp);
  let handle: FileHandle;
  try {
    handle = await open(tmp, 'wx', 0o666);
  } catch (e) {
    unregister(tmp);
    throw pathError(who, 'write', t.path, e);
  }
  if (t.existing) await chmod(tmp, t.existing.mode & 0o7777).catch(() => undefined);
  return { tmp, handle };
}

async function discard(tmp: string): Promise<void> {
  await unlink(tmp).catch(() => undefined);
  unregister(tmp);
}

/** Flush, close and rename into place; on any failure the temporary is removed and a UserError thrown. */
async function commitTemporary(t: OutputTarget, tmp: string, handle: FileHandle, who: string): Promise<void> {
  try {
    await handle.sync();
    await handle.close();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await discard(tmp);
    throw pathError(who, 'write', t.path, e);
  }
  try {
    await rename(tmp, t.target);
  } catch (e) {
    await discard(tmp);
    throw pathError(who, 'write', t.path, e);
  }
  unregister(tmp);
}

// ---------------------------------------------------------------------------------------------
// whole files

/**
 * Write `data` to `path` atomically: the old file (if any) stays until the new one is complete on
 * disk. `who` starts the error message (the verb's name).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, who: string, opts: AtomicOptions = {}): Promise<void> {
  const t = resolveOutputTarget(path, who);
  const { tmp, handle } = await createTemporary(t, who, opts);
  try {
    await handle.writeFile(data);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await discard(tmp);
    throw pathError(who, 'write', path, e);
  }
  await commitTemporary(t, tmp, handle, who);
}

// ---------------------------------------------------------------------------------------------
// streams

export interface OutputStream {
  /** write text or bytes, waiting for the stream to drain when its buffer is full */
  write(chunk: string | Uint8Array): Promise<void>;
  /** finish: the output appears under its name, whole (standard output is left open) */
  close(): Promise<void>;
  /** give up: the temporary is removed and the target left as it was (safe to call twice, or after close) */
  abort(): Promise<void>;
}

/**
 * Standard output for '-', else an atomic file output at `path`, already open (a bad path fails
 * here, before any work starts). Writes wait for 'drain' (memory stays bounded) and the stream has
 * one error listener for its whole life (one per write would pile up into Node's listener-leak
 * warning); a failed write becomes one UserError naming the path.
 */
export async function openOutput(path: string, who: string, opts: AtomicOptions = {}): Promise<OutputStream> {
  if (path === '-') return stdoutOutput(who);
  const t = resolveOutputTarget(path, who);
  const { tmp, handle } = await createTemporary(t, who, opts);
  const sink: WriteStream = createWriteStream('', { fd: handle.fd, autoClose: false });
  let failed: Error | undefined;
  let state: 'open' | 'closed' | 'aborted' = 'open';
  sink.on('error', (e: Error) => (failed ??= e));
  const abort = async (): Promise<void> => {
    if (state !== 'open') return;
    state = 'aborted';
    sink.destroy();
    await handle.close().catch(() => undefined);
    await discard(tmp);
  };
  const check = async (): Promise<void> => {
    if (failed) {
      const e = failed;
      await abort();
      throw pathError(who, 'write', path, e);
    }
  };
  return {
    async write(chunk) {
      if (state !== 'open') throw new Error(`${who}: write to ${path} after it was ${state}`);
      await check();
      if (!sink.write(chunk)) await settle(sink, 'drain');
      await check();
    },
    async close() {
      if (state !== 'open') {
        if (state === 'aborted') throw new Error(`${who}: close of ${path} after abort`);
        return;
      }
      await check();
      await new Promise<void>((res) => {
        sink.once('error', () => res());
        sink.end(() => res());
      });
      await check();
      state = 'closed';
      await commitTemporary(t, tmp, handle, who);
    },
    abort,
  };
}

/** Wait for `event` or an error, whichever comes first (the error itself is kept by the one listener). */
function settle(sink: NodeJS.WritableStream, event: 'drain' | 'open'): Promise<void> {
  return new Promise((res) => {
    const done = (): void => {
      sink.off(event, done);
      sink.off('error', done);
      sink.off('close', done);
      res();
    };
    sink.on(event, done);
    sink.on('error', done);
    sink.on('close', done);
  });
}

function stdoutOutput(who: string): OutputStream {
  const sink = process.stdout;
  let failed: Error | undefined;
  const onError = (e: Error): void => void (failed ??= e);
  sink.on('error', onError);
  const check = (): void => {
    if (failed) throw new UserError(`${who}: cannot write to standard output: ${errnoCause(failed)}`);
  };
  return {
    async write(chunk) {
      check();
      if (!sink.write(chunk)) await settle(sink, 'drain');
      check();
    },
    async close() {
      sink.off('error', onError);
      check();
    },
    async abort() {
      sink.off('error', onError);
    },
  };
}
