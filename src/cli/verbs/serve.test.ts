/**
 * `netsentinel serve` and `netsentinel keys` as a user runs them: the process prints where it
 * listens, answers seed 004's request, reloads its model on SIGHUP and when the file changes
 * (requests keep being answered meanwhile), stops cleanly on SIGTERM (exit 0); keys are added,
 * listed and revoked from the command line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedGbdtFile, SEED_004_CURL_BODY } from '../../testing/service-model.js';
import { skipWithoutShared } from '../../testing/shared-data.js';
import { startProcess } from '../../testing/started-process.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const skip = skipWithoutShared('datasets', 'nsl-kdd', 'KDDTrain+_20Percent.txt');
const dir = mkdtempSync(join(tmpdir(), 'ns-serve-'));

test('serve: prints where it listens, classifies, reloads on SIGHUP and on file change, stops on SIGTERM', { skip }, async () => {
  const model = join(dir, 'gbdt.nsm');
  copyFileSync((await seedGbdtFile(dir))!, model);
  const served = startProcess(main, ['serve', '--model', model, '--store', join(dir, 'ns.db'), '--port', '0'], { cwd: dir, env: { ...process.env, NETSENTINEL_SERVER_ACCESS_LOG: join(dir, 'access.log') } });
  const { child, exited } = served;
  try {
    await served.until(/docs .*dashboard/);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(served.out())?.[1];
    assert.ok(url, `printed where it listens: ${served.out()} ${served.err()}`);
    assert.match(served.out(), /models\s+gbdt \(gradient-boosting, classifier\)/);
    const classify = async () => (await (await fetch(url + '/classify', { method: 'POST', body: SEED_004_CURL_BODY, headers: { 'Content-Type': 'application/json' } })).json()) as Record<string, string>;
    assert.deepEqual(await classify(), { 'Attack Type': 'Probe' });
    const loadedAt = async () => ((await (await fetch(url + '/')).json()) as { models: { loadedAt: string }[] }).models[0].loadedAt;
    const t0 = await loadedAt();
    // requests keep being answered while the model reloads
    let answering = true;
    const answers: string[] = [];
    const load = (async () => {
      while (answering) answers.push((await classify())['Attack Type']);
    })();
    child.kill('SIGHUP');
    for (let i = 0; i < 100 && (await loadedAt()) === t0; i++) await new Promise((r) => setTimeout(r, 100));
    const t1 = await loadedAt();
    assert.notEqual(t1, t0, 'SIGHUP reloaded the model');
    // replaced by rename, as a training job would publish a new model
    copyFileSync(model, join(dir, 'next.nsm'));
    await new Promise((r) => setTimeout(r, 1100));
    renameSync(join(dir, 'next.nsm'), model);
    for (let i = 0; i < 100 && (await loadedAt()) === t1; i++) await new Promise((r) => setTimeout(r, 100));
    assert.notEqual(await loadedAt(), t1, 'a changed file reloaded the model');
    answering = false;
    await load;
    assert.ok(answers.length > 0 && answers.every((a) => a === 'Probe'), 'no request dropped or answered wrongly during reloads');
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(served.err(), /SIGTERM: finishing requests in flight/);
  } finally {
    served.kill();
  }
});

test('serve: a SIGTERM (a service manager stopping it) is said on one line, without advice meant for a terminal; Ctrl-C gets its way out on that one line', async () => {
  // before: a second line followed, "SIGTERM received: stopping after the current step (send it again to stop at once)"
  for (const [signal, line] of [
    ['SIGTERM', 'netsentinel: SIGTERM: finishing requests in flight, then stopping'],
    ['SIGINT', 'netsentinel: SIGINT: finishing requests in flight, then stopping (Ctrl-C again stops at once)'],
  ] as const) {
    const served = startProcess(main, ['serve', '--store', join(dir, `stop-${signal}.db`), '--port', '0'], { cwd: dir, env: { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_SERVER_ACCESS_LOG: 'off' } });
    try {
      await served.until(/docs .*dashboard/);
      assert.match(served.out(), /listening on http:\/\/127\.0\.0\.1:\d+/, served.err());
      served.child.kill(signal);
      assert.equal(await served.exited, 0, served.err());
      const said = served.err().split('\n').filter((l) => l.includes(signal) || /again|at once|stopping/.test(l));
      assert.deepEqual(said, [line], served.err());
    } finally {
      served.kill();
    }
  }
});

test('keys add | list | revoke from the command line', () => {
  const db = join(dir, 'keys.db');
  const run = (...args: string[]) => spawnSync(process.execPath, [main, 'keys', ...args, '--store', db], { encoding: 'utf8' });
  const add = run('add', 'soc', '--scope', 'write', '--rate', '20');
  assert.equal(add.status, 0, add.stderr);
  const key = add.stdout.trim();
  assert.match(key, /^nsk_[0-9a-f]{8}_/);
  assert.match(add.stderr, /shown only this once/);
  const id = key.slice(4, 12);
  const list = run('list', '--json');
  const rows = JSON.parse(list.stdout);
  assert.deepEqual(rows.map((r: { id: string; scope: string; ratePerSecond: number }) => [r.id, r.scope, r.ratePerSecond]), [[id, 'write', 20]]);
  assert.equal(list.stdout.includes(key.slice(13)), false, 'list never shows the secret');
  assert.equal(run('revoke', id).status, 0);
  const again = run('revoke', id);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /no active key/);
  // --if-absent: a start-up script run again adds no second key of the name; a revoked one does not count
  const first = run('add', 'boot', '--scope', 'write', '--if-absent');
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^nsk_[0-9a-f]{8}_/);
  const second = run('add', 'boot', '--scope', 'write', '--if-absent');
  assert.equal(second.status, 0, second.stderr);
  assert.equal(second.stdout, '', 'no key printed: none was made');
  assert.match(second.stderr, /key [0-9a-f]{8} "boot" \(write, 100\/s\) is active in sqlite:.* already: nothing added \(--if-absent\)/);
  const bootKeys = (JSON.parse(run('list', '--json').stdout) as { name: string }[]).filter((r) => r.name === 'boot');
  assert.equal(bootKeys.length, 1);
  assert.equal(run('add', 'soc', '--if-absent').status, 0);
  assert.equal((JSON.parse(run('list', '--json').stdout) as { name: string }[]).filter((r) => r.name === 'soc').length, 2, 'soc was revoked: --if-absent adds a new one');
  const bad = run('add', 'x', '--scope', 'admin');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /scope/);
});

test('serve reads server.* through the settings loader and shares the decisions verb store', async () => {
  const d = mkdtempSync(join(tmpdir(), 'ns-serve-settings-'));
  const db = join(d, 'shared.db');
  const conf = join(d, 'ns.yaml');
  writeFileSync(conf, `store: ${db}\nserver:\n  port: 0\n  accessLog: "off"\n  classify:\n    minConfidence: 0.77\n`);
  const env = { ...process.env };
  delete env.NETSENTINEL_STORE;
  delete env.NETSENTINEL_CONFIG;
  const added = spawnSync(process.execPath, [main, 'decisions', 'add', '198.51.100.5', '--config', conf, '--json'], { encoding: 'utf8', cwd: d, env });
  assert.equal(added.status, 0, added.stderr);
  const cliId = JSON.parse(added.stdout).added.id;
  // keys find the same store, and take server.rateLimit.perSecond when --rate is not given
  const key = spawnSync(process.execPath, [main, 'keys', 'add', 'soc', '--config', conf], { encoding: 'utf8', cwd: d, env: { ...env, NETSENTINEL_SERVER_RATE_LIMIT_PER_SECOND: '7' } });
  assert.equal(key.status, 0, key.stderr);
  const keyList = JSON.parse(spawnSync(process.execPath, [main, 'keys', 'list', '--store', db, '--json'], { encoding: 'utf8', cwd: d, env }).stdout);
  assert.deepEqual(keyList.map((k: { name: string; ratePerSecond: number }) => [k.name, k.ratePerSecond]), [['soc', 7]]);
  const served = startProcess(main, ['serve', '--config', conf], { cwd: d, env });
  const { child, exited } = served;
  try {
    await served.until(/docs .*dashboard/);
    const url = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(served.out());
    assert.ok(url && url[2] !== '8080', `server.port 0 from the file picked a free port: ${served.out()} ${served.err()}`);
    assert.match(served.out(), /min confidence 0\.77/);
    assert.match(served.out(), new RegExp(`store\\s+.*shared\\.db`));
    const list = (await (await fetch(url[1] + '/v1/decisions')).json()) as { decisions: { id: string }[] };
    assert.deepEqual(list.decisions.map((x) => x.id), [cliId], 'the decision added by the CLI is served');
    const post = await fetch(url[1] + '/v1/decisions', { method: 'POST', body: JSON.stringify({ ip: '198.51.100.6' }), headers: { 'Content-Type': 'application/json' } });
    assert.equal(post.status, 201);
    const apiId = ((await post.json()) as { added: { id: string } }).added.id;
    const cliList = spawnSync(process.execPath, [main, 'decisions', 'list', '--config', conf, '--json'], { encoding: 'utf8', cwd: d, env });
    assert.ok(JSON.parse(cliList.stdout).decisions.some((x: { id: string }) => x.id === apiId), 'the decision added over HTTP is listed by the CLI');
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    served.kill();
  }
});

test('serve refusing to start leaves no store behind: a mistyped --host is said first, and keys needed but none (a new store) are said before the store is made', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ns-serve-refused-'));
  // the default store is the per-user one: here in a data folder of the test's own
  const data = mkdtempSync(join(tmpdir(), 'ns-serve-refused-data-'));
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: data };
  delete env.NETSENTINEL_STORE;
  delete env.NETSENTINEL_CONFIG;
  const typo = spawnSync(process.execPath, [main, 'serve', '--host', '999.1.1.1', '--port', '0'], { cwd, encoding: 'utf8', env });
  assert.equal(typo.status, 2, typo.stderr);
  assert.match(typo.stderr, /^netsentinel: serve: --host must be an IP address or a host name, got "999\.1\.1\.1"\n$/);
  const noKeys = spawnSync(process.execPath, [main, 'serve', '--host', '0.0.0.0', '--port', '0'], { cwd, encoding: 'utf8', env });
  assert.equal(noKeys.status, 2, noKeys.stderr);
  assert.ok(noKeys.stderr.includes(`binding to 0.0.0.0 (beyond loopback) requires API keys, and the store sqlite:${join(data, 'netsentinel', 'netsentinel.db')} has none: make one with 'netsentinel keys add NAME`), noKeys.stderr);
  assert.deepEqual(readdirSync(cwd), [], 'nothing made where serve was started');
  assert.deepEqual(readdirSync(data), [], 'no store made by a serve that refused');
});

test('serve --baseline says which baseline it judges uploads by, in the banner and --json', async () => {
  const d = mkdtempSync(join(tmpdir(), 'ns-serve-baseline-'));
  const env = { ...process.env };
  delete env.NETSENTINEL_STORE;
  delete env.NETSENTINEL_CONFIG;
  const normal = fileURLToPath(new URL('../../../samples/loopback/normal.csv', import.meta.url));
  const fit = spawnSync(process.execPath, [main, 'baseline', normal, '-o', 'office.nsb', '--detectors', 'isolation-forest', '-q'], { encoding: 'utf8', cwd: d, env });
  assert.equal(fit.status, 0, fit.stderr);
  for (const json of [false, true]) {
    const served = startProcess(main, ['serve', '--baseline', 'office.nsb', '--port', '0', '--store', 'ns.db', ...(json ? ['--json'] : [])], { cwd: d, env });
    try {
      await served.until(json ? /\}\n/ : /docs .*dashboard/);
      if (json) assert.equal((JSON.parse(served.out()) as { baseline: string }).baseline, 'office.nsb', served.err());
      else assert.match(served.out(), /^ {2}baseline {2}office\.nsb \(isolation-forest; POST \/v1\/analyze, \/v1\/risk\/flows\)$/m, served.err());
      served.child.kill('SIGTERM');
      assert.equal(await served.exited, 0);
    } finally {
      served.kill();
    }
  }
});
