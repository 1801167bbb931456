/**
 * The live feed (GET /v1/alerts/stream) against its two abuses, over real sockets:
 *  - a key revoked while its stream is open (`keys revoke` from another process, seen at the
 *    service's next key refresh) gets a last `revoked` event and the stream ends; before, it kept
 *    receiving every alert for as long as the connection lived;
 *  - a client that stops reading (a raw TCP socket, paused) while 16,000 alerts of ~2 KB arrive:
 *    the service keeps at most limits.streamBufferBytes of events for it, then sends a last
 *    `overflow` event naming the last id sent and ends the stream; before, every event waited in
 *    the process's memory (tens of MB here, without bound). Reconnecting with that Last-Event-ID
 *    replays what it missed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from './service.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';
import { openKeyStore } from '../store/key-store.js';
import { openStore } from '../store/open-store.js';
import { Allowlist } from '../respond/allowlist.js';
import type { StoredAlert } from '../store/alert-store.js';

function alert(i: number, pad = 0): StoredAlert {
  return { key: `live-${i}`, timestamp: '2026-12-06T08:00:00.000000+0000', signature: 'netsentinel: risky flow', category: 'Anomalous traffic', severity: 3, srcIp: '203.0.113.9', srcPort: null, destIp: '10.0.0.2', destPort: 80, proto: 'TCP', risk: 0.99, reasons: ['x'.repeat(pad)], record: { event_type: 'alert', n: i } };
}

async function setup(limitBytes: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ns-live-'));
  const db = join(dir, 'ns.db');
  const keys = await openKeyStore(db);
  const reader = await keys.add('dashboard', 'read', 1000);
  await keys.close();
  const svc = await startService({
    config: { ...DEFAULT_SERVER_CONFIG, host: '127.0.0.1', port: 0, requireKeys: true, watchModels: false, accessLog: 'off', limits: { ...DEFAULT_SERVER_CONFIG.limits, streamBufferBytes: limitBytes } },
    store: db,
    allowlist: new Allowlist([]),
    pollMs: 50,
    keyRefreshMs: 100,
  });
  return { db, svc, reader };
}

async function addAlerts(db: string, from: number, n: number, pad: number): Promise<void> {
  const s = await openStore(db);
  const run = await s.saveRun({ startedAt: '2026-12-06T08:00:00Z', finishedAt: '2026-12-06T08:00:01Z', inputs: [], flows: n, alerts: n, summary: {} });
  for (let i = from; i < from + n; i += 1000) await s.saveAlerts(run, Array.from({ length: Math.min(1000, from + n - i) }, (_, k) => alert(i + k, pad)));
  await s.close();
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

test('a stream whose key is revoked gets a last "revoked" event and ends', { timeout: 30_000 }, async () => {
  const { db, svc, reader } = await setup(1 << 20);
  try {
    const ctl = new AbortController();
    const r = await fetch(`${svc.url}/v1/alerts/stream`, { headers: { authorization: `Bearer ${reader.key}` }, signal: ctl.signal });
    assert.equal(r.status, 200);
    let text = '';
    let ended = false;
    void (async () => {
      const dec = new TextDecoder();
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) text += dec.decode(chunk, { stream: true });
      ended = true;
    })().catch(() => undefined);
    await addAlerts(db, 0, 2, 10);
    assert.ok(await until(() => (text.match(/event: alert/g) ?? []).length === 2, 5000), 'the two alerts arrive');

    const keys = await openKeyStore(db);
    assert.ok(await keys.revoke(reader.record.id));
    await keys.close();
    assert.ok(await until(() => ended, 5000), `the stream ends after the revocation (got: ${text.slice(-200)})`);
    assert.match(text, new RegExp(`event: revoked\\ndata: \\{"error":"API key ${reader.record.id} was revoked; this feed is closed"\\}\\n\\n$`));
    await addAlerts(db, 2, 1, 10);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((text.match(/event: alert/g) ?? []).length, 2, 'nothing after the revocation');
    assert.equal((await fetch(`${svc.url}/v1/alerts/stream`, { headers: { authorization: `Bearer ${reader.key}` } })).status, 401);
    ctl.abort();
  } finally {
    await svc.close();
  }
});

test('a client that stops reading is dropped with a last "overflow" event, memory bounded; Last-Event-ID replays the rest', { timeout: 120_000 }, async () => {
  const LIMIT = 256 * 1024;
  const { db, svc, reader } = await setup(LIMIT);
  try {
    const url = new URL(svc.url);
    const sock = net.connect(Number(url.port), url.hostname);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    // small kernel buffers on our side, so the service's own buffer is what fills
    sock.setNoDelay(true);
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.write(`GET /v1/alerts/stream HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${reader.key}\r\nAccept: text/event-stream\r\n\r\n`);
    assert.ok(await until(() => Buffer.concat(chunks).includes('netsentinel live alerts'), 5000));
    sock.pause(); // a reader that stopped reading

    // what waits in the service for this client, sampled all along
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, svc.ctx.live.maxWaitingBytes())), 5);
    const N = 16_000;
    await addAlerts(db, 0, N, 2000); // ~33 MB of events
    const dropped = async () => (await svc.ctx.metrics.streamsDropped.get()).values[0]?.value === 1;
    const wasDropped = await until(dropped, 20_000);
    clearInterval(sampler);
    most = Math.max(most, svc.ctx.live.maxWaitingBytes());
    // the limit, one event past it (~2.2 KB) and the overflow event
    assert.ok(most <= LIMIT + 8 * 1024, `${most} bytes waited for the slow client (limit ${LIMIT})`);
    assert.ok(wasDropped, 'the slow client is dropped');
    assert.ok(await until(() => svc.ctx.live.count === 0, 5000), 'the dropped stream no longer subscribes');

    // the reader wakes up: it gets what was buffered, then the overflow event, then the end
    const closed = new Promise<void>((r) => sock.once('end', () => r()));
    sock.resume();
    await closed;
    sock.destroy();
    const body = Buffer.concat(chunks).toString('utf8');
    const got = (body.match(/event: alert/g) ?? []).length;
    assert.ok(got > 0 && got < N, `${got} of ${N} alerts reached the slow client`);
    const m = /event: overflow\r?\ndata: (\{.*\})\r?\n/.exec(body.replace(/\r\n[0-9a-f]+\r\n/g, ''));
    assert.ok(m, 'a last overflow event');
    const last = JSON.parse(m[1]);
    assert.match(last.error, /^this client read too slowly: more than 262144 bytes of events waited for it; reconnect \(Last-Event-ID: \d+\)/);
    assert.equal(typeof last.lastEventId, 'number');

    // reconnecting with that id replays what it missed
    const ctl = new AbortController();
    const again = await fetch(`${svc.url}/v1/alerts/stream`, { headers: { authorization: `Bearer ${reader.key}`, 'last-event-id': String(last.lastEventId) }, signal: ctl.signal });
    const it = (again.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    let text = '';
    while (!/id: \d+\nevent: alert/.test(text)) text += new TextDecoder().decode((await it.next()).value);
    assert.equal(Number(/id: (\d+)\nevent: alert/.exec(text)![1]), last.lastEventId + 1);
    ctl.abort();
  } finally {
    await svc.close();
  }
});
