/** The server section: defaults, the file's values, the environment over the file, errors naming file and key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SERVER_CONFIG, isLoopback, serverConfigFrom } from './server-config.js';

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
});

test('loopback hosts', () => {
  for (const h of ['127.0.0.1', '127.3.4.5', 'localhost', '::1']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com']) assert.equal(isLoopback(h), false, h);
});
