/**
 * /v1/decisions, /v1/intel and the IP page over real HTTP against a running service: decisions
 * are the same rows `netsentinel decisions` reads and writes (added here, listed there, and the
 * reverse), allowlisted bans refused with 409 as the CLI refuses them, cursor pages that cover
 * every row once, 400s naming the field, read and write scopes; intelligence from the local feeds
 * and a provider (a loopback stand-in speaking IPQualityScore's API: the real one cannot be
 * reached from a test), providers without a key never called, a failing provider a partial
 * answer and never a 5xx, the same verdict as the `intel` verb.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startService, type RunningService } from './service.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';
import { loadSettings } from '../config/settings.js';
import { buildAllowlist } from '../respond/allowlist.js';
import { openKeyStore } from '../store/key-store.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-decisions-intel-'));
const db = join(dir, 'ns.db');
const feed = join(dir, 'drop.txt');
const PUBLIC_LISTED = '185.220.101.1';
let svc: RunningService;
let provider: Server;
let providerUrl: string;
const hits: Record<string, number> = {};

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, base = svc.url): Promise<{ status: number; json: any; text: string }> {
  const r = await fetch(base + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers } });
  const text = await r.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text };
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.NETSENTINEL_STORE;
  delete env.NETSENTINEL_CONFIG;
  return spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, env });
}

before(async () => {
  writeFileSync(feed, `# test drop list\n${PUBLIC_LISTED.replace(/\.1$/, '.0')}/24 ; tor exits\n10.1.2.0/24 ; lab\n`);
  // a stand-in for IPQualityScore on loopback: counts every request per provider path
  provider = createServer((req, res) => {
    const which = (req.url ?? '').split('/')[1];
    hits[which] = (hits[which] ?? 0) + 1;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ success: true, message: 'Success', fraud_score: 88, country_code: 'DE', proxy: true, vpn: false, tor: true, recent_abuse: true, bot_status: false, ISP: 'Example', ASN: 64500, host: 'x', request_id: 'r1' }));
  });
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
  providerUrl = `http://127.0.0.1:${(provider.address() as { port: number }).port}`;
  // a port nobody listens on, for a provider that cannot be reached
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const closed = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const settings = loadSettings({
    env: {},
    cwd: dir,
    flags: {
      'intel.feeds': [feed],
      'intel.timeoutSeconds': 1,
      'intel.ipqs.apiKey': 'test-ipqs-key',
      'intel.ipqs.baseUrl': `${providerUrl}/ipqs`,
      // no key: never asked, even though its URL answers
      'intel.virustotal.baseUrl': `${providerUrl}/vt`,
      'intel.abuseipdb.apiKey': 'test-abuse-key',
      'intel.abuseipdb.baseUrl': `http://127.0.0.1:${closed}/abuse`,
    },
  });
  const allowlist = await buildAllowlist({ entries: ['203.0.113.0/24'], where: 'test: respond.allowlist' });
  svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false }, store: db, settings, allowlist, pollMs: 100 });
});

after(async () => {
  await svc?.close();
  await new Promise((r) => provider?.close(r));
});

test('a decision added over HTTP is in `decisions list`, and one added by the CLI is in GET /v1/decisions', async () => {
  const added = await call('POST', '/v1/decisions', { ip: '198.51.100.23', duration: '2h', reason: 'ssh brute force seen in auth.log' });
  assert.equal(added.status, 201, added.text);
  const d = added.json.added;
  assert.equal(d.value, '198.51.100.23');
  assert.equal(d.type, 'ban');
  assert.equal(d.origin, 'api');
  assert.equal(d.active, true);
  assert.equal(Date.parse(d.expires) - Date.parse(d.created), 2 * 3600 * 1000);
  const list = cli('decisions', 'list', '--store', db, '--json');
  assert.equal(list.status, 0, list.stderr);
  const row = JSON.parse(list.stdout).decisions.find((x: any) => x.id === d.id);
  assert.ok(row, 'the CLI lists the decision added over HTTP');
  assert.equal(row.reason, 'ssh brute force seen in auth.log');

  const byCli = cli('decisions', 'add', '2001:db8:0:0::/64', '--type', 'alert', '--duration', '30m', '--reason', 'by hand', '--store', db, '--json');
  assert.equal(byCli.status, 0, byCli.stderr);
  const cliId = JSON.parse(byCli.stdout).added.id;
  const got = await call('GET', '/v1/decisions?ip=2001:db8::/64');
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(got.json.decisions.map((x: any) => [x.id, x.value, x.type, x.origin]), [[cliId, '2001:db8::/64', 'alert', 'manual']]);

  // deleted over HTTP: gone from the CLI's list
  const del = await call('DELETE', `/v1/decisions/${d.id}`);
  assert.equal(del.status, 200, del.text);
  assert.deepEqual(del.json.deleted.map((x: any) => x.id), [d.id]);
  assert.equal(JSON.parse(cli('decisions', 'list', '--store', db, '--json').stdout).decisions.some((x: any) => x.id === d.id), false);
  assert.equal((await call('DELETE', `/v1/decisions/${d.id}`)).status, 404);
  // by range, as the CLI deletes
  const delRange = await call('DELETE', `/v1/decisions?ip=${encodeURIComponent('2001:db8::/64')}`);
  assert.equal(delRange.status, 200, delRange.text);
  assert.deepEqual(delRange.json.deleted.map((x: any) => x.id), [cliId]);
});

test('bans on allowlisted addresses are refused with 409 and the entry, as the CLI refuses them', async () => {
  const lo = await call('POST', '/v1/decisions', { ip: '127.0.0.1' });
  assert.equal(lo.status, 409, lo.text);
  assert.match(lo.json.error, /^127\.0\.0\.1 is allowlisted by 127\.0\.0\.0\/8 \(loopback\); it is never banned$/);
  const conf = await call('POST', '/v1/decisions', { ip: '203.0.113.0/28', type: 'ban' });
  assert.equal(conf.status, 409);
  assert.match(conf.json.error, /allowlisted by 203\.0\.113\.0\/24 \(config\)/);
  const cliRefusal = cli('decisions', 'add', '127.0.0.1', '--store', db);
  assert.equal(cliRefusal.status, 2);
  assert.match(cliRefusal.stderr, /127\.0\.0\.1 is allowlisted by 127\.0\.0\.0\/8 \(loopback\); it is never banned/);
  // an alert about an allowlisted address is not a ban: allowed
  const alert = await call('POST', '/v1/decisions', { ip: '127.0.0.1', type: 'alert', duration: 60 });
  assert.equal(alert.status, 201, alert.text);
  await call('DELETE', `/v1/decisions/${alert.json.added.id}`);
});

test('bad decision requests: 400 naming the field', async () => {
  const cases: [unknown, RegExp][] = [
    [{ ip: 'not-an-ip' }, /^body\.ip: "not-an-ip" is not an IPv4\/IPv6 address or network$/],
    [{ ip: '10.0.0.0/33' }, /^body\.ip: /],
    [{}, /^body: missing field "ip"/],
    [{ ip: '198.51.100.1', type: 'kick' }, /^body\.type: expected one of "ban", "alert", got the string "kick"$/],
    [{ ip: '198.51.100.1', severity: 'apocalyptic' }, /^body\.severity: expected one of "critical", "high", "medium", "low"/],
    [{ ip: '198.51.100.1', duration: 1e300 }, /^body\.duration: at most 100 years/],
    [{ ip: '198.51.100.1', duration: 'soon' }, /^body\.duration: "soon" is not a duration/],
    [{ ip: '198.51.100.1', duration: -5 }, /^body\.duration: a duration must be a positive number of seconds/],
    [{ ip: '198.51.100.1', until: 'tomorrow' }, /^body: unexpected field "until"/],
    [{ ip: 42 }, /^body\.ip: expected string, got/],
  ];
  for (const [body, msg] of cases) {
    const r = await call('POST', '/v1/decisions', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.json.error, msg, JSON.stringify(body));
  }
  for (const [q, msg] of [
    ['state=soon', /^query\.state: expected one of "active", "expired", "all", got the string "soon"$/],
    ['limit=0', /^query\.limit: expected a number at least 1/],
    ['cursor=zzz', /^query\.cursor: not a cursor/],
    ['ip=banana', /^query\.ip: "banana" is not/],
    ['colour=red', /^query: unexpected field "colour"/],
  ] as const) {
    const r = await call('GET', `/v1/decisions?${q}`);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.match(r.json.error, msg, q);
  }
  const delBad = await call('DELETE', '/v1/decisions?ip=banana');
  assert.equal(delBad.status, 400);
  assert.match(delBad.json.error, /^query\.ip: /);
});

test('cursor pages cover every decision once; filters by type, state and origin', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const r = await call('POST', '/v1/decisions', { ip: `192.0.2.${10 + i}`, type: i % 2 ? 'alert' : 'ban', duration: '1h', reason: `page test ${i}` });
    assert.equal(r.status, 201, r.text);
    ids.push(r.json.added.id);
  }
  const seen: string[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const r = await call('GET', `/v1/decisions?origin=api&limit=3${next ? `&cursor=${next}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.decisions.length <= 3);
    seen.push(...r.json.decisions.map((d: any) => d.id));
    next = r.json.next;
    pages++;
  } while (next && pages < 10);
  assert.equal(pages, 3);
  assert.deepEqual([...seen].sort(), [...ids].sort(), 'every decision exactly once');
  const alerts = await call('GET', '/v1/decisions?origin=api&type=alert');
  assert.equal(alerts.json.decisions.length, 3);
  assert.ok(alerts.json.decisions.every((d: any) => d.type === 'alert'));
  assert.equal((await call('GET', '/v1/decisions?origin=manual')).json.decisions.length, 0);
  // one that expires: active now, expired a moment later
  const short = await call('POST', '/v1/decisions', { ip: '192.0.2.99', duration: 1, reason: 'short' });
  assert.equal((await call('GET', '/v1/decisions?ip=192.0.2.99')).json.decisions.length, 1);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await call('GET', '/v1/decisions?ip=192.0.2.99')).json.decisions.length, 0);
  const expired = await call('GET', '/v1/decisions?state=expired&ip=192.0.2.99');
  assert.deepEqual(expired.json.decisions.map((d: any) => [d.id, d.active]), [[short.json.added.id, false]]);
  assert.equal((await call('GET', '/v1/decisions?state=all&ip=192.0.2.99')).json.decisions.length, 1);
});

test('intel: feeds and a configured provider fused; a provider without a key is never called; a failing one makes a partial answer, not a 5xx', async () => {
  const before = { ...hits };
  const r = await call('GET', `/v1/intel/${PUBLIC_LISTED}`);
  assert.equal(r.status, 200, r.text);
  const by = Object.fromEntries(r.json.sources.map((s: any) => [s.source, s]));
  assert.equal(by.feeds.status, 'listed');
  assert.match(by.feeds.indicators[0], /listed in drop\.txt line 2 as 185\.220\.101\.0\/24/);
  assert.equal(by.ipqs.status, 'answered');
  assert.equal(by.ipqs.score, 88);
  assert.equal(by.virustotal.status, 'no-key');
  assert.equal(by.abuseipdb.answered, false);
  assert.match(by.abuseipdb.status, /unreachable|timeout|error/);
  assert.equal(r.json.partial, true, 'a configured provider did not answer');
  assert.equal(r.json.malicious, true);
  assert.ok(r.json.score >= 75);
  assert.equal((hits.ipqs ?? 0) - (before.ipqs ?? 0), 1, 'the configured provider was asked once');
  assert.equal(hits.vt ?? 0, 0, 'the provider without a key was never called');
  // the answer is cached in the service's store: asked again, the provider is not called
  const again = await call('GET', `/v1/intel/${PUBLIC_LISTED}`);
  assert.equal(again.json.sources.find((s: any) => s.source === 'ipqs').status, 'cached');
  assert.equal((hits.ipqs ?? 0) - (before.ipqs ?? 0), 1);
});

test('intel: batch lookups, bad addresses named, the same verdict as the intel verb', async () => {
  const batch = await call('POST', '/v1/intel', { ips: ['10.1.2.3', '192.168.7.7'] });
  assert.equal(batch.status, 200, batch.text);
  assert.deepEqual(batch.json.results.map((x: any) => x.ip), ['10.1.2.3', '192.168.7.7']);
  const listed = batch.json.results[0];
  assert.equal(listed.sources.find((s: any) => s.source === 'ipqs').status, 'skipped', 'private addresses are never sent to a provider');
  // the intel verb on the same feed gives the same verdict (private address: no provider either way)
  const v = cli('intel', '10.1.2.3', '192.168.7.7', '--feed', feed, '--store', 'none', '--json');
  assert.equal(v.status, 0, v.stderr);
  const verb = JSON.parse(v.stdout);
  for (let i = 0; i < 2; i++) {
    for (const k of ['score', 'severity', 'malicious', 'indicators', 'answered', 'feeds']) assert.deepEqual(batch.json.results[i][k], verb[i][k], `${verb[i].ip} ${k}`);
  }
  const bad = await call('POST', '/v1/intel', { ips: ['10.0.0.1', 'example.com'] });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error, 'body.ips[1]: "example.com" is not an IPv4 or IPv6 address');
  const empty = await call('POST', '/v1/intel', { ips: [] });
  assert.equal(empty.status, 400);
  assert.match(empty.json.error, /^body\.ips: /);
  const badPath = await call('GET', '/v1/intel/999.1.1.1');
  assert.equal(badPath.status, 400);
  assert.match(badPath.json.error, /^path\.ip: "999\.1\.1\.1" is not an IPv4 or IPv6 address$/);
});

test('the IP page data holds its decisions and its intelligence', async () => {
  const ban = await call('POST', '/v1/decisions', { ip: PUBLIC_LISTED, duration: '1d', reason: 'listed in drop.txt' });
  assert.equal(ban.status, 201, ban.text);
  const range = await call('POST', '/v1/decisions', { ip: '185.220.0.0/16', type: 'alert', duration: '1d', reason: 'tor range' });
  assert.equal(range.status, 201, range.text);
  const r = await call('GET', `/v1/ips/${PUBLIC_LISTED}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.decisions.map((d: any) => [d.value, d.type, d.active]).sort(), [['185.220.0.0/16', 'alert', true], [PUBLIC_LISTED, 'ban', true]]);
  assert.equal(r.json.intel.ip, PUBLIC_LISTED);
  assert.equal(r.json.intel.sources.find((s: any) => s.source === 'feeds').status, 'listed');
  const other = await call('GET', '/v1/ips/198.51.100.200');
  assert.deepEqual(other.json.decisions, []);
});

test('the OpenAPI document describes the new routes', async () => {
  const doc = (await call('GET', '/docs/json')).json;
  assert.ok(doc.paths['/v1/decisions'].get && doc.paths['/v1/decisions'].post && doc.paths['/v1/decisions'].delete);
  assert.ok(doc.paths['/v1/decisions/{id}'].delete);
  assert.ok(doc.paths['/v1/intel/{ip}'].get);
  assert.ok(doc.paths['/v1/intel'].post);
  const body = doc.paths['/v1/decisions'].post.requestBody.content['application/json'].schema;
  assert.deepEqual(body.required, ['ip']);
  assert.ok(doc.paths['/v1/decisions'].post.responses['409']);
});

test('scopes: a read key lists decisions and asks intel, only a write key adds or deletes', async () => {
  const kdb = join(dir, 'keys.db');
  const ks = await openKeyStore(kdb);
  const read = (await ks.add('reader', 'read', 1000)).key;
  const write = (await ks.add('writer', 'write', 1000)).key;
  await ks.close();
  const locked = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, requireKeys: true, accessLog: 'off', watchModels: false }, store: kdb, settings: loadSettings({ env: {}, cwd: dir }) });
  try {
    const as = (key: string) => ({ Authorization: `Bearer ${key}` });
    assert.equal((await call('GET', '/v1/decisions', undefined, {}, locked.url)).status, 401);
    assert.equal((await call('GET', '/v1/decisions', undefined, as(read), locked.url)).status, 200);
    assert.equal((await call('GET', '/v1/intel/10.0.0.1', undefined, as(read), locked.url)).status, 200);
    assert.equal((await call('POST', '/v1/intel', { ips: ['10.0.0.1'] }, as(read), locked.url)).status, 200);
    const refused = await call('POST', '/v1/decisions', { ip: '198.51.100.77' }, as(read), locked.url);
    assert.equal(refused.status, 403);
    assert.match(refused.json.error, /needs a "write" key/);
    const ok = await call('POST', '/v1/decisions', { ip: '198.51.100.77' }, as(write), locked.url);
    assert.equal(ok.status, 201, ok.text);
    assert.match(ok.json.added.origin, /^api:[0-9a-f]{8}$/, 'the origin names the key that added it');
    assert.equal((await call('DELETE', `/v1/decisions/${ok.json.added.id}`, undefined, as(read), locked.url)).status, 403);
    assert.equal((await call('DELETE', `/v1/decisions/${ok.json.added.id}`, undefined, as(write), locked.url)).status, 200);
  } finally {
    await locked.close();
  }
});

test('intel: a broken cache store still answers from the local feeds, partial, never a 5xx', async () => {
  const cacheDb = join(dir, 'intel-cache.db');
  const settings = loadSettings({ env: {}, cwd: dir, flags: { 'intel.feeds': [feed], 'intel.store': cacheDb, 'intel.ipqs.apiKey': 'k', 'intel.ipqs.baseUrl': `${providerUrl}/ipqs` } });
  const s2 = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false }, store: join(dir, 'broken-intel.db'), settings });
  try {
    // the cache table disappears under the running service
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(cacheDb);
    raw.exec('DROP TABLE intel_cache');
    raw.close();
    const r = await call('GET', `/v1/intel/${PUBLIC_LISTED}`, undefined, {}, s2.url);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.partial, true);
    assert.equal(r.json.sources.find((s: any) => s.source === 'feeds').status, 'listed');
    const failed = r.json.sources.find((s: any) => s.source === 'providers');
    assert.equal(failed.status, 'error');
    assert.match(failed.reason, /providers not asked: .*intel_cache/);
    assert.equal(r.json.malicious, true, 'the feed listing still counts');
    const metrics = await (await fetch(s2.url + '/metrics')).text();
    assert.match(metrics, /operation="intel lookup"\} 1/);
  } finally {
    await s2.close();
  }
});
