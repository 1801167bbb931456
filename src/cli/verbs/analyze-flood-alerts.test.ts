/**
 * A SYN flood from forged random sources (what `hping3 -S --flood --rand-source` sends) through
 * `netsentinel analyze`, as a user runs it on a capture: every SYN comes from another address, so the
 * per-source flow-alert limit holds nothing back and each SYN was a flow alert of its own (a 2 s
 * flood of 20,000 SYNs: 20,000 flow alerts). The per-target limit makes it 100 for the flooded host,
 * says so in the summary and the text, and the counts still add up; the forged senders with nothing
 * else against them get no risky-source alert each (still listed as risky); `--flow-alerts-per-target 0`
 * gives the old one-per-flow. The captures are written here: a baseline of ordinary web
 * connections, then the flood.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ipFrame, tcpSegment, TCP } from '../../testing/frame-builder.js';
import { writePcap, type RawPacket } from '../../testing/capture-writer.js';
import { webConnection } from '../../testing/web-connections.js';
import { forgedAddresses } from '../../testing/forged-addresses.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-flood-alerts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_796_000_000_000_000;
const VICTIM = '10.0.0.5';
const FLOOD = 3000;

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** 400 ordinary web connections from 8 clients to 2 servers: handshake, request, reply, close */
function ordinary(): RawPacket[] {
  const pk: RawPacket[] = [];
  for (let i = 0; i < 400; i++) pk.push(...webConnection(`10.1.0.${10 + (i % 8)}`, `10.2.0.${1 + (i % 2)}`, 40000 + i, T0 + i * 250_000, 200 + (i % 50), 1200 + (i % 300)));
  return pk.sort((a, b) => a.tsMicros - b.tsMicros);
}

/** FLOOD SYNs to VICTIM:80 within 0.3 s, each from a random public-looking address (xorshift32) */
function flood(): RawPacket[] {
  // as hping3's: any address, some of them bogons (loopback, multicast, reserved)
  return forgedAddresses(FLOOD, 0x9e3779b9).map((src, i) => ({ tsMicros: T0 + 200_000_000 + i * 100, data: ipFrame({ src, dst: VICTIM, proto: 6, payload: tcpSegment(1024 + (i % 60000), 80, TCP.SYN, i) }) }));
}

before(() => {
  writeFileSync(join(dir, 'ordinary.pcap'), writePcap(ordinary(), { linkType: 1 }));
  writeFileSync(join(dir, 'flood.pcap'), writePcap(flood(), { linkType: 1 }));
  const b = run(['baseline', 'ordinary.pcap', '-o', 'web.nsb', '-q', '--threads', '1']);
  assert.equal(b.code, 0, b.err);
});

