/**
 * The respond verbs end to end through the CLI: `respond OUTDIR` (dry run by default, --apply),
 * the three blocklist files, `decisions list|add|delete`, `notify` with nothing configured, and
 * bad input as one line with exit 2 naming the file, line or key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../main.js', import.meta.url));
function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function analysisFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ns-respond-cli-'));
  const out = join(dir, 'out');
  mkdirSync(out);
  writeFileSync(
    join(out, 'summary.json'),
    JSON.stringify({
      startedAt: '2026-12-03T08:00:00.000Z',
      riskyIps: [
        { ip: '203.0.113.5', risk: 0.999999, reasons: ['5 of 5 flows above the flow risk threshold'] },
        { ip: '2001:db8::66', risk: 0.99995, reasons: [] },
        { ip: '198.51.100.7', risk: 0.9995, reasons: [] },
        { ip: '127.0.0.9', risk: 1, reasons: [] },
      ],
    }),
  );
  writeFileSync(
    join(out, 'alerts.jsonl'),
    JSON.stringify({ event_type: 'alert', src_ip: '192.0.2.44', alert: { severity: 2 }, netsentinel: { rule: 'port-scan.vertical', reasons: ['192.0.2.44 probed 40 ports'] } }) + '\n' + JSON.stringify({ event_type: 'alert', src_ip: '203.0.113.5', alert: { severity: 3 } }) + '\n',
  );
  return out;
}

test('respond OUTDIR: a dry run by default, then --apply; the blocklist files; decisions list/add/delete', () => {
  const out = analysisFolder();
  const store = join(out, '..', 'n.db');
  const dry = cli('respond', out, '--store', store);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^DRY RUN \(nothing enforced or sent; --apply to act\): 8 decisions: 3 ban, 5 alert/);
  assert.match(dry.stdout, /not banned: 127\.0\.0\.9: allowlisted by 127\.0\.0\.0\/8 \(loopback\)/);
  // seed 000's file: one address per line, no trailing newline; most severe first
  assert.equal(readFileSync(join(out, 'blocked_ips.txt'), 'utf8'), '203.0.113.5\n192.0.2.44\n2001:db8::66');
  const nft = readFileSync(join(out, 'netsentinel.nft'), 'utf8');
  assert.match(nft, /set blocked4 \{\n {4}type ipv4_addr\n {4}flags interval, timeout\n {4}elements = \{ 203\.0\.113\.5 timeout 86400s,\n {17}192\.0\.2\.44 timeout 14400s \}/);
  assert.match(nft, /set blocked6 \{\n {4}type ipv6_addr\n {4}flags interval, timeout\n {4}elements = \{ 2001:db8::66 timeout 14400s \}/);
  assert.match(nft, /ip saddr @blocked4 drop\n {4}ip6 saddr @blocked6 drop/);
  assert.equal(readFileSync(join(out, 'netsentinel.ipset'), 'utf8'), [
    'create netsentinel4 hash:net family inet timeout 0 -exist',
    'create netsentinel6 hash:net family inet6 timeout 0 -exist',
    'add netsentinel4 203.0.113.5 timeout 86400 -exist',
    'add netsentinel4 192.0.2.44 timeout 14400 -exist',
    'add netsentinel6 2001:db8::66 timeout 14400 -exist',
    '',
  ].join('\n'));
  // simulated decisions are not active ones
  // ... and the list says they are there, so a dry run does not read as having decided nothing
  assert.match(cli('decisions', 'list', '--store', store).stdout, /^no active decisions in sqlite:\S+; 8 simulated \(dry runs\): --all lists them$/m);
  assert.equal(JSON.parse(cli('decisions', 'list', '--all', '--json', '--store', store).stdout).decisions.length, 8);

  const real = cli('respond', out, '--store', store, '--apply', '--json');
  assert.equal(real.code, 0, real.stderr);
  const j = JSON.parse(real.stdout);
  assert.equal(j.apply, true);
  assert.deepEqual(j.blocked.ipv4, ['203.0.113.5', '192.0.2.44']);
  assert.equal(j.notifications.queued, 0, 'no channel configured: nothing queued');
  const list = JSON.parse(cli('decisions', 'list', '--json', '--store', store).stdout).decisions as { value: string; type: string; simulated: boolean; origin: string }[];
  assert.equal(list.length, 8);
  assert.ok(list.every((d) => !d.simulated && d.origin === 'analyze:2026-12-03T08:00:00.000Z'));
  // a repeat is suppressed
  assert.match(cli('respond', out, '--store', store, '--apply').stdout, /0 decisions[\s\S]*1 allowlisted, 8 suppressed/);

  const add = cli('decisions', 'add', '198.51.100.0/24', '--duration', '2h', '--reason', 'abuse report', '--store', store);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /^added ban 198\.51\.100\.0\/24 for 2h \(id [0-9a-f]{16}\); 'netsentinel block apply' loads it into the firewall\n$/);
  // an alert never reaches the firewall, and its line does not say it would
  const alertAdd = cli('decisions', 'add', '198.51.100.77', '--type', 'alert', '--duration', '1h', '--store', store);
  assert.equal(alertAdd.code, 0, alertAdd.stderr);
  assert.match(alertAdd.stdout, /^added alert 198\.51\.100\.77 for 1h \(id [0-9a-f]{16}\); an alert is recorded, not blocked \(--type ban blocks\)\n$/);
  assert.match(cli('decisions', 'list', '--ip', '198.51.100.0/24', '--store', store).stdout, /ban {3}high {5}198\.51\.100\.0\/24[\s\S]*abuse report {2}\[manual\]/);
  // its simulated and its real ban and alert
  const del = cli('decisions', 'delete', '203.0.113.5', '--store', store);
  assert.match(del.stdout, /^deleted 4 decisions about 203\.0\.113\.5/);
  assert.equal(cli('decisions', 'delete', '203.0.113.5', '--store', store).code, 2);
  const n = cli('notify', '--store', store);
  assert.equal(n.code, 0);
  assert.match(n.stdout, /Outbox in sqlite:.*\n {2}empty\nNo channel configured/);
});

test('bad input: one line, exit 2, naming the file, line or key', () => {
  const out = analysisFolder();
  const store = join(out, '..', 'n.db');
  const missing = cli('respond', join(out, 'nope'), '--store', store);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^netsentinel: respond: .*nope does not exist \(give the --out folder of a finished analyze\)\n$/);
  const csvDir = join(out, '..', 'csv');
  mkdirSync(csvDir);
  writeFileSync(join(csvDir, 'risky_ips.csv'), 'ip,risk,reasons\n203.0.113.1,0.99,a\n203.0.113.2,high,b\n');
  const badCsv = cli('respond', csvDir, '--store', store);
  assert.equal(badCsv.code, 2);
  assert.match(badCsv.stderr, /^netsentinel: .*csv\/risky_ips\.csv line 3, column "risk": "high" is not a number\n$/);
  const cfg = join(out, '..', 'bad.yaml');
  writeFileSync(cfg, 'respond:\n  severity:\n    high: 7\n');
  const badCfg = cli('respond', out, '--store', store, '--config', cfg);
  assert.equal(badCfg.code, 2);
  assert.match(badCfg.stderr, /^netsentinel: .*bad\.yaml: respond\.severity\.high must be a risk in \(0, 1\], got 7\n$/);
  writeFileSync(cfg, 'webhook:\n  url: http://127.0.0.1:9/x\n  maxRetries: -1\n');
  assert.match(cli('notify', '--store', store, '--config', cfg).stderr, /bad\.yaml: webhook\.maxRetries must be a whole number from 0 to 20, got -1/);
  const notIp = cli('decisions', 'add', 'example..org', '--store', store);
  assert.equal(notIp.code, 2);
  assert.match(notIp.stderr, /decisions add: "example\.\.org" is not an IPv4\/IPv6 address or network/);
  assert.match(cli('decisions', 'add', '203.0.113.1', '--duration', 'soon', '--store', store).stderr, /--duration: "soon" is not a duration/);
  assert.match(cli('decisions', 'purge', '--store', store).stderr, /decisions: unknown action "purge"; use list, add or delete/);
  const help = cli('respond', '--help');
  assert.match(help.stdout, /DRY RUN BY DEFAULT/);
  assert.match(help.stdout, /Examples:\n {2}netsentinel analyze/);
});

test('analyze --respond runs the policy as a sink after the outputs are in place (the shipped loopback sample)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-analyze-respond-'));
  const sample = fileURLToPath(new URL('../../../samples/loopback/', import.meta.url));
  assert.equal(cli('baseline', join(sample, 'normal.csv'), '-o', join(dir, 'b.nsb'), '-q').code, 0);
  const r = cli('analyze', join(sample, 'traffic.csv'), '-b', join(dir, 'b.nsb'), '-o', join(dir, 'out'), '--store', join(dir, 'n.db'), '--no-report', '-q', '--respond', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { riskyIps: { ip: string }[]; respond: { apply: boolean; decisions: { value: string; type: string; simulated: boolean }[]; skipped: { value: string; why: string }[]; files: Record<string, string> } };
  assert.equal(j.respond.apply, false);
  // the scanner and the brute forcer are on loopback: alerted, never banned
  assert.deepEqual(j.respond.decisions.map((d) => `${d.value} ${d.type}`).sort(), ['127.0.0.66 alert', '127.0.0.77 alert']);
  assert.ok(j.respond.decisions.every((d) => d.simulated));
  assert.deepEqual(j.respond.skipped.filter((s) => s.why === 'allowlisted').map((s) => s.value).sort(), ['127.0.0.66', '127.0.0.77']);
  assert.equal(readFileSync(j.respond.files.blockedIps, 'utf8'), '');
  assert.equal(JSON.parse(cli('decisions', 'list', '--all', '--json', '--store', join(dir, 'n.db')).stdout).decisions.length, 2);
});

test('analyze --respond --store none: the decisions go to NETSENTINEL_STORE (the run\'s next store choice), not ./netsentinel.db', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-analyze-respond-none-'));
  const sample = fileURLToPath(new URL('../../../samples/loopback/', import.meta.url));
  assert.equal(cli('baseline', join(sample, 'normal.csv'), '-o', join(dir, 'b.nsb'), '-q').code, 0);
  const envStore = join(dir, 'env.db');
  const run = spawnSync(process.execPath, [CLI, 'analyze', join(sample, 'traffic.csv'), '-b', join(dir, 'b.nsb'), '-o', join(dir, 'out'), '--store', 'none', '--no-report', '-q', '--respond', '--json'], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: envStore },
  });
  assert.equal(run.status, 0, run.stderr);
  const j = JSON.parse(run.stdout) as { respond: { store: string; stored: number } };
  assert.equal(j.respond.store, envStore);
  assert.equal(j.respond.stored, 2);
  assert.equal(existsSync(join(dir, 'netsentinel.db')), false, 'the decisions went to ./netsentinel.db');
  assert.equal(JSON.parse(cli('decisions', 'list', '--all', '--json', '--store', envStore).stdout).decisions.length, 2);
});

test('reading verbs on a store that does not exist say so (exit 2) and create nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-nostore-'));
  const missing = join(dir, 'typo.db');
  for (const argv of [['decisions', 'list'], ['decisions', 'delete', '203.0.113.5'], ['keys', 'list'], ['models']]) {
    const r = cli(...argv, '--store', missing);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${argv[0]}.*no store at .*typo\\.db \\(no such file`), argv.join(' '));
    assert.equal(existsSync(missing), false, `${argv.join(' ')} created ${missing}`);
  }
  // writing verbs still create it
  assert.equal(cli('decisions', 'add', '203.0.113.5', '--store', missing).code, 0);
  assert.equal(JSON.parse(cli('decisions', 'list', '--json', '--store', missing).stdout).decisions.length, 1);
});
