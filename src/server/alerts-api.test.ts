/**
 * The alert API as a sensor and an analyst use it, over real HTTP on loopback with no model:
 * posted alerts are checked (a real time with its offset, real addresses) and stored in the
 * store's one time form, so since/until and the hourly timeline compare instants, not text; an
 * IP's page counts all of the source's alerts; and a live feed that reconnects with
 * Last-Event-ID gets the alerts stored while it was away.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService } from './service.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-alerts-api-'));
let svc: RunningService;

before(async () => {
  svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: join(dir, 'access.log'), watchModels: false }, store: join(dir, 'ns.db'), pollMs: 100 });
});
after(async () => {
  await svc?.close();
});

async function postAlerts(alerts: object[]): Promise<{ status: number; json: any }> {
  const r = await fetch(svc.url + '/v1/alerts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ alerts }) });
  return { status: r.status, json: await r.json() };
}

async function alerts(query: string): Promise<any[]> {
  const r = await fetch(`${svc.url}/v1/alerts?limit=1000&${query}`);
  assert.equal(r.status, 200);
  return ((await r.json()) as any).alerts;
}

const alert = (over: object) => ({ timestamp: '2030-01-01T00:00:00Z', signature: 'qa', severity: 2, risk: 0.9, ...over });

test('a posted time with an offset is stored in UTC, and since/until with any offset compare instants', async () => {
  const r = await postAlerts([
    alert({ timestamp: '2030-01-01T10:00:00+02:00', signature: 'offset-plus', srcIp: '198.51.100.1' }), // 08:00 UTC
    alert({ timestamp: '2030-01-01T09:00:00Z', signature: 'offset-zulu', srcIp: '198.51.100.1' }),
    alert({ timestamp: '2030-01-01T03:30:00-0500', signature: 'offset-minus', srcIp: '198.51.100.1' }), // 08:30 UTC
  ]);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const byTime = Object.fromEntries((await alerts('src_ip=198.51.100.1')).map((a) => [a.signature, a.timestamp]));
  assert.deepEqual(byTime, { 'offset-plus': '2030-01-01T08:00:00.000000+0000', 'offset-zulu': '2030-01-01T09:00:00.000000+0000', 'offset-minus': '2030-01-01T08:30:00.000000+0000' });
  const sig = async (q: string) => (await alerts(`src_ip=198.51.100.1&${q}`)).map((a) => a.signature).sort();
  assert.deepEqual(await sig('since=' + encodeURIComponent('2030-01-01T10:15:00+02:00')), ['offset-minus', 'offset-zulu']);
  assert.deepEqual(await sig('since=2030-01-01T08:30:00Z'), ['offset-minus', 'offset-zulu']); // inclusive, to the microsecond
  assert.deepEqual(await sig('until=' + encodeURIComponent('2030-01-01T04:00:00-05:00')), ['offset-minus', 'offset-plus']);
  const hours: any = await (await fetch(svc.url + '/v1/risk/timeline')).json();
  assert.deepEqual(
    hours.hours.filter((h: any) => h.hour.startsWith('2030-01-01')).map((h: any) => [h.hour, h.alerts]),
    [['2030-01-01T08', 2], ['2030-01-01T09', 1]],
  );
});

test('a posted alert whose time or address is not real is a 400 naming it, and nothing of the request is stored', async () => {
  const cases: [object, RegExp][] = [
    [{ timestamp: 'not a time at all' }, /^body\.alerts\[1\]\.timestamp: expected an ISO 8601 time with its offset/],
    [{ timestamp: '2030-01-01T10:00:00' }, /^body\.alerts\[1\]\.timestamp: expected an ISO 8601 time with its offset/],
    [{ timestamp: '2030-02-30T10:00:00Z' }, /^body\.alerts\[1\]\.timestamp: "2030-02-30T10:00:00Z" is not a real time/],
    [{ srcIp: 'zzz' }, /^body\.alerts\[1\]\.srcIp: "zzz" is not an IPv4 or IPv6 address/],
    [{ destIp: '10.0.0.256' }, /^body\.alerts\[1\]\.destIp: "10.0.0.256" is not an IPv4 or IPv6 address/],
  ];
  for (const [bad, message] of cases) {
    const r = await postAlerts([alert({ signature: 'refused-batch', srcIp: '198.51.100.2' }), alert({ signature: 'refused-batch', ...bad })]);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.match(r.json.error, message);
  }
  assert.deepEqual(await alerts('signature=refused-batch'), []);
});

test("an IP's page counts all of its alerts, not the newest page of them", async () => {
  // the riskiest and the latest in time are among the first posted (the lowest ids)
  const many = Array.from({ length: 260 }, (_, i) => alert({ timestamp: `2029-06-01T00:00:${String(i % 60).padStart(2, '0')}Z`, signature: `many ${i}`, srcIp: '198.51.100.3', risk: 0.5 }));
  many[0] = alert({ timestamp: '2029-07-01T00:00:00Z', signature: 'riskiest', srcIp: '198.51.100.3', risk: 0.999, reasons: ['the riskiest one'] });
  assert.equal((await postAlerts(many)).status, 200);
  const ip: any = await (await fetch(svc.url + '/v1/ips/198.51.100.3')).json();
  assert.equal(ip.alerts, 260);
  assert.equal(ip.maxRisk, 0.999);
  assert.equal(ip.lastSeen, '2029-07-01T00:00:00.000000+0000');
  assert.deepEqual(ip.reasons.slice(0, 1), ['the riskiest one']);
  assert.equal(ip.recent.length, 50);
  const none: any = await (await fetch(svc.url + '/v1/ips/198.51.100.99')).json();
  assert.deepEqual([none.alerts, none.maxRisk, none.lastSeen, none.reasons, none.recent], [0, null, null, [], []]);
});

/** the events of a live feed, read until `until` holds of the text or the time is up */
async function readFeed(headers: Record<string, string>, until: (text: string) => boolean, during?: () => Promise<void>, maxMs = 5000): Promise<string> {
  const ac = new AbortController();
  const r = await fetch(svc.url + '/v1/alerts/stream', { headers, signal: ac.signal });
  let text = '';
  const reading = (async () => {
    const dec = new TextDecoder();
    try {
      for await (const chunk of r.body!) text += dec.decode(chunk as Uint8Array);
    } catch {
      /* aborted */
    }
  })();
  await during?.();
  for (let i = 0; i < maxMs / 100 && !until(text); i++) await new Promise((res) => setTimeout(res, 100));
  ac.abort();
  await reading;
  return text;
}