test('a flood from forged sources: 100 flow alerts for the flooded host, not one per forged source; the rest counted, and every count adds up', () => {
  const r = run(['analyze', 'flood.pcap', '-b', 'web.nsb', '-o', 'limited', '--store', 'none', '--json', '-q', '--threads', '1']);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  const a = s.alerts;
  // the SYNs are each a risky flow from a source of its own
  assert.ok(s.riskyFlows >= FLOOD * 0.9, `most SYNs are risky flows (${s.riskyFlows})`);
  assert.equal(a.flowAlertsPerTarget, 100);
  assert.equal(a.flowAlerts, 100);
  assert.equal(a.flowAlertsSuppressedByTarget, s.riskyFlows - 100);
  assert.equal(a.flowAlertsSuppressed, s.riskyFlows - 100, 'no source reached its own limit: only the target limit held flows back');
  assert.deepEqual(a.suppressedTargets, [{ ip: VICTIM, suppressed: s.riskyFlows - 100 }]);
  for (const ip of s.riskyIps) assert.equal(ip.flowAlerts.written + ip.flowAlerts.suppressed + ip.flowAlerts.leftOut, ip.riskyFlows, ip.ip);
  // the risky sources with nothing against them but flows the target's limit held back (the forged
  // senders) have no alert of their own; every finding, and every other risky source, has its alert
  const folded = s.riskyIps.filter((r: any) => r.floodSender === true);
  assert.ok(folded.length > FLOOD / 2, `most forged senders are folded (${folded.length})`);
  for (const r of folded) assert.deepEqual([r.rules, r.riskyFlows], [[], r.flowAlerts.written + r.flowAlerts.suppressed], r.ip);
  assert.equal(a.sourceAlertsFolded, folded.length);
  assert.equal(a.written, a.flowAlerts + s.findings + s.riskyIps.length - a.sourceAlertsFolded);
  const alerts = readFileSync(join(dir, 'limited', 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(alerts.length, a.written);
  const alerted = new Set(alerts.filter((x) => x.alert.signature === 'netsentinel: risky source').map((x) => x.src_ip));
  for (const r of s.riskyIps) assert.equal(alerted.has(r.ip), !folded.includes(r), `${r.ip}: a source alert unless folded`);
  // the flood findings say what the suppressed alerts would have; the forged bogon sources are one finding about the target
  assert.ok(s.findingsByRule['packet.syn-flood'] >= 1, JSON.stringify(s.findingsByRule));
  assert.equal(s.findingsByRule['spoofing.bogon-source'], 1, JSON.stringify(s.findingsByRule));

  const text = run(['analyze', 'flood.pcap', '-b', 'web.nsb', '-o', 'limited-text', '--store', 'none', '-q', '--threads', '1', '--no-report']);
  assert.equal(text.code, 0, text.err);
  const held = (s.riskyFlows - 100).toLocaleString('en-US');
  const line = `${held} of ${s.riskyFlows.toLocaleString('en-US')} risky flows folded into flow-alert limits: 0 over the per-source limit (10 flow alerts per source per 60 s; --flow-alerts-per-source, --flow-alert-window; 0 = no limit) and ${held} over the per-target limit (100 flow alerts per target per 60 s, reached by 1 target: ${VICTIM} ${held}; --flow-alerts-per-target)`;
  assert.ok(text.out.includes(line), text.out.split('\n').filter((l) => l.includes('folded')).join('\n'));
  assert.ok(text.out.includes(`${folded.length.toLocaleString('en-US')} risky sources with nothing against them but flows held back by a target's limit`), 'the text says how many source alerts were folded');
});

test('respond neither bans nor notifies on the forged senders, and says so', () => {
  const s = JSON.parse(readFileSync(join(dir, 'limited', 'summary.json'), 'utf8'));
  const senders = new Set<string>(s.riskyIps.filter((r: any) => r.floodSender === true).map((r: any) => r.ip));
  assert.ok(senders.size > FLOOD / 2);
  const r = run(['respond', 'limited', '--store', 'respond.db', '--json', '-q']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  const decided = j.decisions.map((d: any) => d.value);
  assert.equal(decided.filter((v: string) => senders.has(v)).length, 0, 'no decision on a forged sender');
  // the flooded host: one alert that it is under attack (the flood findings name no source), no ban
  const victim = j.decisions.filter((d: any) => d.value === VICTIM);
  assert.deepEqual(victim.map((d: any) => [d.type, d.reasonKey.startsWith('target:')]), [['alert', true]]);
  assert.match(victim[0].reason, /^under attack: .*packet\.syn-flood: /);
  const skipped = j.skipped.filter((x: any) => x.why === 'flood-sender');
  assert.equal(new Set(skipped.map((x: any) => x.value)).size, senders.size);
  assert.match(skipped[0].detail, /one of many senders towards a flooded host/);
  const blocked = readFileSync(join(dir, 'limited', 'blocked_ips.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(blocked.filter((ip) => senders.has(ip)).length, 0, 'none in the blocklist');
  const text = run(['respond', 'limited', '--store', 'respond-text.db', '-q']);
  assert.match(text.out, new RegExp(`${senders.size.toLocaleString('en-US')} senders of a flood towards one host \\(no ban or alert each`));
});

/**
 * `stream --stdin --respond --json` over the flood's flows (flood.csv), with `args` more: its alerts,
 * and its stats (the last stderr line). The decisions go to the default store: one of the test's own,
 * in `xdg` under the test's folder.
 */
function streamFlood(args: string[], xdg: string): { alerts: any[]; stats: any } {
  const r = spawnSync(process.execPath, [main, 'stream', '--stdin', '-b', 'web.nsb', '--store', 'none', '--respond', '--json', ...args], {
    encoding: 'utf8',
    cwd: dir,
    input: readFileSync(join(dir, 'flood.csv')),
    env: { ...process.env, XDG_DATA_HOME: join(dir, xdg) },
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, r.stderr);
  return { alerts: r.stdout.trim().split('\n').map((l) => JSON.parse(l)), stats: JSON.parse(r.stderr.trim().split('\n').pop() as string) };
}

test('stream: the same flood read by a worker folds the forged senders\' alerts into one per flooded host and message, and stream --respond decides nothing on them (it tells of the flooded host)', () => {
  const f = run(['flows', 'flood.pcap', '-o', 'flood.csv', '-q']);
  assert.equal(f.code, 0, f.err);
  const { alerts, stats } = streamFlood([], 'xdg');
  // the forged senders' risky-source alerts are folded into one per flooded host and message (they
  // were one alert each, 7,323 for a 2 s flood), counting them and naming the first
  const folded = alerts.filter((a) => a.alert.signature === 'netsentinel: flood senders');
  const senders = folded.reduce((n, a) => n + a.netsentinel.floodSenders, 0);
  assert.ok(senders > FLOOD / 2, `most forged senders folded (${senders})`);
  assert.ok(folded.every((a) => a.dest_ip === '10.0.0.5' && a.src_ip === undefined && a.netsentinel.sendersSample.length > 0), JSON.stringify(folded[0]));
  assert.match(folded[0].netsentinel.reasons[0], /risky sources? known only by risky flows towards 10\.0\.0\.5, whose per-target flow-alert limit held flows back: senders of a flood/);
  assert.equal(alerts.filter((a) => a.alert.signature === 'netsentinel: risky source' && a.netsentinel.floodSender === true).length, 0, 'no alert per forged sender');
  assert.ok(alerts.length < 300, `a few hundred alerts at most (${alerts.length})`);
  assert.equal(stats.flowAlerts, 100);
  // the forged bogon senders' findings are one finding about the target, as in analyze, so every
  // risky source is a flagged forged sender: respond decides nothing on any of them, and tells of
  // the flooded host (one alert, never a ban)
  assert.equal(alerts.filter((a) => a.netsentinel.rule === 'spoofing.bogon-source').length, 1);
  assert.equal(alerts.filter((a) => a.netsentinel.rule !== undefined && a.src_ip).length, 0, 'no finding names a forged source');
  assert.equal(alerts.filter((a) => a.alert.signature === 'netsentinel: risky source').length, 0);
  assert.equal(stats.respond.decisions, 1);
  const listed = spawnSync(process.execPath, [main, 'decisions', 'list', '--all', '--json'], { encoding: 'utf8', cwd: dir, env: { ...process.env, XDG_DATA_HOME: join(dir, 'xdg') } });
  assert.equal(listed.status, 0, listed.stderr);
  const decided = JSON.parse(listed.stdout).decisions;
  assert.deepEqual(decided.map((d: any) => [d.value, d.type, d.reasonKey]), [['10.0.0.5', 'alert', 'target:flood.target-connections']]);
  assert.match(decided[0].reason, /^under attack: flood\.target-connections: 10\.0\.0\.5 received .*; spoofing\.bogon-source: .* \(no sender address to ban: the senders are many or forged\)$/);

  // respond.banFloodSenders: true bans them, so the worker keeps their alerts one by one, marked
  writeFileSync(join(dir, 'ban-senders.yaml'), 'respond:\n  banFloodSenders: true\n');
  const ban = streamFlood(['--config', 'ban-senders.yaml'], 'xdg-ban');
  const each = ban.alerts.filter((a) => a.alert.signature === 'netsentinel: risky source' && a.netsentinel.floodSender === true);
  assert.equal(each.length, senders);
  assert.ok(ban.stats.respond.decisions > 0);
});

test('--flow-alerts-per-target 0: one flow alert per risky flow again, as before the limit', () => {
  const r = run(['analyze', 'flood.pcap', '-b', 'web.nsb', '-o', 'off', '--store', 'none', '--json', '-q', '--threads', '1', '--flow-alerts-per-target', '0']);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.alerts.flowAlerts, s.riskyFlows);
  assert.equal(s.alerts.flowAlertsSuppressedByTarget, 0);
  // and with the per-source limit off too, nothing is limited (the old meaning of --flow-alerts-per-source 0)
  const none = JSON.parse(run(['analyze', 'flood.pcap', '-b', 'web.nsb', '-o', 'none', '--store', 'none', '--json', '-q', '--threads', '1', '--flow-alerts-per-source', '0']).out);
  assert.equal(none.alerts.flowAlertsPerTarget, undefined);
  assert.equal(none.alerts.written, none.riskyFlows + none.findings + none.riskyIps.length);
});
