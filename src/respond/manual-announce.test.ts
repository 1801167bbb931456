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

test('decisions delete announces the unban on the same channels, with the same opt-outs (it was announced when added, never when removed)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-manual-remove-'));
  const store = join(dir, 'n.db');
  const backend = new TestHttpBackend();
  await backend.start();
  const saved = { ...process.env };
  Object.assign(process.env, { NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '', BACKEND_API_URL: `http://127.0.0.1:${backend.port}/api/alerts`, MAX_RETRIES: '0', API_TIMEOUT: '2' });
  try {
    assert.equal((await run('decisions', 'add', '203.0.113.7', '--reason', 'brute force on ssh', '--store', store)).code, 0);
    assert.equal(backend.accepted.size, 1);
    const del = await run('decisions', 'delete', '203.0.113.7', '--store', store);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /^deleted 1 decision about 203\.0\.113\.7; /);
    assert.match(del.stdout, /announced by webhook \(webhook http:\/\/127\.0\.0\.1:\d+\/api\/alerts\): 1 sent, 0 waiting/);
    const got = [...backend.accepted.entries()];
    assert.equal(got.length, 2);
    const [key, unban] = got[1];
    assert.match(key, /^netsentinel-[0-9a-f]{16}-removed$/);
    assert.equal(unban.ip, '203.0.113.7');
    assert.equal(unban.blocked, false);
    assert.equal(unban.reason, 'brute force on ssh');
    assert.equal(unban.origin, 'manual');
    assert.deepEqual({ ...(unban.removed as object), at: 'x' }, { at: 'x', by: 'manual', type: 'ban' });

    // --no-notify and respond.notifyManual: false keep a removal quiet too
    assert.equal((await run('decisions', 'add', '198.51.100.9', '--no-notify', '--store', store)).code, 0);
    const quiet = await run('decisions', 'delete', '198.51.100.9', '--no-notify', '--store', store, '--json');
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(JSON.parse(quiet.stdout).notifications, undefined);
    const cfg = join(dir, 'quiet.yaml');
    writeFileSync(cfg, 'respond:\n  notifyManual: false\n');
    assert.equal((await run('decisions', 'add', '198.51.100.10', '--store', store, '--config', cfg)).code, 0);
    assert.equal((await run('decisions', 'delete', '198.51.100.10', '--store', store, '--config', cfg)).code, 0);
    assert.equal(backend.accepted.size, 2);

    // the backend is down: the decision is gone, its announcement waits, exit 1
    assert.equal((await run('decisions', 'add', '203.0.113.8', '--no-notify', '--store', store)).code, 0);
    await backend.stop();
    const down = await run('decisions', 'delete', '203.0.113.8', '--store', store, '--json');
    assert.equal(down.code, 1, down.stderr);
    assert.equal(JSON.parse(down.stdout).notifications.undelivered, 1);
    await backend.start();
    assert.equal((await run('notify', '--flush', '--store', store)).code, 0);
    assert.ok([...backend.accepted.values()].some((a) => a.ip === '203.0.113.8' && (a.removed as { type: string }).type === 'ban'));
  } finally {
    process.env = saved;
    await backend.stop();
  }
});

