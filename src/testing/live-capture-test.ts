/**
 * What every live-capture test file sets up the same way: a scratch folder (world-readable, as
 * tcpdump drops its privileges to write there), removed after the file; the CLI's path; a baseline
 * fitted before the tests on CIC-IDS2017 benign flows; and the skip reason. Live tests need root
 * and Debian programs; under CI=true they must run, so they never skip there. Never used by the product.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { hasProgram } from './programs.js';
import { sharedPath } from './shared-data.js';
import type { Background } from './live-namespaces.js';

export interface LiveCaptureTest {
  /** dist/cli/main.js */
  readonly main: string;
  /** the file's scratch folder */
  readonly dir: string;
  /** fitted before the file's tests (when it can run) */
  readonly baselineFile: string;
  /** why the test cannot run here: not root, `programs` missing (from the Debian `packages`), no shared data; false under CI=true */
  skip(programs: readonly string[], packages: string): string | false;
}

/** The setup of a live-capture test file, its folder named `prefix` + random. */
export function liveCaptureTest(prefix: string): LiveCaptureTest {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const benign = sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv');
  const baselineFile = join(dir, 'office.nsb');
  before(() => {
    if (!benign) return;
    const r = spawnSync(process.execPath, [main, 'baseline', benign, '-o', baselineFile, '-q', '--threads', '1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
  return {
    main,
    dir,
    baselineFile,
    skip(programs, packages) {
      if (process.env.CI === 'true') return false;
      if (process.getuid?.() !== 0) return 'needs root (network namespaces and packet capture); CI runs it as root';
      const missing = programs.filter((p) => !hasProgram(p));
      if (missing.length) return `needs ${missing.join(', ')} (Debian packages ${packages})`;
      if (!benign) return 'needs ../shared/datasets/cicids2017-sample';
      return false;
    },
  };
}

/**
 * Stop a running `capture --json` as a user does (Ctrl-C): it exits 0 without a stack trace; its
 * stdout's records, the last of them its capture_summary.
 */
export async function stopJsonCapture(cap: Background): Promise<{ lines: Record<string, any>[]; summary: Record<string, any> }> {
  cap.child.kill('SIGINT');
  const code = await cap.exited;
  assert.equal(code, 0, cap.err);
  assert.doesNotMatch(cap.err, /\n\s+at /, 'no stack trace');
  const lines = cap.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  const summary = lines[lines.length - 1];
  assert.equal(summary.event_type, 'capture_summary');
  return { lines, summary };
}
