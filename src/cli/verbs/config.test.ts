/** `netsentinel config show` end to end: the analysis sections' and the rules' settings beside the others, in text and --json. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RULE_PARAMETERS } from '../../detect/rules-config.js';
import { ANALYSIS_PARAMETERS } from '../../config/analysis-config.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], extraEnv: Record<string, string> = {}): { code: number; out: string; err: string } {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('NETSENTINEL_')) delete env[k];
  Object.assign(env, extraEnv);
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, env });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const conf = join(dir, 'ns.yaml');
writeFileSync(conf, 'rules:\n  beaconing:\n    connections: 12\n    ignorePorts: [53, 123]\n');

test('config show lists every rule setting with its effective value and where it came from', () => {
  const r = run(['config', 'show', '-c', conf]);
  assert.equal(r.code, 0, r.err);
  const line = (key: string) => r.out.split('\n').find((l) => l.startsWith(`${key} `)) ?? assert.fail(`no line for ${key}:\n${r.out}`);
  assert.match(line('rules.beaconing.connections'), /^rules\.beaconing\.connections +12 +file: .*ns\.yaml$/);
  assert.match(line('rules.beaconing.ignorePorts'), /^rules\.beaconing\.ignorePorts +\[53,123\] +file: /);
  assert.match(line('rules.beaconing.maxJitter'), /^rules\.beaconing\.maxJitter +0\.05 +default$/);
  assert.match(line('rules.beaconing.regularShare'), /^rules\.beaconing\.regularShare +0\.85 +default$/);
  for (const p of RULE_PARAMETERS) line(`rules.${p.path}`);
});

test('config show --json: a rules list with value, default, source, origin and what each does', () => {
  const r = run(['config', 'show', '-c', conf, '--json']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { rules: { key: string; value: unknown; default: unknown; source: string; origin: string | null; description: string }[] };
  assert.equal(doc.rules.length, RULE_PARAMETERS.length);
  const by = new Map(doc.rules.map((x) => [x.key, x]));
  assert.deepEqual(by.get('rules.beaconing.connections'), { key: 'rules.beaconing.connections', value: 12, default: 8, source: 'file', origin: conf, description: RULE_PARAMETERS.find((p) => p.path === 'beaconing.connections')!.description });
  assert.deepEqual({ ...by.get('rules.beaconing.windowSeconds'), description: '' }, { key: 'rules.beaconing.windowSeconds', value: 600, default: 600, source: 'default', origin: null, description: '' });
});

test('config --help says what every rule setting does and its default', () => {
  const r = run(['config', '--help']);
  assert.equal(r.code, 0, r.err);
  for (const p of RULE_PARAMETERS) assert.ok(r.out.includes(`rules.${p.path} `), `rules.${p.path} in the help`);
  assert.match(r.out, /rules\.beaconing\.maxJitter +a connection is on the beat .* \(default 0\.05\)/);
});

test('config show aligns its columns to the longest key and value, rules and settings alike', () => {
  const r = run(['config', 'show', '-c', conf]);
  assert.equal(r.code, 0, r.err);
  const rows = r.out.split('\n').filter((l) => /^[a-z][\w.-]+ {2,}\S/.test(l) && !l.startsWith('config file:'));
  assert.ok(rows.length > RULE_PARAMETERS.length, r.out);
  const longest = Math.max(...rows.map((l) => l.indexOf(' ')));
  // every value starts two spaces after the longest key (rules.flood.targetConnectionsPerSecond is 38 characters)
  for (const l of rows) assert.equal(l.length - l.slice(longest).trimStart().length, longest + 2, l);
  // and every source in one column, after values up to 48 characters (the URLs; not the long port list)
  const sourceAt = (l: string) => Math.max(l.lastIndexOf('  default'), l.lastIndexOf('  file: ')) + 2;
  const short = rows.filter((l) => l.slice(longest + 2, sourceAt(l)).trimEnd().length <= 48);
  assert.ok(short.some((l) => l.includes('https://ipqualityscore.com/api/json/ip')));
  assert.equal(new Set(short.map(sourceAt)).size, 1, short.join('\n'));
});

const analysisConf = join(dir, 'analysis.yaml');
writeFileSync(analysisConf, 'thresholds:\n  flow: 0.98\nweights:\n  detectors:\n    isolation-forest: 2\nalerts:\n  maxFlowAlerts: 500\nstore: postgres://ns:pg-secret@db/ns\n');

test('config show lists every key of thresholds, weights, alerts and store with its value and source', () => {
  const r = run(['config', 'show', '-c', analysisConf]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  const line = (key: string) => {
    const found = lines.filter((l) => l.startsWith(`${key} `));
    assert.equal(found.length, 1, `one line for ${key}:\n${r.out}`);
    return found[0];
  };
  assert.match(line('thresholds.flow'), /^thresholds\.flow +0\.98 +file: .*analysis\.yaml$/);
  assert.match(line('thresholds.ip'), /^thresholds\.ip +0\.99 +default$/);
  assert.match(line('thresholds.verdict'), /^thresholds\.verdict +0\.95 +default$/);
  assert.match(line('weights.detectors.isolation-forest'), /^weights\.detectors\.isolation-forest +2 +file: /);
  assert.match(line('weights.detectors.autoencoder'), /^weights\.detectors\.autoencoder +1 +default$/);
  assert.match(line('alerts.maxFlowAlerts'), /^alerts\.maxFlowAlerts +500 +file: /);
  assert.match(line('alerts.flowAlertsPerSource'), /^alerts\.flowAlertsPerSource +10 +default$/);
  assert.match(line('alerts.flowAlertWindowSeconds'), /^alerts\.flowAlertWindowSeconds +60 +default$/);
  // the store's password masked, as the settings' are
  assert.match(line('store'), /^store +postgres:\/\/ns:\*\*\*\*@db\/ns +file: /);
  assert.ok(!r.out.includes('pg-secret'));
  for (const p of ANALYSIS_PARAMETERS) line(p.key);
});

test('config show --json: an analysis list with value, default, source, origin, variable and flags', () => {
  const r = run(['config', 'show', '-c', analysisConf, '--json']);
  assert.equal(r.code, 0, r.err);
  type Row = { key: string; value: unknown; default: unknown; source: string; origin: string | null; env: string | null; flags: string | null; description: string };
  const doc = JSON.parse(r.out) as { analysis: Row[]; settings: { key: string }[] };
  assert.deepEqual(doc.analysis.map((a) => a.key), ANALYSIS_PARAMETERS.map((p) => p.key));
  const by = new Map(doc.analysis.map((x) => [x.key, x]));
  assert.deepEqual({ ...by.get('thresholds.flow')!, description: '' }, { key: 'thresholds.flow', value: 0.98, default: 0.999, source: 'file', origin: analysisConf, env: null, flags: '--flow-threshold (analyze, capture, stream)', description: '' });
  assert.deepEqual([by.get('thresholds.ip')!.value, by.get('thresholds.ip')!.source, by.get('thresholds.ip')!.origin], [0.99, 'default', null]);
  assert.deepEqual([by.get('alerts.maxFlowAlerts')!.value, by.get('alerts.maxFlowAlerts')!.default, by.get('alerts.maxFlowAlerts')!.source], [500, 100000, 'file']);
  assert.deepEqual([by.get('store')!.value, by.get('store')!.env], ['postgres://ns:****@db/ns', 'NETSENTINEL_STORE']);
  // listed once: not again among the generic settings
  for (const k of ['thresholds.flow', 'alerts.maxFlowAlerts', 'store', 'weights.detectors.isolation-forest']) assert.ok(!doc.settings.some((x) => x.key === k), k);
});

test('config show: NETSENTINEL_STORE over the file, as a run takes it; a variable no run reads is said, not listed as in effect', () => {
  const r = run(['config', 'show', '-c', analysisConf, '--json'], { NETSENTINEL_STORE: '/var/lib/ns/alerts.db', NETSENTINEL_THRESHOLDS_FLOW: '0.5' });
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { analysis: { key: string; value: unknown; source: string; origin: string | null }[] };
  const store = doc.analysis.find((a) => a.key === 'store')!;
  assert.deepEqual([store.value, store.source, store.origin], ['/var/lib/ns/alerts.db', 'environment', 'NETSENTINEL_STORE']);
  const flow = doc.analysis.find((a) => a.key === 'thresholds.flow')!;
  assert.deepEqual([flow.value, flow.source], [0.98, 'file']);
  assert.match(r.err, /NETSENTINEL_THRESHOLDS_FLOW \(environment\) is not read by a run; set thresholds\.flow in the config file or give --flow-threshold/);
  const text = run(['config', 'show', '-c', analysisConf], { NETSENTINEL_STORE: '/var/lib/ns/alerts.db' });
  assert.match(text.out, /^store +\/var\/lib\/ns\/alerts\.db +environment: NETSENTINEL_STORE$/m);
});

test('config show refuses a bad analysis value with the one line a run gives', () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'thresholds:\n  flow: 2\n');
  const shown = run(['config', 'show', '-c', bad]);
  assert.equal(shown.code, 2);
  assert.equal(shown.err, `netsentinel: ${bad}: thresholds.flow must be a number between 0 and 1, got 2\n`);
  const data = join(dir, 'flows.csv');
  writeFileSync(data, 'Source IP,Destination IP,Destination Port,Protocol,Flow Duration,Label\n10.0.0.1,10.0.0.2,80,6,100,BENIGN\n');
  const analyzed = run(['analyze', data, '-c', bad, '-o', join(dir, 'out'), '--store', 'none']);
  assert.equal(analyzed.code, 2);
  assert.equal(analyzed.err.trim().split('\n').pop(), shown.err.trim());
  writeFileSync(bad, 'alerts:\n  maxFlowAlerts: -1\n');
  assert.match(run(['config', 'show', '-c', bad]).err, /^netsentinel: .*bad\.yaml: alerts\.maxFlowAlerts must be a whole number ≥ 0 \(0 = no cap\), got -1\n$/);
});

test('config --help says what every analysis setting does, its default and the flag that overrides it', () => {
  const r = run(['config', '--help']);
  assert.equal(r.code, 0, r.err);
  for (const p of ANALYSIS_PARAMETERS) assert.match(r.out, new RegExp(`^${p.key.replace(/\./g, '\\.')} +\\S.*\\(default ${JSON.stringify(p.default).replace(/\./g, '\\.')}`, 'm'), p.key);
  assert.match(r.out, /^thresholds\.flow +a flow with risk at or above this gets an alert .*\(default 0\.999; flag --flow-threshold/m);
  assert.match(r.out, /^store +.*environment NETSENTINEL_STORE; flag --store/m);
});
