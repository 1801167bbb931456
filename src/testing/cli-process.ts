/**
 * A `netsentinel` command started as its own process by a test, its output gathered as it comes:
 * what the stream and worker tests each wrote for themselves. Never used by the product.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface CliRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** resolves when the process has exited and its output is closed */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export interface CliOptions {
  /** the folder the command runs in, so its relative paths (DATA, -o, --store, .env) are read from there; default: this process's */
  readonly cwd?: string;
  /** its environment; default: this process's */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Before, a caller could not say where the command runs: its relative paths (and its default store)
 * were taken from the test process's folder, usually the repository, whatever folder the test
 * meant them for.
 */
export function runCli(args: readonly string[], opts: CliOptions = {}): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, env: opts.env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))),
  };
}
