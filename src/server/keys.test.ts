/**
 * API keys: stored hashed (never the key text), scoped read or write, rate-limited with 429 and
 * Retry-After, revoked keys refused; required when the service binds beyond loopback (or when
 * asked), and a service that would need keys and has none refuses to start. The key table runs on
 * SQLite always and on PostgreSQL when it answers (CI=true makes its absence a failure).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService } from './service.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';
import { openKeyStore, hashKey } from '../store/key-store.js';
import { seedGbdtFile, SEED_004_CURL_BODY } from '../testing/service-model.js';
import { skipWithoutShared } from '../testing/shared-data.js';
import { RateLimiter } from './rate-limit.js';
import { dropPgSchemas, pgReachable } from '../testing/local-services.js';

const skip = skipWithoutShared('datasets', 'nsl-kdd', 'KDDTrain+_20Percent.txt');
const dir = mkdtempSync(join(tmpdir(), 'ns-keys-'));
const db = join(dir, 'ns.db');
let svc: RunningService;
let readKey = '';
let writeKey = '';
let slowKey = '';

before(async () => {
  if (skip) return;
  const ks = await openKeyStore(db);
  readKey = (await ks.add('reader', 'read', 1000)).key;
  writeKey = (await ks.add('sensor', 'write', 1000)).key;
  slowKey = (await ks.add('slow', 'read', 1)).key;
  await ks.close();
  const model = (await seedGbdtFile(dir))!;
  svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, requireKeys: true, accessLog: join(dir, 'access.log'), watchModels: false }, modelFiles: [model], store: db });
});
after(async () => {
  await svc?.close();
});

const classify = (key?: string, header = 'authorization') =>
  fetch(svc.url + '/classify', { method: 'POST', body: SEED_004_CURL_BODY, headers: { 'Content-Type': 'application/json', ...(key ? { [header]: header === 'authorization' ? `Bearer ${key}` : key } : {}) } });

test('keys are stored as SHA-256 only, shown once, listed by id', async () => {
  const ks = await openKeyStore(join(dir, 'k.db'));
  try {
    const { record, key } = await ks.add('x', 'write', 5);
    assert.match(key, /^nsk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    assert.equal(record.hash, hashKey(key));
    const file = readFileSync(join(dir, 'k.db'));
    assert.equal(file.includes(Buffer.from(key.slice(13))), false, 'the secret part is not in the database');
    assert.deepEqual((await ks.list()).map((k) => [k.id, k.scope, k.ratePerSecond]), [[record.id, 'write', 5]]);
    assert.equal(await ks.revoke(record.id), true);
    assert.equal(await ks.revoke(record.id), false);
    assert.ok((await ks.list())[0].revokedAt);
  } finally {
    await ks.close();
  }
});

test('required keys: 401 without or with a wrong key, read scope classifies, write scope needed to post alerts', { skip }, async () => {
  const none = await classify();
  assert.equal(none.status, 401);
  assert.match(((await none.json()) as { error: string }).error, /requires an API key/);
  assert.equal((await classify('nsk_00000000_' + 'A'.repeat(43))).status, 401);
  assert.equal((await classify(readKey)).status, 200);
  assert.equal((await classify(readKey, 'x-api-key')).status, 200);
  const alert = JSON.stringify({ alerts: [{ timestamp: '2026-12-03T08:00:00Z', signature: 's', severity: 1, risk: 0.99 }] });
  const asReader = await fetch(svc.url + '/v1/alerts', { method: 'POST', body: alert, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${readKey}` } });
  assert.equal(asReader.status, 403);
  const asWriter = await fetch(svc.url + '/v1/alerts', { method: 'POST', body: alert, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${writeKey}` } });
  assert.equal(asWriter.status, 200);
  // public routes need no key
  assert.equal((await fetch(svc.url + '/healthz')).status, 200);
  assert.equal((await fetch(svc.url + '/dashboard/')).status, 200);
  // the access log names the key id, never the key
  await new Promise((r) => svc.ctx.log.flush(() => r(undefined)));
  const log = readFileSync(join(dir, 'access.log'), 'utf8');
  assert.match(log, new RegExp(`"key":"${readKey.slice(4, 12)}"`));
  assert.equal(log.includes(readKey), false);
  assert.equal(log.includes(writeKey.slice(13)), false);
});

test('per-key rate limit: 429 with Retry-After, other keys unaffected', { skip }, async () => {
  const codes: number[] = [];
  let retry: string | null = null;
  for (let i = 0; i < 4; i++) {
    const r = await classify(slowKey);
    codes.push(r.status);
    if (r.status === 429) retry = r.headers.get('retry-after');
  }
  assert.deepEqual(codes.slice(0, 2), [200, 200]);
  assert.equal(codes[3], 429);
  assert.equal(retry, '1');
  assert.equal((await classify(readKey)).status, 200);
});

test('a revoked key is refused once the service refreshes its keys', { skip }, async () => {
  const ks = await openKeyStore(db);
  const { record, key } = await ks.add('temp', 'read', 100);
  await ks.revoke(record.id);
  await ks.close();
  // the service refreshes every 5 s; wait for one refresh
  await new Promise((r) => setTimeout(r, 5500));
  assert.equal((await classify(key)).status, 401);
});

test('binding beyond loopback without any key refuses to start, saying how to make one', { skip }, async () => {
  await assert.rejects(
    startService({ config: { ...DEFAULT_SERVER_CONFIG, host: '0.0.0.0', port: 0, accessLog: 'off', watchModels: false }, modelFiles: [], store: join(dir, 'empty.db') }),
    /binding to 0\.0\.0\.0 \(beyond loopback\) requires API keys.*netsentinel keys add/,
  );
  // refused before the store is made: no empty database left behind
  assert.equal(existsSync(join(dir, 'empty.db')), false);
});

test('the token bucket refills at the key rate', () => {
  const l = new RateLimiter();
  assert.equal(l.take('k', 2, 0).ok, true);
  assert.equal(l.take('k', 2, 0).ok, true);
  assert.equal(l.take('k', 2, 0).ok, true);
  assert.equal(l.take('k', 2, 0).ok, true);
  const no = l.take('k', 2, 0);
  assert.equal(no.ok, false);
  assert.equal(no.retryAfterSeconds, 1);
  assert.equal(l.take('k', 2, 600).ok, true);
});

const pgSkip = !(await pgReachable()) && process.env.CI !== 'true' ? 'PostgreSQL is not running on 127.0.0.1:5432' : false;

test('the key table on PostgreSQL', { skip: pgSkip }, async () => {
  const schema = `ns_keys_${process.pid}`;
  const ks = await openKeyStore(`postgres://postgres@127.0.0.1:5432/test?schema=${schema}`);
  try {
    const { record, key } = await ks.add('pg', 'read', 10);
    const list = await ks.list();
    assert.equal(list.length, 1);
    assert.equal(list[0].hash, hashKey(key));
    assert.equal(await ks.revoke(record.id), true);
    assert.ok((await ks.list())[0].revokedAt);
  } finally {
    await ks.close();
    await dropPgSchemas(schema);
  }
});
