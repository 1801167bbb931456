/**
 * A long-running netsentinel verb (`serve`) started for a test as a user starts it: Node on a
 * main.js (tsc's or the bundle's), its output gathered as it comes, waiting until the output says
 * it is ready, its exit status, and a kill for the test's `finally` so no process outlives a failure.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface StartedProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far */
  out(): string;
  err(): string;
  /** the exit code (null after a signal) */
  readonly exited: Promise<number | null>;
  /** until stdout matches `ready`, for up to 30 s (the caller asserts what it needs then) */
  until(ready: RegExp): Promise<void>;
  /** SIGKILL when still running */
  kill(): void;
}

export function startProcess(main: string, args: readonly string[], options: SpawnOptions = {}): StartedProcess {
  const child = spawn(process.execPath, [main, ...args], options);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    async until(ready: RegExp) {
      for (let i = 0; i < 300 && !ready.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