test('a live feed reconnecting with Last-Event-ID gets what was stored meanwhile, once each, then the live ones', async () => {
  assert.equal((await postAlerts([alert({ signature: 'before the drop', srcIp: '198.51.100.4' })])).status, 200);
  const [last] = await alerts('signature=' + encodeURIComponent('before the drop'));
  // stored while no feed was open
  assert.equal((await postAlerts([1, 2, 3].map((i) => alert({ signature: `missed ${i}`, srcIp: '198.51.100.4' })))).status, 200);
  const text = await readFeed(
    { 'Last-Event-ID': String(last.id) },
    (t) => t.includes('live after'),
    async () => {
      await new Promise((res) => setTimeout(res, 200));
      assert.equal((await postAlerts([alert({ signature: 'live after', srcIp: '198.51.100.4' })])).status, 200);
    },
  );
  const signatures = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]).signature);
  assert.deepEqual(signatures, ['missed 1', 'missed 2', 'missed 3', 'live after']);
  const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  // without the header, only what comes after the connection
  const fresh = await readFeed({}, () => false, undefined, 800);
  assert.doesNotMatch(fresh, /event: alert/);
  // a header that is not an id this service gave out: no replay, no error
  const odd = await readFeed({ 'Last-Event-ID': 'yesterday' }, () => false, undefined, 800);
  assert.doesNotMatch(odd, /event: alert/);
});

test('addresses are stored and looked up in one form, however they are spelled', async () => {
  assert.equal((await postAlerts([alert({ signature: 'spelled', srcIp: '2001:DB8:0:0::5', destIp: ' 198.51.100.5 ' })])).status, 200);
  const [a] = await alerts('signature=spelled');
  assert.deepEqual([a.srcIp, a.destIp, a.record.src_ip, a.record.dest_ip], ['2001:db8::5', '198.51.100.5', '2001:db8::5', '198.51.100.5']);
  assert.equal((await alerts('src_ip=' + encodeURIComponent('2001:db8:0::5'))).length, 1);
  assert.equal((await alerts('dest_ip=198.51.100.5&signature=spelled')).length, 1);
  const ip: any = await (await fetch(svc.url + '/v1/ips/2001:DB8::0:5')).json();
  assert.deepEqual([ip.ip, ip.alerts], ['2001:db8::5', 1]);
});
