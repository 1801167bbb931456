/** `netsentinel config show` end to end: the rules' settings beside the others, in text and --json. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RULE_PARAMETERS } from '../../detect/rules-config.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { code: number; out: string; err: string } {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('NETSENTINEL_')) delete env[k];
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
