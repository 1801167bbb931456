/** The server section: defaults, the file's values, the environment over the file, errors naming file and key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVER_CONFIG, isLoopback, serverConfigFrom } from './server-config.js';
import { SETTING_KEYS } from '../config/setting-keys.js';
import { loadSettings } from '../config/settings.js';

test('defaults, file values, environment over the file', () => {
  assert.deepEqual(serverConfigFrom(undefined, {}), { ...DEFAULT_SERVER_CONFIG, classify: { ...DEFAULT_SERVER_CONFIG.classify, model: undefined } });
  const c = serverConfigFrom({ port: 9000, classify: { minConfidence: 0.7 }, cors: { origins: ['https://soc.example.com'] } }, { NETSENTINEL_SERVER_PORT: '9001' }, 'ns.yaml');
  assert.equal(c.port, 9001);
  assert.equal(c.classify.minConfidence, 0.7);
  assert.deepEqual(c.cors.origins, ['https://soc.example.com']);
  const view = { get: (k: string) => ({ 'limits.bodyBytes': '2048', host: '0.0.0.0' })[k] };
  const v = serverConfigFrom(view, {}, 'settings');
  assert.equal(v.limits.bodyBytes, 2048);
  assert.equal(v.host, '0.0.0.0');
});

test('bad values name the file, the key and the variable', () => {
  assert.throws(() => serverConfigFrom({ port: 70000 }, {}, 'ns.yaml'), /^UserError: ns\.yaml: server\.port \(or NETSENTINEL_SERVER_PORT\) must be an integer from 0 to 65535, got 70000$/);
  assert.throws(() => serverConfigFrom({ classify: { unknownCategory: 'guess' } }, {}, 'ns.yaml'), /server\.classify\.unknownCategory must be reject or ignore/);
  assert.throws(() => serverConfigFrom({ cors: { origins: ['soc.example.com/x'] } }, {}, 'ns.yaml'), /server\.cors\.origins must be a list of origins/);
  assert.throws(() => serverConfigFrom({ colour: 'blue' }, {}, 'ns.yaml'), /unknown key server\.colour/);
  assert.throws(() => serverConfigFrom({}, { NETSENTINEL_SERVER_REQUIRE_KEYS: 'maybe' }, 'ns.yaml'), /requireKeys \(or NETSENTINEL_SERVER_REQUIRE_KEYS\) must be true or false/);
  assert.throws(() => serverConfigFrom({ host: '999.1.1.1' }, {}, 'ns.yaml'), /^UserError: ns\.yaml: server\.host \(or NETSENTINEL_SERVER_HOST\) must be an IP address or a host name, got "999\.1\.1\.1"$/);
  assert.throws(() => serverConfigFrom({ host: ' ' }, {}, 'ns.yaml'), /server\.host .* got " "/);
  for (const h of ['0.0.0.0', '::', '10.1.2.3', 'monitor.example.com', 'localhost']) assert.equal(serverConfigFrom({ host: h }, {}, 'ns.yaml').host, h);
});

test('loopback hosts', () => {
  for (const h of ['127.0.0.1', '127.3.4.5', 'localhost', '::1']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com']) assert.equal(isLoopback(h), false, h);
});

test('every server.* key is registered with the settings loader, its default the service default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-server-keys-'));
  const leaves = (o: Record<string, unknown>, prefix = 'server.'): string[] =>
    Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? leaves(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
  const registered = SETTING_KEYS.filter((k) => k.key.startsWith('server.')).map((k) => k.key).sort();
  assert.deepEqual(registered, [...leaves(DEFAULT_SERVER_CONFIG as unknown as Record<string, unknown>), 'server.classify.model'].sort());
  // the loader's defaults give exactly the service's defaults
  assert.deepEqual(serverConfigFrom(loadSettings({ env: {}, cwd: dir }).section('server'), {}), { ...DEFAULT_SERVER_CONFIG, classify: { ...DEFAULT_SERVER_CONFIG.classify, model: undefined } });
});

test('config show lists the server settings with where each came from', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-server-show-'));
  writeFileSync(join(dir, 'ns.yaml'), 'server:\n  limits:\n    bodyBytes: 4096\n  cors:\n    origins: [https://soc.example.com]\n');
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, NETSENTINEL_SERVER_PORT: '9123' };
  delete env.NETSENTINEL_CONFIG;
  const r = spawnSync(process.execPath, [main, 'config', 'show', '--config', join(dir, 'ns.yaml'), '--json'], { encoding: 'utf8', cwd: dir, env });
  assert.equal(r.status, 0, r.stderr);
  const by = Object.fromEntries(JSON.parse(r.stdout).settings.map((s: { key: string }) => [s.key, s]));
  assert.deepEqual([by['server.port'].value, by['server.port'].source, by['server.port'].origin], ['9123', 'environment', 'NETSENTINEL_SERVER_PORT']);
  assert.deepEqual([by['server.limits.bodyBytes'].value, by['server.limits.bodyBytes'].source], [4096, 'file']);
  assert.deepEqual(by['server.cors.origins'].value, ['https://soc.example.com']);
  assert.deepEqual([by['server.classify.minConfidence'].value, by['server.classify.minConfidence'].source], [0.5, 'default']);
  assert.equal(by['server.requireKeys'].source, 'default');
});
