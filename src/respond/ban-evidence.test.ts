/**
 * A ban wants corroborated evidence. On the CIC-IDS2017 sample users saw benign hosts banned:
 *  - `analyze BENIGN Portscan --respond` without a baseline (self-fitted) banned 11 internal hosts,
 *    the domain controller 192.168.10.3 among them;
 *  - `stream --stdin --baseline office.nsb --respond` over BENIGN then Portscan banned 192.168.10.25;
 *  - `analyze BENIGN -b office.nsb` (the baseline's own training data) put 192.168.10.50 at risk 1
 *    by volume, so `--fail-on 0.9999` exited 1 on normal traffic.
 * All three were risk decided by the volume of ordinary flows; the per-source fusion now counts a
 * source's flows as correlated evidence (src/risk/fusion.ts), and these tests hold that on the real
 * files. What remained: a self-fitted run's risk alone still banned the benign 8.6.0.1 (2 flows,
 * risk 0.99996 beside the Slowhttptest flood). Its detectors were fitted on the traffic being
 * judged, so that risk is alerted on, not banned, unless a rule finding, intel or a classifier
 * backs it (respond.banSelfFitted: true bans it). With a baseline, risk alone still bans: the
 * Heartbleed attacker has no rule finding and must stay banned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { runPolicy } from './policy.js';
import { Allowlist } from './allowlist.js';
import { DEFAULT_RESPOND_CONFIG, respondConfigFrom } from './respond-config.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
function cli(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, maxBuffer: 256 << 20, env: { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const DATA = 'datasets/cicids2017-sample';
const file = (name: string): string => sharedPath(DATA, name)!;

interface Decision {
  type: string;
  value: string;
  reason: string;
}
interface Skipped {
  value: string;
  type: string | null;
  why: string;
  detail: string;
}
const bansOf = (decisions: readonly Decision[]): string[] => decisions.filter((d) => d.type === 'ban').map((d) => d.value).sort();

test('self-fitted CIC-IDS2017 Slowhttptest: the flooder is banned, the benign 8.6.0.1 (risk alone) is alerted, not banned', { skip: skipWithoutShared(DATA, 'DoS_Slowhttptest_1740.csv') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-ban-evidence-'));
  const out = join(dir, 'out');
  const a = cli(['analyze', file('BENIGN_2500.csv'), file('DoS_Slowhttptest_1740.csv'), '-o', out, '--respond', '--store', join(dir, 'a.db'), '-q', '--json']);
  assert.equal(a.code, 0, a.stderr);
  const doc = JSON.parse(a.stdout);
  assert.equal(doc.mode, 'self-fitted');
  // the premise: the benign host's risk alone is high enough to ban
  const benign = (doc.riskyIps as { ip: string; risk: number; rules: string[] }[]).find((r) => r.ip === '8.6.0.1');
  assert.ok(benign && benign.risk >= DEFAULT_RESPOND_CONFIG.severity.high && benign.rules.length === 0, `8.6.0.1 is risky on its risk alone: ${JSON.stringify(benign)}`);

  assert.deepEqual(bansOf(doc.respond.decisions), ['172.16.0.1'], 'the attacker (its own finding) is banned, nobody else');
  const skipped = (doc.respond.skipped as Skipped[]).filter((s) => s.why === 'self-fitted');
  assert.deepEqual(skipped.map((s) => `${s.value} ${s.type}`), ['8.6.0.1 ban']);
  assert.match(skipped[0].detail, /fitted on the traffic being judged \(no baseline\); no rule finding, threat intelligence or classifier attack class backs it \(respond\.banSelfFitted: true bans it/);
  const alert = (doc.respond.decisions as Decision[]).find((d) => d.type === 'alert' && d.value === '8.6.0.1');
  assert.ok(alert, 'the benign host is still alerted on');
  assert.match(alert.reason, /\(its risk is from detectors fitted on the traffic being judged \(no baseline\), nothing else: not blocked\)$/);
  assert.equal(readFileSync(join(out, 'blocked_ips.txt'), 'utf8'), '172.16.0.1');

  // `respond OUTDIR` reads the run's mode from summary.json and decides the same, in text too
  const r = cli(['respond', out, '--store', join(dir, 'r.db')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 ban on a risk without a baseline alone/);
  assert.match(r.stdout, /not banned: 8\.6\.0\.1: its risk is from detectors fitted on the traffic being judged/);
  assert.equal(readFileSync(join(out, 'blocked_ips.txt'), 'utf8'), '172.16.0.1');

  // one setting bans on a self-fitted risk alone again
  const cfg = join(dir, 'c.yaml');
  writeFileSync(cfg, 'respond:\n  banSelfFitted: true\n');
  const old = cli(['respond', out, '--store', join(dir, 'o.db'), '--config', cfg, '--json']);
  assert.equal(old.code, 0, old.stderr);
  assert.deepEqual(bansOf(JSON.parse(old.stdout).decisions), ['172.16.0.1', '8.6.0.1']);
});

test('CIC-IDS2017 against a baseline: the Heartbleed attacker is banned on its risk alone; the baseline\'s own traffic bans nobody and stays below --fail-on 0.9999', { skip: skipWithoutShared(DATA, 'Heartbleed_11.csv') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-ban-evidence-'));
  const baseline = join(dir, 'office.nsb');
  const b = cli(['baseline', file('BENIGN_2500.csv'), '-o', baseline, '-q']);
  assert.equal(b.code, 0, b.stderr);

  const a = cli(['analyze', file('BENIGN_2500.csv'), file('Heartbleed_11.csv'), '-b', baseline, '-o', join(dir, 'hb'), '--respond', '--store', join(dir, 'hb.db'), '-q', '--json']);
  assert.equal(a.code, 0, a.stderr);
  const doc = JSON.parse(a.stdout);
  const attacker = (doc.riskyIps as { ip: string; rules: string[] }[]).find((r) => r.ip === '172.16.0.1');
  assert.deepEqual(attacker?.rules, [], 'the premise: no rule finding about the Heartbleed attacker');
  assert.deepEqual(bansOf(doc.respond.decisions), ['172.16.0.1']);
  assert.deepEqual(doc.respond.skipped, []);

  // the baseline's own training data: no source at 0.9999, nothing banned
  const own = cli(['analyze', file('BENIGN_2500.csv'), '-b', baseline, '-o', join(dir, 'own'), '--respond', '--store', join(dir, 'own.db'), '-q', '--json', '--fail-on', '0.9999']);
  assert.equal(own.code, 0, `--fail-on 0.9999 on normal traffic: ${own.stderr}`);
  const ownDoc = JSON.parse(own.stdout);
  assert.deepEqual(bansOf(ownDoc.respond.decisions), []);
  assert.ok(!(ownDoc.riskyIps as { ip: string }[]).some((r) => r.ip === '192.168.10.50'), '192.168.10.50 is not a risky source of its own baseline');

  // the stream over BENIGN then Portscan bans the scanner alone (192.168.10.25 was banned on its risk)
  const scan = readFileSync(file('Portscan_2500.csv'), 'utf8');
  const input = readFileSync(file('BENIGN_2500.csv'), 'utf8') + scan.slice(scan.indexOf('\n') + 1);
  const db = join(dir, 'stream.db');
  const s = cli(['stream', '--stdin', '--baseline', baseline, '--respond', '--store', db, '-q'], input);
  assert.equal(s.code, 0, s.stderr);
  const list = cli(['decisions', 'list', '--all', '--store', db, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout);
  assert.deepEqual([...new Set(bansOf(listed.decisions ?? listed))], ['172.16.0.1']);
});

test('self-fitted BENIGN + Portscan: the scanner alone is banned, no internal host (the domain controller 192.168.10.3 was)', { skip: skipWithoutShared(DATA, 'Portscan_2500.csv') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-ban-evidence-'));
  const a = cli(['analyze', file('BENIGN_2500.csv'), file('Portscan_2500.csv'), '-o', join(dir, 'two'), '--respond', '--store', join(dir, 'a.db'), '-q', '--json']);
  assert.equal(a.code, 0, a.stderr);
  assert.deepEqual(bansOf(JSON.parse(a.stdout).respond.decisions), ['172.16.0.1']);
});

test('a self-fitted risk alone bans nobody; a rule finding, intel or a classifier attack class backs it; a baseline run is not self-fitted', () => {
  const ctx = { config: DEFAULT_RESPOND_CONFIG, allowlist: new Allowlist([]), origin: 'analyze:t', nowMs: Date.parse('2026-12-06T08:00:00Z'), apply: true };
  const r = runPolicy(
    [
      { ip: '198.51.100.1', risk: 1, selfFitted: true },
      { ip: '198.51.100.2', risk: 1, selfFitted: true, rules: [{ ruleId: 'brute-force', severity: 3, reason: 'guessed passwords' }] },
      { ip: '198.51.100.3', risk: 1, selfFitted: true, intel: { score: 30, reason: 'listed' } },
      { ip: '198.51.100.4', risk: 1, selfFitted: true, attackClasses: ['DoS'] },
      { ip: '198.51.100.5', risk: 1 },
      // one input self-fitted, another against a baseline: the baseline's risk counts
      { ip: '198.51.100.6', risk: 1, selfFitted: true },
      { ip: '198.51.100.6', risk: 0.5, selfFitted: false },
      // medium: alerted either way, nothing withheld
      { ip: '198.51.100.7', risk: 0.9995, selfFitted: true },
    ],
    ctx,
  );
  assert.deepEqual(bansOf(r.decisions), ['198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5', '198.51.100.6']);
  assert.deepEqual(r.skipped.map((s) => `${s.value} ${s.type} ${s.why}`), ['198.51.100.1 ban self-fitted']);
  assert.match(r.decisions.find((d) => d.value === '198.51.100.1')!.reason, /nothing else: not blocked\)$/);
  assert.doesNotMatch(r.decisions.find((d) => d.value === '198.51.100.7')!.reason, /not blocked/);

  const config = respondConfigFrom({ banSelfFitted: true }, {}, 'x.yaml');
  assert.equal(config.banSelfFitted, true);
  assert.deepEqual(bansOf(runPolicy([{ ip: '198.51.100.1', risk: 1, selfFitted: true }], { ...ctx, config }).decisions), ['198.51.100.1']);
  assert.equal(respondConfigFrom({}, { NETSENTINEL_RESPOND_BAN_SELF_FITTED: 'true' }, 'x.yaml').banSelfFitted, true);
});
