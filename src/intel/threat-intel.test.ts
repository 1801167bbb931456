/**
 * Threat intelligence against a local HTTP server that answers as each provider documents it
 * (IPQualityScore /api/json/ip/{key}/{ip}, VirusTotal v3 /ip_addresses/{ip} with x-apikey,
 * AbuseIPDB v2 /check with Key): success, refused keys, 429 with Retry-After, malformed bodies,
 * a server that never answers; the cache in the store (SQLite, and PostgreSQL when there is one),
 * the local rate budget, feeds without any key, and the fused score and severity.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { dropPgSchemasIn } from '../testing/local-services.js';
import { loadSettings } from '../config/settings.js';
import { intelConfigFrom } from './intel-config.js';
import { openThreatIntel, type IntelReport } from './threat-intel.js';
import { fuseThreat, intelEvidence, severityOf } from './threat-fusion.js';
import { TokenBucket } from './token-bucket.js';

type Mode = 'ok' | 'bad-key' | '429' | 'malformed' | 'hang' | 'clean';
const mode: Record<string, Mode> = { ipqs: 'ok', vt: 'ok', abuse: 'ok' };
const hits: Record<string, number> = { ipqs: 0, vt: 0, abuse: 0 };
const KEYS = { ipqs: 'ipqs-test-key-123', vt: 'vt-test-key-456', abuse: 'abuse-test-key-789' };
let base = '';
const hanging: ServerResponse[] = [];

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const u = new URL(req.url!, 'http://x');
  const [, who] = u.pathname.split('/');
  hits[who] = (hits[who] ?? 0) + 1;
  const m = mode[who];
  if (m === 'hang') {
    hanging.push(res);
    return;
  }
  if (who === 'ipqs') {
    // /ipqs/{key}/{ip}
    const [, , key, ip] = u.pathname.split('/');
    if (m === 'malformed') return send(res, 200, '<html>502 Bad Gateway</html>');
    if (m === '429') return send(res, 200, { success: false, message: 'You have exceeded your request quota of 5,000 per month. Please upgrade to increase your request quota.', request_id: 'r1' });
    if (m === 'bad-key' || key !== KEYS.ipqs) return send(res, 200, { success: false, message: 'Invalid or unauthorized key. Please check the API key and try again.', request_id: 'r2' });
    return send(res, 200, { success: true, message: 'Success', fraud_score: m === 'clean' ? 0 : 95, country_code: 'NL', proxy: true, vpn: true, tor: m !== 'clean', recent_abuse: true, bot_status: false, ISP: 'Example', ASN: 64500, host: ip, request_id: 'r3' });
  }
  if (who === 'vt') {
    // /vt/ip_addresses/{ip}
    if (m === '429') return send(res, 429, { error: { code: 'QuotaExceededError', message: 'Quota exceeded' } }, { 'retry-after': '30' });
    if (m === 'bad-key' || req.headers['x-apikey'] !== KEYS.vt) return send(res, 401, { error: { code: 'WrongCredentialsError', message: 'Wrong API key' } });
    if (m === 'malformed') return send(res, 200, { data: { id: 'x', type: 'ip_address', attributes: {} } });
    const ip = u.pathname.split('/')[3];
    return send(res, 200, { data: { id: ip, type: 'ip_address', attributes: { last_analysis_stats: m === 'clean' ? { harmless: 60, malicious: 0, suspicious: 0, undetected: 30, timeout: 0 } : { harmless: 55, malicious: 7, suspicious: 2, undetected: 28, timeout: 0 }, reputation: -12, as_owner: 'Example', country: 'NL' } } });
  }
  if (who === 'abuse') {
    if (m === '429') return send(res, 429, { errors: [{ detail: 'Daily rate limit of 1000 requests exceeded for this endpoint. See headers for additional details.', status: 429 }] }, { 'retry-after': '3600', 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0' });
    if (m === 'bad-key' || req.headers.key !== KEYS.abuse) return send(res, 401, { errors: [{ detail: 'Authentication failed. Your API key is either missing, incorrect, or revoked. Note: The APIv2 key differs from the APIv1 key.', status: 401 }] });
    if (m === 'malformed') return send(res, 200, '{"data": {"abuseConfidenceScore": ');
    return send(res, 200, { data: { ipAddress: u.searchParams.get('ipAddress'), isPublic: true, ipVersion: 4, isWhitelisted: false, abuseConfidenceScore: m === 'clean' ? 0 : 100, countryCode: 'NL', usageType: 'Data Center/Web Hosting/Transit', isp: 'Example', domain: 'example.net', isTor: m !== 'clean', totalReports: 812, numDistinctUsers: 140, lastReportedAt: '2026-12-02T10:00:00+00:00' } });
  }
  send(res, 404, {});
}

const server = createServer(handle);
const dir = mkdtempSync(join(tmpdir(), 'ns-intel-'));
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function intelSettings(extra: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  return intelConfigFrom(
    loadSettings({
      env,
      cwd: dir,
      flags: {
        'intel.ipqs.apiKey': KEYS.ipqs,
        'intel.virustotal.apiKey': KEYS.vt,
        'intel.abuseipdb.apiKey': KEYS.abuse,
        'intel.ipqs.baseUrl': `${base}/ipqs`,
        'intel.virustotal.baseUrl': `${base}/vt`,
        'intel.abuseipdb.baseUrl': `${base}/abuse`,
        'intel.timeoutSeconds': 1,
        ...extra,
      },
    }),
  );
}

function src(r: IntelReport, name: string) {
  const s = r.sources.find((x) => x.source === name);
  assert.ok(s, `no ${name} in ${JSON.stringify(r.sources)}`);
  return s;
}

test('all three providers answer as documented: fused score, severity, indicators, then the cache', async () => {
  Object.assign(mode, { ipqs: 'ok', vt: 'ok', abuse: 'ok' });
  const before = { ...hits };
  const store = join(dir, 'cache-ok.db');
  const ti = await openThreatIntel({ config: intelSettings({ 'intel.store': store }) });
  const r = await ti.lookup('185.220.101.1');
  assert.deepEqual(r.sources.map((s) => [s.source, s.status]), [['feeds', 'skipped'], ['ipqs', 'answered'], ['virustotal', 'answered'], ['abuseipdb', 'answered']]);
  assert.equal(src(r, 'ipqs').score, 95);
  assert.equal(src(r, 'virustotal').score, 100); // 7 malicious × 20 + 2 suspicious × 10, capped
  assert.equal(src(r, 'abuseipdb').score, 100);
  assert.ok(r.indicators.includes('IPQS Fraud Score: 95/100'));
  assert.ok(r.indicators.includes('VirusTotal: 7/92 engines malicious, 2 suspicious'));
  assert.equal(r.severity, 'critical');
  assert.equal(r.malicious, true);
  // the weighted mean (0.45·95 + 0.35·100 + 0.35·100) / 1.15 = 98.0, lifted to 100 by the tripped sources' own scores
  assert.equal(r.score, 100);
  assert.deepEqual([hits.ipqs - before.ipqs, hits.vt - before.vt, hits.abuse - before.abuse], [1, 1, 1]);
  const again = await ti.lookup('185.220.101.1');
  assert.deepEqual(again.sources.slice(1).map((s) => s.status), ['cached', 'cached', 'cached']);
  assert.equal(again.score, r.score);
  assert.deepEqual([hits.ipqs - before.ipqs, hits.vt - before.vt, hits.abuse - before.abuse], [1, 1, 1], 'the cache answered, not the server');
  await ti.close();
  // a new process (new instance) still finds the answer in the store until the TTL passes
  const later = await openThreatIntel({ config: intelSettings({ 'intel.store': store, 'intel.cacheTtlSeconds': 60 }), now: () => Date.now() + 2 * 86400_000 });
  const stale = await later.lookup('185.220.101.1');
  assert.equal(src(stale, 'ipqs').status, 'answered', 'an expired cache entry is asked again');
  await later.close();
});

test('refused keys, 429 with Retry-After, malformed answers: reported per source, never thrown', async () => {
  Object.assign(mode, { ipqs: 'bad-key', vt: '429', abuse: 'malformed' });
  const ti = await openThreatIntel({ config: intelSettings({ 'intel.store': 'none' }) });
  const r = await ti.lookup('8.8.4.4');
  assert.equal(src(r, 'ipqs').status, 'bad-key');
  assert.match(src(r, 'ipqs').reason!, /Invalid or unauthorized key/);
  assert.ok(!src(r, 'ipqs').reason!.includes(KEYS.ipqs), 'the key is never quoted');
  assert.equal(src(r, 'virustotal').status, 'rate-limited');
  assert.equal(src(r, 'virustotal').retryAfterSeconds, 30);
  assert.match(src(r, 'virustotal').reason!, /QuotaExceededError/);
  assert.equal(src(r, 'abuseipdb').status, 'malformed');
  assert.match(src(r, 'abuseipdb').reason!, /not JSON: "\{"data": \{"abuseConfidenceScore": "/);
  assert.deepEqual(r.answered, []);
  assert.equal(r.score, 0);
  assert.equal(r.severity, 'none');
  // VirusTotal said to wait 30 s: the next lookup does not knock again
  const vtHits = hits.vt;
  const r2 = await ti.lookup('8.8.8.8');
  assert.equal(src(r2, 'virustotal').status, 'rate-limited');
  assert.equal(hits.vt, vtHits);
  await ti.close();

  Object.assign(mode, { ipqs: '429', vt: 'bad-key', abuse: '429' });
  const t2 = await openThreatIntel({ config: intelSettings({ 'intel.store': 'none' }) });
  const q = await t2.lookup('9.9.9.9');
  assert.equal(src(q, 'ipqs').status, 'rate-limited');
  assert.match(src(q, 'ipqs').reason!, /exceeded your request quota/);
  assert.equal(src(q, 'virustotal').status, 'bad-key');
  assert.match(src(q, 'virustotal').reason!, /HTTP 401 WrongCredentialsError/);
  assert.equal(src(q, 'abuseipdb').status, 'rate-limited');
  assert.equal(src(q, 'abuseipdb').retryAfterSeconds, 3600);
  await t2.close();

  Object.assign(mode, { ipqs: 'malformed', vt: 'malformed', abuse: 'bad-key' });
  const t3 = await openThreatIntel({ config: intelSettings({ 'intel.store': 'none' }) });
  const m = await t3.lookup('1.1.1.1');
  assert.match(src(m, 'ipqs').reason!, /HTTP 200 with a body that is not JSON: "<html>502/);
  assert.match(src(m, 'virustotal').reason!, /no data\.attributes\.last_analysis_stats/);
  assert.match(src(m, 'abuseipdb').reason!, /Authentication failed/);
  await t3.close();
});

test('a provider that never answers times out; an unreachable one says so', async () => {
  Object.assign(mode, { ipqs: 'hang', vt: 'ok', abuse: 'ok' });
  // a port that was just free: nothing listens there
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const closed = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const ti = await openThreatIntel({ config: intelSettings({ 'intel.store': 'none', 'intel.timeoutSeconds': 0.3, 'intel.abuseipdb.baseUrl': `http://127.0.0.1:${closed}/abuse` }) });
  const t0 = performance.now();
  const r = await ti.lookup('185.220.101.2');
  assert.ok(performance.now() - t0 < 3000);
  assert.equal(src(r, 'ipqs').status, 'timeout');
  assert.match(src(r, 'ipqs').reason!, /did not answer within 0\.3 s \(127\.0\.0\.1:\d+\)/);
  assert.equal(src(r, 'abuseipdb').status, 'unreachable');
  assert.match(src(r, 'abuseipdb').reason!, new RegExp(`cannot reach AbuseIPDB at 127\\.0\\.0\\.1:${closed}: ECONNREFUSED`));
  assert.equal(src(r, 'virustotal').status, 'answered');
  assert.deepEqual(r.answered, ['virustotal']);
  assert.equal(r.score, 100);
  await ti.close();
});

test('no keys at all: feeds only, and every provider says why it was not asked', async () => {
  const feed = join(dir, 'drop.txt');
  writeFileSync(feed, '; Spamhaus DROP\n185.220.100.0/22 ; SBL123456\n');
  const config = intelConfigFrom(loadSettings({ env: {}, cwd: dir, flags: { 'intel.feeds': [feed] } }));
  const ti = await openThreatIntel({ config });
  assert.equal(ti.cache, undefined, 'no provider to cache for: no store opened');
  const r = await ti.lookup('185.220.101.9');
  assert.equal(src(r, 'feeds').status, 'listed');
  assert.deepEqual(src(r, 'feeds').indicators, ['listed in drop.txt line 2 as 185.220.100.0/22 (SBL123456)']);
  for (const p of ['ipqs', 'virustotal', 'abuseipdb']) assert.equal(src(r, p).status, 'no-key');
  assert.match(src(r, 'virustotal').reason!, /VIRUSTOTAL_API_KEY/);
  assert.equal(r.score, 100);
  assert.equal(r.severity, 'critical');
  const clean = await ti.lookup('8.8.8.8');
  assert.equal(src(clean, 'feeds').status, 'not-listed');
  assert.equal(clean.score, 0);
  const priv = await ti.lookup('10.1.2.3');
  assert.equal(src(priv, 'ipqs').status, 'skipped');
  assert.match(src(priv, 'ipqs').reason!, /private address/);
  await assert.rejects(ti.lookup('example.org'), /"example\.org" is not an IPv4 or IPv6 address/);
  await ti.close();
});

test('the local rate budget: a second lookup within the minute is refused without a request', async () => {
  Object.assign(mode, { ipqs: 'clean', vt: 'clean', abuse: 'clean' });
  const ti = await openThreatIntel({ config: intelSettings({ 'intel.store': 'none', 'intel.virustotal.ratePerMinute': 1 }) });
  const a = await ti.lookup('4.4.4.4');
  assert.equal(src(a, 'virustotal').status, 'answered');
  assert.equal(a.severity, 'none');
  const vtHits = hits.vt;
  const b = await ti.lookup('4.4.4.5');
  assert.equal(src(b, 'virustotal').status, 'rate-limited');
  assert.match(src(b, 'virustotal').reason!, /local budget of 1\/min used up; next request in \d+ s/);
  assert.equal(hits.vt, vtHits);
  assert.equal(src(b, 'ipqs').status, 'answered');
  await ti.close();
  let t = 0;
  const bucket = new TokenBucket(4, () => t);
  for (let i = 0; i < 4; i++) assert.equal(bucket.take(), 0);
  assert.equal(bucket.take(), 15000);
  t = 15000;
  assert.equal(bucket.take(), 0);
  bucket.block(60);
  t = 70000;
  assert.equal(bucket.take(), 5000);
});

test('fusion: weights, a tripped source lifts the score, severities, evidence', () => {
  const v = fuseThreat([
    { source: 'ipqs', status: 'answered', answered: true, score: 20, malicious: false, weight: 0.45, indicators: ['IPQS Fraud Score: 20/100'] },
    { source: 'virustotal', status: 'answered', answered: true, score: 20, malicious: true, weight: 0.35, indicators: ['VirusTotal: 1/90 engines malicious'] },
    { source: 'abuseipdb', status: 'timeout', answered: false, weight: 0.35, indicators: [] },
  ]);
  assert.equal(v.score, 75, 'VirusTotal alone at its threshold lifts the score to the alert score');
  assert.equal(v.severity, 'high');
  assert.deepEqual(v.answered, ['ipqs', 'virustotal']);
  assert.deepEqual([severityOf(95), severityOf(75), severityOf(50), severityOf(25), severityOf(24.9)], ['critical', 'high', 'medium', 'low', 'none']);
  const e = intelEvidence(v)!;
  assert.equal(e.source, 'intel');
  assert.ok(e.p > 0.999 && e.p < 1);
  assert.equal(intelEvidence({ ...v, score: 0 }), undefined);
});

test('the bad-value path: an invalid base URL names key and place', () => {
  assert.throws(() => intelConfigFrom(loadSettings({ env: { NETSENTINEL_INTEL_VIRUSTOTAL_BASE_URL: 'ftp://x' }, cwd: dir })), /environment variable NETSENTINEL_INTEL_VIRUSTOTAL_BASE_URL: intel\.virustotal\.baseUrl must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"/);
  assert.throws(() => intelConfigFrom(loadSettings({ env: { API_TIMEOUT: '0' }, cwd: dir })), /environment variable API_TIMEOUT: intel\.timeoutSeconds must be a number > 0, got "0"/);
});

const PG = process.env.NETSENTINEL_TEST_PG ?? `postgres://postgres@127.0.0.1:5432/postgres?schema=ns_intel_${process.pid}`;
async function pgUp(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG.replace(/\?.*$/, ''), connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

test('the cache in PostgreSQL (same location string as the alert store)', async (t) => {
  if (!(await pgUp())) {
    if (process.env.CI === 'true') assert.fail(`PostgreSQL is required in CI (${PG})`);
    t.skip('no PostgreSQL at 127.0.0.1:5432');
    return;
  }
  Object.assign(mode, { ipqs: 'ok', vt: 'ok', abuse: 'ok' });
  const ti = await openThreatIntel({ config: intelSettings({ 'intel.store': PG }) });
  const before = hits.ipqs;
  await ti.lookup('185.220.101.3');
  const r = await ti.lookup('185.220.101.3');
  assert.equal(src(r, 'ipqs').status, 'cached');
  assert.equal(hits.ipqs, before + 1);
  assert.equal(await ti.cache!.purge(Date.now() + 3 * 86400_000), 3);
  await ti.close();
  await dropPgSchemasIn(PG.replace(/\?.*$/, ''), [`ns_intel_${process.pid}`]);
});
