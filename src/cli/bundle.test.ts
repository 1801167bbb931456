/**
 * The bundle bin/netsentinel runs (dist/bundle/, made by build/bundle-cli.ts) does what tsc's files
 * do: every worker thread's module is an entry beside the chunks and every worker URL in the
 * bundle names a file there; and the bundled command, run for real, gives its version, a user's
 * mistake on one line with exit 2 (the error classes are one class across the chunks), the same
 * outputs as tsc's files for `analyze` of a capture and of flow files, a random forest trained on
 * two worker threads, and a service that answers and stops on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerEntries } from '../build/bundle-cli.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { startProcess } from '../testing/started-process.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bundleDir = join(root, 'dist', 'bundle');
const bundled = join(bundleDir, 'main.js');
const tscMain = join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'ns-bundle-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function run(main: string, args: string[], cwd = dir): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NETSENTINEL_CONFIG: '', XDG_DATA_HOME: join(dir, 'data') } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** summary.json without what differs between two runs of the same analysis (times, where the outputs went) */
function summaryOf(out: string): unknown {
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
  for (const k of ['startedAt', 'finishedAt', 'seconds', 'outputs']) delete s[k];
  const alerts = s.alerts as Record<string, unknown> | undefined;
  if (alerts) delete alerts.store;
  return s;
}

