/**
 * A decision made by hand is announced on the same channels as the policy's alerts. Before, a ban
 * added with `decisions add` or POST /v1/decisions reached the store and the firewall files but no
 * channel: the policy's bans come with an alert decision, a person's ban came alone and no one
 * heard of it. Against a real HTTP backend on loopback (the webhook channel): the CLI delivers at
 * once (exit 1 and the outbox when the backend is down, as respond --apply), the API queues before
 * it answers and delivers right after; --no-notify, "notify": false and respond.notifyManual: false
 * keep it quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/cli-process.js';
import { TestHttpBackend } from '../testing/notify-servers.js';
import { startService } from '../server/service.js';
import { DEFAULT_SERVER_CONFIG } from '../server/server-config.js';
import { Allowlist } from './allowlist.js';
import { notifyConfigFrom } from './notify/notify-config.js';

const run = (...args: string[]) => runCli(args).done;

test('decisions add announces the ban on the configured channels; down = exit 1 and waits in the outbox', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-manual-announce-'));
  const store = join(dir, 'n.db');
  const backend = new TestHttpBackend();
  await backend.start();
  const saved = { ...process.env };
  Object.assign(process.env, { NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '', BACKEND_API_URL: `http://127.0.0.1:${backend.port}/api/alerts`, MAX_RETRIES: '0', API_TIMEOUT: '2' });
  try {
    const add = await run('decisions', 'add', '203.0.113.7', '--duration', '24h', '--reason', 'brute force on ssh, seen in auth.log', '--store', store);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^added ban 203\.0\.113\.7 for 1d \(id [0-9a-f]{16}\)/);
    assert.match(add.stdout, /announced by webhook \(webhook http:\/\/127\.0\.0\.1:\d+\/api\/alerts\): 1 sent, 0 waiting/);
    const got = [...backend.accepted.values()];
    assert.equal(got.length, 1);
    assert.equal(got[0].ip, '203.0.113.7');
    assert.equal(got[0].origin, 'manual');
    assert.equal(got[0].blocked, true);
    assert.equal(got[0].reason, 'brute force on ssh, seen in auth.log');

    // a hand-made alert too (blocked: false); --no-notify and notifyManual: false stay quiet
    assert.equal((await run('decisions', 'add', '198.51.100.8', '--type', 'alert', '--store', store)).code, 0);
    assert.equal([...backend.accepted.values()][1].blocked, false);
    const quiet = await run('decisions', 'add', '198.51.100.9', '--no-notify', '--store', store, '--json');
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(JSON.parse(quiet.stdout).notifications, undefined);
    const cfg = join(dir, 'quiet.yaml');
    writeFileSync(cfg, 'respond:\n  notifyManual: false\n');
    assert.equal((await run('decisions', 'add', '198.51.100.10', '--store', store, '--config', cfg)).code, 0);
    assert.equal(backend.accepted.size, 2);

    // the backend is down: the ban holds, the announcement waits, exit 1; notify --flush sends it later
    await backend.stop();
    const down = await run('decisions', 'add', '203.0.113.8', '--store', store, '--json');
    assert.equal(down.code, 1, down.stderr);
    const j = JSON.parse(down.stdout);
    assert.equal(j.added.value, '203.0.113.8');
    assert.equal(j.notifications.undelivered, 1);
    assert.match(down.stderr, /unreachable \(ECONNREFUSED/);
    await backend.start();
    assert.equal((await run('notify', '--flush', '--store', store)).code, 0);
    assert.ok([...backend.accepted.values()].some((a) => a.ip === '203.0.113.8' && a.blocked === true));
  } finally {
    process.env = saved;
    await backend.stop();
  }
});

test('POST /v1/decisions queues the announcement before answering and delivers it right after', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-manual-api-'));
  const backend = new TestHttpBackend();
  await backend.start();
  const notify = notifyConfigFrom({ webhook: { url: `http://127.0.0.1:${backend.port}/api/alerts`, maxRetries: 0 } });
  const svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, host: '127.0.0.1', port: 0, accessLog: 'off', watchModels: false }, store: join(dir, 'n.db'), allowlist: new Allowlist([]), notify });
  try {
    const post = async (body: unknown) => {
      const r = await fetch(`${svc.url}/v1/decisions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as any };
    };
    const a = await post({ ip: '203.0.113.70', duration: '1h', reason: 'seen in the WAF log' });
    assert.equal(a.status, 201);
    assert.deepEqual(a.json.notifications, { queued: 1, channels: ['webhook'] });
    await svc.ctx.announcer.idle();
    const got = [...backend.accepted.values()];
    assert.equal(got.length, 1);
    assert.equal(got[0].ip, '203.0.113.70');
    assert.equal(got[0].blocked, true);
    assert.equal(got[0].origin, 'api');
    const q = await post({ ip: '203.0.113.71', notify: false });
    assert.equal(q.status, 201);
    assert.deepEqual(q.json.notifications, { queued: 0, channels: [] });
    await svc.ctx.announcer.idle();
    assert.equal(backend.accepted.size, 1);
  } finally {
    await svc.close();
    await backend.stop();
  }
});
