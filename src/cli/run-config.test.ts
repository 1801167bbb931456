/**
 * The config file and store of a run are found as `config show` finds them (src/cli/run-config.ts):
 * NETSENTINEL_CONFIG and NETSENTINEL_STORE from a .env file are used by analyze and stream, not
 * only listed by `config show`; --config and --store win over them, and so does a variable in the
 * environment. Real processes in a folder holding the .env file.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const sample = join(root, 'samples', 'loopback');
const dir = mkdtempSync(join(tmpdir(), 'ns-run-config-'));

function run(args: string[], extraEnv: Record<string, string> = {}, input?: string): { code: number; out: string; err: string } {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('NETSENTINEL_')) delete env[k];
  Object.assign(env, extraEnv);
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, env, input, maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

before(() => {
  const b = run(['baseline', join(sample, 'normal.csv'), '-o', 'loop.nsb', '-q', '--threads', '1']);
  assert.equal(b.code, 0, b.err);
  writeFileSync(join(dir, 'cfg.yaml'), 'thresholds:\n  flow: 0.9876\nstore: cfg.db\n');
  writeFileSync(join(dir, 'other.yaml'), 'thresholds:\n  flow: 0.9555\n');
  writeFileSync(join(dir, '.env'), '# the deployment\nNETSENTINEL_CONFIG=cfg.yaml\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const analyze = (out: string, more: string[] = [], env: Record<string, string> = {}) => {
  const r = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', out, '--no-report', '-q', '--threads', '1', ...more], env);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as { thresholds: { flow: number }; alerts: { store?: string } };
};

const shown = (more: string[] = [], env: Record<string, string> = {}) => {
  const r = run(['config', 'show', '--json', ...more], env);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { configFile: string | null; analysis: { key: string; value: unknown; source: string; origin: string | null }[] };
  const row = (key: string) => j.analysis.find((a) => a.key === key) ?? assert.fail(`no ${key} in config show`);
  return { configFile: j.configFile, flow: row('thresholds.flow'), store: row('store') };
};

test('NETSENTINEL_CONFIG in ./.env: analyze loads that file (threshold and store), as config show says', () => {
  const s = analyze('dotenv-config');
  assert.equal(s.thresholds.flow, 0.9876, 'the threshold of the config file the .env names');
  assert.match(s.alerts.store ?? '', /cfg\.db$/, 'the store of that config file');
  assert.ok(existsSync(join(dir, 'cfg.db')), 'cfg.db made');
  const c = shown();
  assert.equal(c.configFile, join(dir, 'cfg.yaml'), 'the .env file\'s path, from its folder');
  assert.deepEqual([c.flow.value, c.flow.source], [0.9876, 'file']);
  // the config file's relative store is read from the file's folder (config-file-paths.ts)
  assert.deepEqual([c.store.value, c.store.source], [join(dir, 'cfg.db'), 'file']);
});

test('--config wins over the .env file, and so does NETSENTINEL_CONFIG in the environment', () => {
  assert.equal(analyze('flag-config', ['--config', 'other.yaml', '--store', 'none']).thresholds.flow, 0.9555);
  assert.equal(shown(['--config', 'other.yaml']).flow.value, 0.9555);
  const env = { NETSENTINEL_CONFIG: 'other.yaml' };
  assert.equal(analyze('env-config', ['--store', 'none'], env).thresholds.flow, 0.9555);
  assert.equal(shown([], env).flow.value, 0.9555);
});

test('--env-file names another .env file for analyze as for config show', () => {
  mkdirSync(join(dir, 'deploy'), { recursive: true });
  // a relative path in a .env file is read from that file's folder (as docker compose does)
  writeFileSync(join(dir, 'deploy', 'ns.env'), 'NETSENTINEL_CONFIG=../other.yaml\n');
  assert.equal(analyze('env-file', ['--env-file', 'deploy/ns.env', '--store', 'none']).thresholds.flow, 0.9555);
  assert.equal(shown(['--env-file', 'deploy/ns.env']).flow.value, 0.9555);
});

test('NETSENTINEL_STORE in the .env file: over the config file, under the environment and --store; stream uses it too', () => {
  mkdirSync(join(dir, 'st'), { recursive: true });
  writeFileSync(join(dir, 'st', 'ns.env'), 'NETSENTINEL_CONFIG=../cfg.yaml\nNETSENTINEL_STORE=dotenv.db\n');
  const envFile = ['--env-file', 'st/ns.env'];
  assert.match(analyze('dotenv-store', envFile).alerts.store ?? '', /st\/dotenv\.db$/, 'beside the .env file');
  assert.ok(existsSync(join(dir, 'st', 'dotenv.db')) && !existsSync(join(dir, 'dotenv.db')));
  const c = shown(envFile);
  assert.equal(c.store.value, join(dir, 'st', 'dotenv.db'));
  assert.equal(c.store.source, '.env');
  assert.match(c.store.origin ?? '', /ns\.env line 2 \(NETSENTINEL_STORE\)$/);
  const text = run(['config', 'show', ...envFile]);
  assert.match(text.out, /^store +\S*st\/dotenv\.db +\.env: .*ns\.env line 2 \(NETSENTINEL_STORE\)$/m);
  assert.doesNotMatch(text.err, /NETSENTINEL_STORE.*not read by a run/, 'a run reads it now');
  const env = { NETSENTINEL_STORE: 'env.db' };
  assert.match(analyze('env-store', envFile, env).alerts.store ?? '', /env\.db$/);
  assert.deepEqual([shown(envFile, env).store.value, shown(envFile, env).store.source], ['env.db', 'environment']);
  assert.equal(analyze('flag-store', [...envFile, '--store', 'none']).alerts.store, undefined);
  // stream reads the same files: its store is the .env file's
  const flows = readFileSync(join(sample, 'traffic.csv'), 'utf8');
  const s = run(['stream', '--stdin', '-b', 'loop.nsb', ...envFile, '--batch-rows', '500'], {}, flows);
  assert.equal(s.code, 0, s.err);
  assert.match(s.err, /new in sqlite:\S*st\/dotenv\.db /);
  // and models reads the store the workers wrote to
  const m = run(['models', ...envFile]);
  assert.equal(m.code, 0, m.err);
  assert.match(m.out, /dotenv\.db/);
});

test('capture and stream take --env-file, as analyze and config do', () => {
  for (const verb of ['capture', 'stream', 'analyze', 'config']) {
    const r = run([verb, '--help']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /--env-file FILE/, verb);
  }
});
