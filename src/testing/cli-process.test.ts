/**
 * runCli runs the command in the folder and environment its caller gives: a test that prepares a
 * folder gets its relative paths read from there, not from wherever `node --test` was started.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './cli-process.js';

test('runCli: relative paths are read from the cwd it is given, and the environment is the one it is given', async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ns-cli-process-')));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ns.yaml'), 'store: alerts.db\n');
  const env = { ...process.env };
  for (const k of ['NETSENTINEL_STORE', 'NETSENTINEL_CONFIG', 'NETSENTINEL_ENV_FILE']) delete env[k];
  const storeOf = (stdout: string): unknown => (JSON.parse(stdout).analysis as { key: string; value: unknown }[]).find((s) => s.key === 'store')?.value;

  const r = await runCli(['config', 'show', '--config', 'ns.yaml', '--json'], { cwd: dir, env }).done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(storeOf(r.stdout), join(dir, 'alerts.db'));

  const e = await runCli(['config', 'show', '--config', 'ns.yaml', '--json'], { cwd: dir, env: { ...env, NETSENTINEL_STORE: 'from-env.db' } }).done;
  assert.equal(e.code, 0, e.stderr);
  assert.equal(storeOf(e.stdout), 'from-env.db');
});
