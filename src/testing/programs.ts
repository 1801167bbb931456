/**
 * Tests that drive a Debian program (tshark, editcap, tcpdump) skip, saying why, when it is not
 * installed, except under CI=true, where the program must be there and its absence fails the test.
 */
import { spawnSync } from 'node:child_process';

const known = new Map<string, boolean>();

export function hasProgram(name: string): boolean {
  let ok = known.get(name);
  if (ok === undefined) {
    const r = spawnSync(name, ['--version'], { stdio: 'ignore', timeout: 20000 });
    ok = r.error === undefined;
    known.set(name, ok);
  }
  return ok;
}

/** node:test `skip` value: false when the program is there (or CI=true), else the reason. */
export function skipWithoutProgram(...names: string[]): string | false {
  const missing = names.filter((n) => !hasProgram(n));
  if (missing.length === 0 || process.env.CI === 'true') return false;
  return `needs ${missing.join(', ')} (Debian packages tshark/tcpdump; installed by .ci/run)`;
}

/** Run a program, throwing with its stderr when it fails. */
export function run(name: string, args: readonly string[], input?: Uint8Array): Buffer {
  const r = spawnSync(name, args, { input, maxBuffer: 256 << 20, timeout: 120000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${name} ${args.join(' ')} failed (${r.status}): ${r.stderr.toString().slice(0, 500)}`);
  return r.stdout;
}
