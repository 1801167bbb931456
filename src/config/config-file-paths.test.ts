/**
 * Relative paths in a config file are read from the file's folder, by every reader of the file
 * (the settings loader, the analysis loader, the respond settings), whatever the current
 * directory; absolute paths, URLs, `none`, `-` and `off` stay as written, and so do a flag's and
 * the environment's paths. A message about such a path names it as written and where it led.
 * Before, all of them were read from the current directory.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSettings } from './settings.js';
import { loadAnalysisConfig } from './analysis-config.js';
import { loadRespondSettings } from '../respond/respond-settings.js';
import { intelConfigFrom } from '../intel/intel-config.js';
import { pathsAsWritten } from './relative-paths.js';
import { DOTENV_PATH_VARIABLES } from './dotenv-paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-config-paths-'));
const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const sample = fileURLToPath(new URL('../../samples/loopback/', import.meta.url));
after(() => rmSync(dir, { recursive: true, force: true }));

const project = join(dir, 'project');
const elsewhere = join(dir, 'elsewhere');
mkdirSync(join(project, 'conf'), { recursive: true });
mkdirSync(elsewhere);
const cfg = join(project, 'conf', 'ns.yaml');
writeFileSync(
  cfg,
  [
    'store: data/alerts.db',
    'intel:',
    '  store: sqlite:cache/intel.db',
    '  feeds: [feeds/drop.txt, /abs/firehol.netset]',
    'log:',
    '  file: logs/ns.log',
    'server:',
    '  accessLog: "-"',
    'smtp:',
    '  host: mail.example.org',
    '  ca: certs/ca.pem',
    'rules:',
    '  geoip:',
    '    cityDatabase: geo/city.mmdb',
    '    asnDatabase: /srv/geo/asn.mmdb',
  ].join('\n') + '\n',
);
const inConf = (...p: string[]): string => join(project, 'conf', ...p);

test('the settings loader: store, intel store and feeds, log file, from the config file\'s folder; absolute paths and "-" kept', () => {
  // the file named relative to the cwd (elsewhere), its paths relative to its own folder
  const s = loadSettings({ configFile: join('..', 'project', 'conf', 'ns.yaml'), env: {}, cwd: elsewhere });
  assert.equal(s.string('store'), inConf('data', 'alerts.db'));
  assert.equal(s.string('intel.store'), `sqlite:${inConf('cache', 'intel.db')}`);
  assert.deepEqual(s.list('intel.feeds'), [inConf('feeds', 'drop.txt'), '/abs/firehol.netset']);
  assert.equal(s.string('log.file'), inConf('logs', 'ns.log'));
  assert.equal(s.string('server.accessLog'), '-');
  assert.equal(intelConfigFrom(s).store, `sqlite:${inConf('cache', 'intel.db')}`);
  // the environment's own values stay relative to the current directory (and win)
  const e = loadSettings({ configFile: cfg, env: { NETSENTINEL_LOG_FILE: 'mine.log', NETSENTINEL_INTEL_FEEDS: 'here.txt' }, cwd: elsewhere });
  assert.equal(e.string('log.file'), 'mine.log');
  assert.deepEqual(e.list('intel.feeds'), ['here.txt']);
  // a comma-separated feeds string in the file: each from the folder
  const c = join(project, 'comma.yaml');
  writeFileSync(c, 'intel:\n  feeds: "a.txt, b/c.txt"\nserver:\n  accessLog: logs/access.log\n');
  const t = loadSettings({ configFile: c, env: {}, cwd: elsewhere });
  assert.deepEqual(t.list('intel.feeds'), [join(project, 'a.txt'), join(project, 'b', 'c.txt')]);
  assert.equal(t.string('server.accessLog'), join(project, 'logs', 'access.log'));
});

test('the analysis loader: store and the GeoIP databases from the file\'s folder; URLs, none and sqlite: kept as such', async () => {
  const a = await loadAnalysisConfig(cfg);
  assert.equal(a.store, inConf('data', 'alerts.db'));
  assert.equal(a.rules.geoip?.cityDatabase, inConf('geo', 'city.mmdb'));
  assert.equal(a.rules.geoip?.asnDatabase, '/srv/geo/asn.mmdb');
  for (const [written, read] of [
    ['postgres://ns@db/alerts?schema=x', 'postgres://ns@db/alerts?schema=x'],
    ['none', 'none'],
    ['sqlite:rel.db', `sqlite:${join(project, 'rel.db')}`],
    ['/var/lib/ns.db', '/var/lib/ns.db'],
  ]) {
    const f = join(project, 'store.json');
    writeFileSync(f, JSON.stringify({ store: written }));
    assert.equal((await loadAnalysisConfig(f)).store, read, written);
  }
});

test('the respond settings: store and smtp.ca from the file\'s folder', () => {
  const r = loadRespondSettings({ configFile: cfg, env: {} });
  assert.equal(r.store, inConf('data', 'alerts.db'));
  assert.equal(r.notify.smtp?.ca, inConf('certs', 'ca.pem'));
});

test('a message naming such a path says how it was written and where: file and key', async () => {
  await loadAnalysisConfig(cfg);
  const abs = inConf('geo', 'city.mmdb');
  assert.equal(pathsAsWritten(`GeoIP database ${abs} does not exist`), `GeoIP database ${abs} does not exist (rules.geoip.cityDatabase "geo/city.mmdb" in ${cfg}, read from that file's folder)`);
  assert.equal(pathsAsWritten('nothing of ours here'), 'nothing of ours here');
  assert.equal(pathsAsWritten(`${abs}.bak is another file`), `${abs}.bak is another file`);
  // the .env file's path variables are the same settings' environment names
  for (const v of ['NETSENTINEL_CONFIG', 'NETSENTINEL_STORE', 'NETSENTINEL_INTEL_FEEDS', 'LOG_FILE', 'NETSENTINEL_SMTP_CA', 'NETSENTINEL_SERVER_ACCESS_LOG']) assert.ok(DOTENV_PATH_VARIABLES[v], v);
});

test('analyze run elsewhere: the store lands beside the config file; a store it cannot open is named as written and resolved, exit 2', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [main, ...args], { cwd: elsewhere, encoding: 'utf8', env: { ...process.env, NETSENTINEL_STORE: '', NETSENTINEL_CONFIG: '' } });
  const b = run(['baseline', join(sample, 'normal.csv'), '-o', 'b.nsb', '-q', '--threads', '1']);
  assert.equal(b.status, 0, b.stderr);
  const ok = join(project, 'ok.yaml');
  writeFileSync(ok, 'store: data/alerts.db\n');
  const r = run(['analyze', join(sample, 'traffic.csv'), '-b', 'b.nsb', '-o', 'out', '--no-report', '-q', '--threads', '1', '--config', resolve(ok)]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(project, 'data', 'alerts.db')), 'the store beside the config file');
  assert.ok(!existsSync(join(elsewhere, 'data')), 'nothing made in the current directory');
  // a folder that is a file: one line naming the path as written, the file, and where it led
  writeFileSync(join(project, 'afile'), '');
  const bad = join(project, 'bad.yaml');
  writeFileSync(bad, 'store: afile/alerts.db\n');
  const f = run(['analyze', join(sample, 'traffic.csv'), '-b', 'b.nsb', '-o', 'out2', '--no-report', '-q', '--threads', '1', '--config', bad]);
  assert.equal(f.status, 2, f.stderr);
  const lines = f.stderr.trim().split('\n');
  assert.equal(lines.length, 1, f.stderr);
  assert.ok(lines[0].includes(join(project, 'afile', 'alerts.db')), `names where it led: ${lines[0]}`);
  assert.ok(lines[0].includes(`store "afile/alerts.db" in ${bad}, read from that file's folder`), `names it as written: ${lines[0]}`);
  // --store on the command line stays relative to the current directory
  const c = run(['analyze', join(sample, 'traffic.csv'), '-b', 'b.nsb', '-o', 'out3', '--no-report', '-q', '--threads', '1', '--config', ok, '--store', 'here.db']);
  assert.equal(c.status, 0, c.stderr);
  assert.ok(existsSync(join(elsewhere, 'here.db')));
});
