/**
 * Blocking for real, in network namespaces of our own (never the host's ruleset): namespace A
 * (10.X.Y.1) listens on TCP; namespace B holds two addresses, .2 and .3, on the other end of a
 * veth pair. A ban on .2 loaded by `netsentinel block apply --yes` run inside A drops .2's
 * connections while .3 still connects; `decisions delete` + `block expire` lets .2 in again; a
 * short ban disappears by the kernel's own element timeout. The ipset file loads with `ipset
 * restore` inside A. Skips (saying why) without root, nft or ip; under CI=true it must run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProgram } from './firewall.js';
import { blockTargets } from './block-targets.js';
import { ipsetRestoreText } from './ipset.js';
import { Allowlist } from '../allowlist.js';
import { namespacePair } from '../../testing/live-namespaces.js';

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const missing = [process.getuid?.() === 0 ? '' : 'root', findProgram('nft') ? '' : 'nft', findProgram('ip') ? '' : 'ip (iproute2)'].filter(Boolean);
const skip = missing.length && process.env.CI !== 'true' ? `needs ${missing.join(', ')}` : false;

const pid = process.pid;
const net = `10.${(pid >> 8) & 255}.${pid & 255}`;
const [ipA, ip2, ip3] = [`${net}.1`, `${net}.2`, `${net}.3`];
// the namespaces, made by the test
let A = '';
let B = '';

/** netsentinel inside namespace A */
function cliInA(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', A, process.execPath, CLI, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** true when a TCP connection from `from` (in B) to A's server gets its answer within 3 s */
function connects(from: string): boolean {
  const code = `const s=require('net').connect({host:'${ipA}',port:7777,localAddress:'${from}'});s.setTimeout(3000,()=>process.exit(3));s.on('data',d=>process.exit(String(d)==='ok'?0:4));s.on('error',()=>process.exit(5));`;
  const r = spawnSync('ip', ['netns', 'exec', B, process.execPath, '-e', code], { encoding: 'utf8' });
  return r.status === 0;
}

test('block apply drops a banned address inside a namespace, and expire lets it in again', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-block-'));
  chmodSync(dir, 0o755);
  const store = join(dir, 'n.db');
  let server: ChildProcess | undefined;
  const pair = namespacePair('nsfw', dir, { subnet: net, moreB: [ip3] });
  ({ nsA: A, nsB: B } = pair);
  try {
    server = spawn('ip', ['netns', 'exec', A, process.execPath, '-e', `require('net').createServer(s=>s.end('ok')).listen(7777,'${ipA}',()=>console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.once('data', () => resolve());
      server!.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
    // veth addresses can take a moment (DAD is IPv6 only, but the link comes up asynchronously)
    for (let i = 0; i < 20 && !connects(ip2); i++) await new Promise((r) => setTimeout(r, 200));
    assert.ok(connects(ip2) && connects(ip3), 'both addresses connect before any ban');

    const add = cli('decisions', 'add', ip2, '--duration', '1h', '--reason', 'netns test', '--store', store);
    assert.equal(add.code, 0, add.stderr);
    // an allowlisted address is refused by hand too
    const refused = cli('decisions', 'add', '127.0.0.1', '--store', store);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /127\.0\.0\.1 is allowlisted by 127\.0\.0\.0\/8 \(loopback\)/);

    const preview = cliInA('block', 'apply', '--store', store);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, new RegExp(`create table inet netsentinel[\\s\\S]*add 1, refresh 0, remove 0[\\s\\S]*\\+ ${ip2.replace(/\./g, '\\.')}[\\s\\S]*--yes`));
    assert.ok(connects(ip2), 'nothing changes without --yes');

    const apply = cliInA('block', 'apply', '--store', store, '--yes');
    assert.equal(apply.code, 0, apply.stderr);
    const set = execFileSync('ip', ['netns', 'exec', A, 'nft', 'list', 'set', 'inet', 'netsentinel', 'blocked4'], { encoding: 'utf8' });
    assert.match(set, new RegExp(`${ip2.replace(/\./g, '\\.')} timeout (59m|1h)`));
    assert.equal(connects(ip2), false, `${ip2} is dropped`);
    assert.equal(connects(ip3), true, `${ip3} still connects`);
    // the host's own ruleset never saw our table
    const hostTables = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(hostTables, /netsentinel/);

    const del = cli('decisions', 'delete', ip2, '--store', store);
    assert.equal(del.code, 0, del.stderr);
    const expire = cliInA('block', 'expire', '--store', store);
    assert.equal(expire.code, 0, expire.stderr);
    assert.match(expire.stdout, new RegExp(`1 element removed from table inet netsentinel: ${ip2.replace(/\./g, '\\.')}`));
    assert.equal(connects(ip2), true, `${ip2} connects again after expire`);

    // a short ban runs out in the kernel by itself
    // (20 s: starting the CLI twice on a busy, shared machine must not outlast the ban)
    const added = performance.now();
    assert.equal(cli('decisions', 'add', ip3, '--duration', '20s', '--store', store).code, 0);
    assert.equal(cliInA('block', 'apply', '--store', store, '--yes').code, 0);
    assert.ok(performance.now() - added < 16_000, `the ban was loaded in time to be observed (${performance.now() - added} ms)`);
    assert.equal(connects(ip3), false, `${ip3} dropped while its 20 s ban holds`);
    await new Promise((r) => setTimeout(r, Math.max(0, added + 21_000 - performance.now())));
    assert.equal(connects(ip3), true, `${ip3} connects once the element timed out`);

    // the ipset file loads as it is
    const targets = blockTargets(
      [{ id: 'x', scope: 'range', value: `${net}.128/25`, type: 'ban', severity: 'high', reason: 'r', reasonKey: 'risk', origin: 't', created: new Date().toISOString(), expires: new Date(Date.now() + 600_000).toISOString(), simulated: false },
       { id: 'y', scope: 'ip', value: '2001:db8::7', type: 'ban', severity: 'high', reason: 'r', reasonKey: 'risk', origin: 't', created: new Date().toISOString(), expires: new Date(Date.now() + 600_000).toISOString(), simulated: false }],
      new Allowlist([]),
      Date.now(),
    );
    const file = join(dir, 'netsentinel.ipset');
    writeFileSync(file, ipsetRestoreText(targets));
    if (findProgram('ipset')) {
      execFileSync('ip', ['netns', 'exec', A, 'ipset', 'restore', '-file', file]);
      const list = execFileSync('ip', ['netns', 'exec', A, 'ipset', 'list'], { encoding: 'utf8' });
      assert.match(list, new RegExp(`${net.replace(/\./g, '\\.')}\\.128/25 timeout \\d+`));
      assert.match(list, /2001:db8::7 timeout \d+/);
    }
  } finally {
    server?.kill();
    pair.remove();
  }
});

test('block apply without root says exactly what is missing', { skip: process.getuid?.() === 0 && findProgram('setpriv') ? false : 'needs root and setpriv to run as nobody' }, () => {
  const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, CLI, 'block', 'apply', '--store', '/nonexistent/n.db'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^netsentinel: block apply needs root \(running as uid \d+; run it with sudo, or as root inside the namespace\)\n$/);
});