test('DELETE /v1/decisions queues the unban before answering and delivers it right after; ?notify=false keeps it quiet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-manual-api-remove-'));
  const backend = new TestHttpBackend();
  await backend.start();
  const notify = notifyConfigFrom({ webhook: { url: `http://127.0.0.1:${backend.port}/api/alerts`, maxRetries: 0 } });
  const svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, host: '127.0.0.1', port: 0, accessLog: 'off', watchModels: false }, store: join(dir, 'n.db'), allowlist: new Allowlist([]), notify });
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${svc.url}${path}`, { method, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
      return { status: r.status, json: (await r.json()) as any };
    };
    const added = await call('POST', '/v1/decisions', { ip: '203.0.113.70', reason: 'seen in the WAF log', notify: false });
    assert.equal(added.status, 201);
    const byId = await call('DELETE', `/v1/decisions/${added.json.added.id}`);
    assert.equal(byId.status, 200, JSON.stringify(byId.json));
    assert.deepEqual(byId.json.notifications, { queued: 1, channels: ['webhook'] });
    await svc.ctx.announcer.idle();
    const got = [...backend.accepted.values()];
    assert.equal(got.length, 1);
    assert.equal(got[0].ip, '203.0.113.70');
    assert.equal(got[0].blocked, false);
    assert.equal((got[0].removed as { by: string }).by, 'api');

    // by address, with notify=false: quiet
    assert.equal((await call('POST', '/v1/decisions', { ip: '203.0.113.71', notify: false })).status, 201);
    const quiet = await call('DELETE', '/v1/decisions?ip=203.0.113.71&notify=false');
    assert.equal(quiet.status, 200);
    assert.deepEqual(quiet.json.notifications, { queued: 0, channels: [] });
    await svc.ctx.announcer.idle();
    assert.equal(backend.accepted.size, 1);
  } finally {
    await svc.close();
    await backend.stop();
  }
});

test('a removal reads as one in every channel: the email says removed (subject and line), syslog is a REMOVED message at notice', async () => {
  const { emailContent } = await import('./notify/email-channel.js');
  const { syslogLine } = await import('./notify/syslog-channel.js');
  const { removalMessages, manualMessage } = await import('./announce.js');
  const now = Date.parse('2030-01-01T12:00:00Z');
  const base = { scope: 'ip', severity: 'high', reason: 'brute force on ssh', reasonKey: 'manual', origin: 'manual', created: '2030-01-01T10:00:00.000Z', expires: '2030-01-01T14:00:00.000Z', simulated: false } as const;
  const ban = { ...base, id: 'a'.repeat(16), value: '203.0.113.7', type: 'ban' } as const;
  const alert = { ...base, id: 'b'.repeat(16), value: '203.0.113.7', type: 'alert' } as const;
  const expired = { ...base, id: 'c'.repeat(16), value: '198.51.100.1', type: 'ban', expires: '2030-01-01T11:00:00.000Z' } as const;
  const dryRun = { ...base, id: 'd'.repeat(16), value: '198.51.100.2', type: 'ban', simulated: true } as const;
  // the alert removed with its ban is one message; an expired or dry-run decision is no news
  const msgs = removalMessages([ban, alert, expired, dryRun], 'api:soc', now);
  assert.deepEqual(msgs.map((m) => m.key), [`netsentinel-${'a'.repeat(16)}-removed`]);
  const mail = emailContent(msgs, 'netsentinel');
  assert.equal(mail.subject, 'netsentinel: 1 decision removed');
  assert.match(mail.text, /^Decisions about the following IP addresses were removed by hand \(1\):\n\n203\.0\.113\.7  HIGH  UNBANNED\n    brute force on ssh\n    removed 2030-01-01T12:00:00\.000Z by api:soc; it was decided 2030-01-01T10:00:00\.000Z by manual to hold until 2030-01-01T14:00:00\.000Z/);
  const line = syslogLine(msgs[0], { facility: 4, hostname: 'h', appName: 'netsentinel', host: '127.0.0.1', port: 514, protocol: 'udp' } as never, new Date(now));
  assert.match(line, /^<37>1 .* REMOVED \[/);
  assert.match(line, /removedBy="api:soc"/);
  assert.match(line, /high 203\.0\.113\.7: unbanned by api:soc \(was: brute force on ssh\)$/);
  // an added decision's email reads as before
  assert.match(emailContent([manualMessage(ban)], 'netsentinel').text, /^Alert: the following IP addresses are exhibiting suspicious activity \(1\):\n\n203\.0\.113\.7  HIGH  BLOCKED\n/);
});