test('npm run build made the bundle: main.js, and every worker module beside the chunks under its own name', () => {
  assert.ok(existsSync(bundled), `${bundled} (npm run build runs build/bundle-cli.js after tsc)`);
  const workers = workerEntries();
  // the workers of today, at least: trees, kernel sums, LOF, cluster sums, the chart, retraining, CSV reading
  for (const name of ['tree-worker', 'kernel-worker', 'lof-worker', 'cluster-sums-worker', 'risk-chart-worker', 'retrain-thread', 'dataset-read-worker']) assert.ok(name in workers, name);
  for (const name of Object.keys(workers)) assert.ok(existsSync(join(bundleDir, `${name}.js`)), `${name}.js in the bundle`);
  // and every worker the bundled code starts is a file in its folder
  let urls = 0;
  for (const f of readdirSync(bundleDir).filter((f) => f.endsWith('.js'))) {
    for (const m of readFileSync(join(bundleDir, f), 'utf8').matchAll(/new URL\((['"])\.\/([\w.-]+\.js)\1,\s*import\.meta\.url\)/g)) {
      urls++;
      assert.ok(existsSync(join(bundleDir, m[2])), `${f} starts ./${m[2]}, which is not in the bundle`);
    }
  }
  assert.ok(urls >= 7, `${urls} worker URLs in the bundle`);
});

test('the bundled command: its version, a verb list, and a user mistake on one line with exit 2', () => {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(run(bundled, ['--version']).stdout.trim(), `netsentinel ${version}`);
  assert.match(run(bundled, ['--help']).stdout, /^ {2}analyze +judge traffic/m);
  const missing = run(bundled, ['analyze', join(dir, 'no such file.pcap'), '-b', join(dir, 'none.nsb'), '-o', join(dir, 'out-missing')]);
  assert.equal(missing.status, 2, missing.stderr);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  assert.match(missing.stderr, /^netsentinel: /);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
  const typo = run(bundled, ['analyse']);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /unknown verb "analyse"; did you mean analyze\?/);
});

test('the bundled command analyzes a capture and flow files as tsc\'s files do, outputs byte for byte', { skip: skipWithoutShared('pcaps', 'synscan.pcapng') }, () => {
  const pcaps = sharedPath('pcaps')!;
  const baseline = join(dir, 'office.nsb');
  const fit = run(tscMain, ['baseline', ...['http_google', 'dns_query_response', 'tcp_handshake', 'icmp_echo', 'tcp_ports'].map((n) => join(pcaps, `${n}.pcapng`)), '-o', baseline, '-q']);
  assert.equal(fit.status, 0, fit.stderr);
  const outs: string[] = [];
  for (const [name, main] of [['tsc', tscMain], ['bundle', bundled]] as const) {
    const out = join(dir, `capture-${name}`);
    const r = run(main, ['analyze', join(pcaps, 'synscan.pcapng'), join(pcaps, 'arppoison.pcapng'), '-b', baseline, '-o', out, '--store', `sqlite:${join(dir, `${name}.db`)}`, '-q']);
    assert.equal(r.status, 0, r.stderr);
    outs.push(out);
  }
  for (const f of ['flows_scored.csv', 'alerts.jsonl', 'risky_ips.csv', 'risky_ips.txt']) assert.ok(readFileSync(join(outs[0], f)).equals(readFileSync(join(outs[1], f))), f);
  assert.deepEqual(summaryOf(outs[1]), summaryOf(outs[0]));
  // the capture's findings are there (the packet detectors and rules ran in the bundle)
  const rules = Object.keys((summaryOf(outs[1]) as { findingsByRule: Record<string, number> }).findingsByRule);
  for (const rule of ['packet.syn-scan', 'arp.gateway-poisoning']) assert.ok(rules.includes(rule), `${rule} in ${rules.join(', ')}`);
  assert.ok(readFileSync(join(outs[1], 'risk_scores.png')).subarray(1, 4).toString() === 'PNG', 'the chart was drawn');

  // flow files, read on a worker thread (--threads 2), through the shipped loopback sample
  const sample = join(root, 'samples', 'loopback');
  const flowOuts: string[] = [];
  for (const [name, main] of [['tsc', tscMain], ['bundle', bundled]] as const) {
    const b = join(dir, `loopback-${name}.nsb`);
    assert.equal(run(main, ['baseline', join(sample, 'normal.csv'), '-o', b, '-q']).status, 0);
    const out = join(dir, `flows-${name}`);
    const r = run(main, ['analyze', join(sample, 'traffic.csv'), '-b', b, '-o', out, '--threads', '2', '--store', `sqlite:${join(dir, `flows-${name}.db`)}`, '-q']);
    assert.equal(r.status, 0, r.stderr);
    flowOuts.push(out);
  }
  for (const f of ['flows_scored.csv', 'alerts.jsonl', 'risky_ips.csv']) assert.ok(readFileSync(join(flowOuts[0], f)).equals(readFileSync(join(flowOuts[1], f))), `loopback ${f}`);
});

test('the bundled command trains a random forest on two worker threads: the same predictions as tsc\'s files', () => {
  // two classes apart in two of four columns, with noise (a seeded generator: the same file every run)
  let x = 12345;
  const rnd = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const rows = ['a,b,c,d,label'];
  for (let i = 0; i < 3000; i++) {
    const bad = i % 3 === 0;
    rows.push([rnd() + (bad ? 0.8 : 0), rnd() * 5, rnd() + (bad ? 0.5 : 0), rnd(), bad ? 'attack' : 'normal'].map((v) => (typeof v === 'number' ? v.toFixed(5) : v)).join(','));
  }
  const data = join(dir, 'toy.csv');
  writeFileSync(data, rows.join('\n') + '\n');
  const predictions: string[] = [];
  for (const [name, main] of [['tsc', tscMain], ['bundle', bundled]] as const) {
    const model = join(dir, `forest-${name}.nsm`);
    const t = run(main, ['train', data, '-m', 'random-forest', '--label', 'label', '--threads', '2', '--seed', '7', '-o', model, '-q']);
    assert.equal(t.status, 0, t.stderr);
    const out = join(dir, `pred-${name}.csv`);
    const p = run(main, ['predict', model, data, '-o', out, '-q']);
    assert.equal(p.status, 0, p.stderr);
    predictions.push(readFileSync(out, 'utf8'));
  }
  assert.ok(predictions[1].split('\n').length > 3000);
  assert.equal(predictions[1], predictions[0]);
});

test('the bundled service answers and stops on SIGTERM', async () => {
  const served = startProcess(bundled, ['serve', '--store', join(dir, 'serve.db'), '--port', '0'], { cwd: dir, env: { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_SERVER_ACCESS_LOG: 'off' } });
  try {
    await served.until(/listening on/);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(served.out())?.[1];
    assert.ok(url, `printed where it listens: ${served.out()} ${served.err()}`);
    const health = await fetch(url + '/healthz');
    assert.equal(health.status, 200);
    const page = await fetch(url + '/dashboard');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    served.child.kill('SIGTERM');
    assert.equal(await served.exited, 0, served.err());
  } finally {
    served.kill();
  }
});
