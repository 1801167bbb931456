/**
 * The zstd program run as a filter (stdin → stdout), by the decompression of zstd inputs
 * (sources/compression.ts) and the compression of outputs (compressed-output.ts): Node 20 has no
 * zstd of its own.
 *
 * In a process group of its own: a signal to ours (Ctrl-C, `timeout`, a service manager's SIGTERM to
 * the group) is the verb's to handle; it killed the program first, so `capture --compress zstd` lost
 * its last file ("zstd failed (SIGTERM)") and an interrupted analyze of a .zst said a zstd error. It
 * ends when its input ends (or its output closes), so it never outlives us.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface ZstdProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** its exit status (null when a signal ended it, then `signal`); rejects when it could not start */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** its last stderr line, without zstd's "zstd: " and "/*stdin*\ :" prefixes */
  lastError(): string;
}

export function runZstd(program: string, args: readonly string[]): ZstdProcess {
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 8192) stderr += s;
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  closed.catch(() => {});
  return {
    child,
    closed,
    lastError: () =>
      (stderr.trim().split('\n').pop() ?? '')
        .replace(/^zstd: /, '')
        .replace(/^\/\*stdin\*\\?\s*:\s*/, '')
        .trim(),
  };
}
