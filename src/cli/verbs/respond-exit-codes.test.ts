/**
 * Exit codes of the acting verbs agree: a partial failure is not a success. `respond --apply`
 * used to exit 0 with its alerts stuck in the outbox (a webhook down, or one alert refused) while
 * `notify --flush` exited 1 for the same outbox. Now both (and `analyze --respond --apply`) exit 1
 * when notifications still wait after their flush, and 0 once everything went; a real HTTP
 * backend on loopback receives them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../testing/cli-process.js';
import { TestHttpBackend } from '../../testing/notify-servers.js';

function analysisFolder(root: string, name: string, ips: string[]): string {
  const out = join(root, name);
  mkdirSync(out);
  writeFileSync(join(out, 'summary.json'), JSON.stringify({ startedAt: `2026-12-06T08:00:00.000Z-${name}`, riskyIps: ips.map((ip) => ({ ip, risk: 0.999999, reasons: ['test'] })) }));
  return out;
}

async function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args).done;
}

test('respond --apply, notify --flush and analyze --respond --apply exit 1 while notifications wait, 0 once all went', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ns-exit-'));
  const store = join(root, 'n.db');
  const backend = new TestHttpBackend();
  await backend.start();
  const port = backend.port;
  await backend.stop();
  const saved = { ...process.env };
  Object.assign(process.env, { NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '', BACKEND_API_URL: `http://127.0.0.1:${port}/api/alerts`, MAX_RETRIES: '0', API_TIMEOUT: '2' });
  try {
    // the backend is down: decisions and files are made, the alerts wait: not a success
    const down = await run('respond', analysisFolder(root, 'a', ['203.0.113.5']), '--apply', '--store', store);
    assert.equal(down.code, 1, down.stderr);
    assert.match(down.stdout, /NOT ALL DELIVERED: 1 notification waits in the outbox; 'netsentinel notify --flush' sends it \(exit 1\)/);
    assert.match(down.stderr, /unreachable \(ECONNREFUSED/);
    const json = await run('respond', analysisFolder(root, 'a2', ['203.0.113.6']), '--apply', '--store', store, '--json');
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).notifications.undelivered, 2);
    const flushDown = await run('notify', '--flush', '--store', store);
    assert.equal(flushDown.code, 1);
    // analyze --respond --apply: the shipped loopback sample's alerts cannot go either
    const sample = fileURLToPath(new URL('../../../samples/loopback/', import.meta.url));
    assert.equal((await run('baseline', join(sample, 'normal.csv'), '-o', join(root, 'b.nsb'), '-q')).code, 0);
    const an = await run('analyze', join(sample, 'traffic.csv'), '-b', join(root, 'b.nsb'), '-o', join(root, 'an'), '--store', store, '--no-report', '-q', '--respond', '--apply', '--json');
    assert.equal(an.code, 1, an.stderr);
    assert.ok(JSON.parse(an.stdout).respond.notifications.undelivered > 0);

    // partial: the backend refuses one alert and takes the others
    await backend.start();
    backend.script.push(400);
    const partial = await run('respond', analysisFolder(root, 'b', ['198.51.100.7']), '--apply', '--store', store, '--json');
    assert.equal(partial.code, 1, partial.stderr);
    const p = JSON.parse(partial.stdout).notifications;
    assert.equal(p.undelivered, 1);
    assert.equal(p.delivery[0].sent, 4);

    // everything delivered (the refused one is held; a run whose own alerts all go still sees it waiting)
    const fresh = join(root, 'fresh.db');
    const ok = await run('respond', analysisFolder(root, 'c', ['192.0.2.99']), '--apply', '--store', fresh);
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stdout, /NOT ALL DELIVERED/);
    assert.equal((await run('notify', '--flush', '--store', fresh)).code, 0);
    // a dry run sends nothing and cannot fail to
    assert.equal((await run('respond', analysisFolder(root, 'd', ['192.0.2.98']), '--store', store)).code, 0);
  } finally {
    process.env = saved;
    await backend.stop();
  }
});
