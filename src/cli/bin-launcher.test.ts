/**
 * bin/netsentinel, the command npm links as `netsentinel`: Node on the bundle's main.js
 * (dist/bundle/main.js, else tsc's dist/cli/main.js), with --single-threaded exactly when the
 * process may use one CPU (why: the script's comment).
 *
 * The choice is checked with a stand-in `node` first on PATH that writes down the arguments it was
 * given (the script runs whichever `node` the PATH names, as a `#!/usr/bin/env node` script does),
 * confined to one CPU with taskset and not; then the real Node through the script, on one CPU:
 * it accepts the flag, runs a verb, and its exit status and output are the command's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProgram } from '../util/find-program.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'bin', 'netsentinel');
const taskset = findProgram('taskset', process.env.PATH, ['/usr/bin', '/bin']);
const noTaskset = taskset ? false : 'taskset (Debian util-linux) is not installed: nothing to confine the process to one CPU';

/** bin/netsentinel run through a link in a folder of its own (as npm links it), with a `node` that records its arguments */
function recorded(args: string[], oneCpu: boolean, extraEnv: Record<string, string> = {}): { argv: string[]; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'ns-bin-'));
  try {
    const fake = join(dir, 'fake-bin');
    mkdirSync(fake);
    const log = join(dir, 'argv');
    // one argument per line (NUL would be safer, but no argument here holds a newline)
    writeFileSync(join(fake, 'node'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${log}'\nexit 7\n`);
    chmodSync(join(fake, 'node'), 0o755);
    const link = join(dir, 'linked', 'netsentinel');
    mkdirSync(join(dir, 'linked'));
    symlinkSync(bin, link);
    const env = { ...process.env, ...extraEnv, PATH: `${fake}:${process.env.PATH ?? ''}` };
    const r = oneCpu ? spawnSync(taskset!, ['-c', '0', link, ...args], { env }) : spawnSync(link, args, { env });
    const argv = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(0, -1) : [];
    return { argv, status: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** what the script runs: the bundle when the build made one (npm run build does), else tsc's main.js */
const mainJs = existsSync(join(root, 'dist', 'bundle', 'main.js')) ? join(root, 'dist', 'bundle', 'main.js') : join(root, 'dist', 'cli', 'main.js');

const args = ['analyze', 'a file with spaces.pcap', '--filter', 'tcp and not port 22', '-o', "it's", ''];

test('bin/netsentinel on one CPU gives Node --single-threaded, then main.js through the link, then every argument as typed', { skip: noTaskset }, () => {
  const { argv, status } = recorded(args, true);
  assert.equal(status, 7, 'the exit status is Node’s own (exec, no shell left waiting)');
  assert.equal(argv[0], '--single-threaded');
  assert.equal(argv[1], mainJs);
  assert.ok(existsSync(argv[1]));
  assert.deepEqual(argv.slice(2), args);
});

test('bin/netsentinel with more than one CPU runs main.js without the flag', { skip: noTaskset || (availableParallelism() < 2 && 'this machine has one CPU') }, () => {
  const { argv } = recorded(args, false);
  assert.equal(argv[0], mainJs);
  assert.deepEqual(argv.slice(1), args);
});

test('bin/netsentinel counts CPUs, not OpenMP settings: OMP_NUM_THREADS=1 (which nproc reports when set) leaves V8 as it is', { skip: noTaskset || (availableParallelism() < 2 && 'this machine has one CPU') }, () => {
  assert.equal(recorded(args, false, { OMP_NUM_THREADS: '1' }).argv[0], mainJs);
  assert.equal(recorded(args, false, { OMP_THREAD_LIMIT: '1' }).argv[0], mainJs);
  assert.equal(recorded(args, true, { OMP_NUM_THREADS: '4' }).argv[0], '--single-threaded');
});

test('bin/netsentinel with the real Node on one CPU: the flag is accepted, a verb runs, its output and exit status pass through', { skip: noTaskset }, () => {
  const version = spawnSync(taskset!, ['-c', '0', bin, '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^netsentinel \d+\.\d+\.\d+/);
  // a verb that loads the models and the readers (V8's settings are made when a verb runs)
  const dir = mkdtempSync(join(tmpdir(), 'ns-bin-real-'));
  try {
    const profile = spawnSync(taskset!, ['-c', '0', bin, 'profile', join(root, 'samples', 'loopback', 'normal.csv'), '--json'], { encoding: 'utf8', cwd: dir });
    assert.equal(profile.status, 0, profile.stderr);
    assert.ok(JSON.parse(profile.stdout).rows > 0);
    const mistake = spawnSync(taskset!, ['-c', '0', bin, 'analyze', join(dir, 'no-such-file.csv')], { encoding: 'utf8', cwd: dir });
    assert.equal(mistake.status, 2, 'a user mistake exits 2 through the script as without it');
    assert.match(mistake.stderr, /no-such-file\.csv/);
    assert.doesNotMatch(mistake.stderr, /\n\s+at /, 'one line, no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
