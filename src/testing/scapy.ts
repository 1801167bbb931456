/**
 * For tests whose captures scapy writes (Debian python3-scapy, installed by .ci/run): the Python
 * to run it with, why a test skips without it (never under CI=true), the CLI's path and a scratch
 * folder removed after the file. Never used by the product.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

export const PYTHON = '/usr/bin/python3';

export interface ScapyTest {
  readonly skip: string | false;
  /** dist/cli/main.js */
  readonly main: string;
  readonly dir: string;
  /** runs `script` (Python) with scapy, its one argument the capture to write; throws with its stderr when it fails */
  write(script: string, capture: string): void;
}

export function scapyTest(prefix: string): ScapyTest {
  const hasScapy = spawnSync(PYTHON, ['-c', 'import scapy.all'], { stdio: 'ignore', timeout: 60000 }).status === 0;
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    skip: hasScapy || process.env.CI === 'true' ? false : 'needs scapy (Debian python3-scapy; installed by .ci/run)',
    main: fileURLToPath(new URL('../cli/main.js', import.meta.url)),
    dir,
    write(script, capture) {
      const file = join(dir, 'make.py');
      writeFileSync(file, script);
      const made = spawnSync(PYTHON, [file, capture], { encoding: 'utf8', timeout: 120000 });
      if (made.status !== 0) throw new Error(`scapy could not write ${capture}: ${made.stderr}`);
    },
  };
}
