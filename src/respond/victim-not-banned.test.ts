/**
 * A victim is never banned by default. On the CIC-IDS2017 sample, 172.16.0.1 port-scans
 * 192.168.10.50; the benign traffic beside it holds 50 flows the meter saw from 192.168.10.50's
 * side (its answers to the scanner, port 1164 → 172.16.0.1, and its own DNS, LDAP, NTP), mildly
 * unusual. They added up to risk 1 when a source's flows counted as independent evidence; counted
 * as correlated (risk/fusion.ts) they reach 0.92, which a user who lowered the thresholds (seed
 * 000 blocked every source above 0.8) still bans on. Before the policy knew who was attacked,
 * `respond` banned the scanned host beside the scanner. Now it is not banned; the victim gets an
 * alert saying why, and `respond.banTargets: true` is the one setting that bans it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { runPolicy, attacksOn, withAttacks } from './policy.js';
import { Allowlist } from './allowlist.js';
import { DEFAULT_RESPOND_CONFIG } from './respond-config.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const DATA = 'datasets/cicids2017-sample';

test('respond on the CIC-IDS2017 port scan bans the scanner, never the scanned host', { skip: skipWithoutShared(DATA, 'Portscan_2500.csv') }, () => {
  const benign = sharedPath(DATA, 'BENIGN_2500.csv')!;
  const scan = sharedPath(DATA, 'Portscan_2500.csv')!;
  const dir = mkdtempSync(join(tmpdir(), 'ns-victim-'));
  const baseline = join(dir, 'office.nsb');
  const out = join(dir, 'out');
  const b = cli('baseline', benign, '-o', baseline, '-q');
  assert.equal(b.code, 0, b.stderr);
  // thresholds lowered as a seed-000 user would: sources from 0.9 listed, and banned from 0.9
  const low = join(dir, 'low.yaml');
  writeFileSync(low, 'respond:\n  severity:\n    critical: 0.99999\n    high: 0.9\n    medium: 0.85\n    low: 0.8\n');
  const a = cli('analyze', benign, scan, '-b', baseline, '-o', out, '--store', 'none', '-q', '--json', '--ip-threshold', '0.9');
  assert.equal(a.code, 0, a.stderr);
  // the premise: the scanned host is itself a risky source here (its side of the traffic)
  const victim = (JSON.parse(a.stdout).riskyIps as { ip: string; risk: number }[]).find((r) => r.ip === '192.168.10.50');
  assert.ok(victim && victim.risk >= 0.9 && DEFAULT_RESPOND_CONFIG.severity.high > 0.9, 'the victim is risky enough to be banned on its risk at the lowered threshold');

  const r = cli('respond', out, '--store', join(dir, 'd.db'), '--config', low, '--json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.ok(doc.blocked.ipv4.includes('172.16.0.1'), JSON.stringify(doc.blocked));
  assert.ok(!doc.blocked.ipv4.includes('192.168.10.50'), JSON.stringify(doc.blocked));
  assert.ok(readFileSync(join(out, 'blocked_ips.txt'), 'utf8').split('\n').includes('172.16.0.1'));
  const bans = doc.decisions.filter((d: { type: string }) => d.type === 'ban').map((d: { value: string }) => d.value);
  assert.ok(bans.includes('172.16.0.1') && !bans.includes('192.168.10.50'), JSON.stringify(bans));
  const alert = doc.decisions.find((d: { type: string; value: string }) => d.type === 'alert' && d.value === '192.168.10.50');
  assert.ok(alert, 'the victim is still alerted on');
  assert.match(alert.reason, /target of 172\.16\.0\.1's port-scan\.vertical: not blocked/);
  assert.deepEqual(
    doc.skipped.filter((s: { why: string }) => s.why === 'victim').map((s: { value: string }) => s.value),
    ['192.168.10.50'],
  );

  // the text says it too
  const text = cli('respond', out, '--store', join(dir, 'd2.db'), '--config', low);
  assert.match(text.stdout, /not banned: 192\.168\.10\.50: target of 172\.16\.0\.1's port-scan\.vertical; its own evidence is only its risk/);

  // one setting restores banning targets on their risk
  const cfg = join(dir, 'c.yaml');
  writeFileSync(cfg, `${readFileSync(low, 'utf8')}  banTargets: true\n`);
  const old = cli('respond', out, '--store', join(dir, 'd3.db'), '--config', cfg, '--json');
  assert.equal(old.code, 0, old.stderr);
  const bannedNow = JSON.parse(old.stdout).blocked.ipv4 as string[];
  assert.ok(bannedNow.includes('172.16.0.1') && bannedNow.includes('192.168.10.50'), JSON.stringify(bannedNow));
});

test('a target with a finding of its own, or a C2 contacted by a beacon, is still banned', () => {
  const attacks = attacksOn([
    { srcIp: '203.0.113.9', ruleId: 'port-scan.vertical', category: 'reconnaissance', targets: ['198.51.100.1', '198.51.100.2'] },
    { srcIp: '198.51.100.3', ruleId: 'c2.beaconing', category: 'command-and-control', targets: ['203.0.113.66'] },
    { srcIp: null, ruleId: 'flood.target.connections', category: 'Attempted Denial of Service', targets: ['198.51.100.4'] },
  ]);
  const sources = withAttacks(
    [
      { ip: '203.0.113.9', risk: 1, rules: [{ ruleId: 'port-scan.vertical', severity: 2, reason: 'probed 40 ports' }] },
      { ip: '198.51.100.1', risk: 1 },
      { ip: '198.51.100.2', risk: 1, rules: [{ ruleId: 'brute-force', severity: 2, reason: 'guessed passwords' }] },
      { ip: '198.51.100.4', risk: 1 },
      { ip: '203.0.113.66', risk: 1 },
    ],
    attacks,
  );
  const r = runPolicy(sources, { config: DEFAULT_RESPOND_CONFIG, allowlist: new Allowlist([]), origin: 'analyze:t', nowMs: Date.parse('2026-12-06T08:00:00Z'), apply: true });
  const bans = r.decisions.filter((d) => d.type === 'ban').map((d) => d.value).sort();
  assert.deepEqual(bans, ['198.51.100.2', '203.0.113.66', '203.0.113.9']);
  assert.deepEqual(r.skipped.map((s) => `${s.value} ${s.why}`).sort(), ['198.51.100.1 victim', '198.51.100.4 victim']);
  assert.match(r.skipped.find((s) => s.value === '198.51.100.4')!.detail, /^target of flood\.target\.connections;/);
});

test('the host an ARP spoofer impersonates (arp.ip-conflict naming the spoofer) is not banned on its risk; the spoofer is', () => {
  for (const category of ['spoofing', 'Potentially Bad Traffic']) {
    const attacks = attacksOn([
      // the spoofer 10.79.0.2 took 10.79.0.1 (the victim, here the gateway)
      { srcIp: '10.79.0.2', ruleId: 'arp.ip-conflict', category, targets: ['10.79.0.1'] },
      // a duplicate address with no spoofer named: its source is the address itself, no victim
      { srcIp: '10.79.0.7', ruleId: 'arp.ip-conflict', category, targets: ['10.79.0.7'] },
      // the same spoofer's one MAC for several addresses: its own among the targets, not a victim of itself
      { srcIp: '10.79.0.2', ruleId: 'arp.mac-many-ips', category, targets: ['10.79.0.2', '10.79.0.1'] },
    ]);
    const sources = withAttacks(
      [
        { ip: '10.79.0.2', risk: 1, rules: [{ ruleId: 'arp.ip-conflict', severity: 2, reason: 'ARP spoofing of 10.79.0.1 by 10.79.0.2' }] },
        { ip: '10.79.0.1', risk: 1 },
        { ip: '10.79.0.7', risk: 1, rules: [{ ruleId: 'arp.ip-conflict', severity: 2, reason: 'a duplicate address' }] },
      ],
      attacks,
    );
    const r = runPolicy(sources, { config: DEFAULT_RESPOND_CONFIG, allowlist: new Allowlist([]), origin: 'analyze:t', nowMs: Date.parse('2026-12-06T08:00:00Z'), apply: true });
    const bans = r.decisions.filter((d) => d.type === 'ban').map((d) => d.value).sort();
    assert.deepEqual(bans, ['10.79.0.2', '10.79.0.7'], category);
    assert.deepEqual(r.skipped.map((s) => `${s.value} ${s.why}`), ['10.79.0.1 victim'], category);
    assert.match(r.skipped[0].detail, /^target of 10\.79\.0\.2's arp\.ip-conflict, 10\.79\.0\.2's arp\.mac-many-ips;/);
  }
});
