/**
 * Settings: the precedence of flags, environment, .env and config file; seed 002's names; where
 * each value came from; bad values naming key and place; secrets masked in `config show` and
 * absent from logs (stderr and the JSON-lines file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSettings, locateSettings, shownValue } from './settings.js';
import { parseDotenv } from './dotenv.js';
import { envNameOf, flagNameOf } from './setting-keys.js';
import { createLogger, loggerFromSettings } from '../util/logger.js';
import { loadAnalysisConfig } from './analysis-config.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-settings-'));
const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));

test('names: section.key ~ NETSENTINEL_SECTION_KEY ~ --section-key', () => {
  assert.equal(envNameOf('smtp.host'), 'NETSENTINEL_SMTP_HOST');
  assert.equal(envNameOf('intel.ipqs.apiKey'), 'NETSENTINEL_INTEL_IPQS_API_KEY');
  assert.equal(flagNameOf('intel.timeoutSeconds'), '--intel-timeout-seconds');
});

test('.env parsing: quotes, export, comments, line numbers, errors naming file and line', () => {
  const m = parseDotenv('# c\nexport A=1\nB="x\\ny" \nC=\'raw\\n\'\nD=plain # note\n\nE=\n', '.env');
  assert.deepEqual([...m.entries()].map(([k, v]) => [k, v.value, v.line]), [
    ['A', '1', 2], ['B', 'x\ny', 3], ['C', 'raw\\n', 4], ['D', 'plain', 5], ['E', '', 7],
  ]);
  assert.throws(() => parseDotenv('A=1\nnot a line\n', 'x.env'), /x\.env line 2: expected NAME=value/);
  assert.throws(() => parseDotenv('A="open\n', 'x.env'), /x\.env line 1: A: the double quote is never closed/);
});

test('precedence: flag > environment > .env > file > default, each with its origin', () => {
  const cfg = join(dir, 'p.yaml');
  writeFileSync(cfg, 'intel:\n  timeoutSeconds: 9\n  cacheTtlSeconds: 60\n  alertScore: 80\nsmtp:\n  host: file.example\n');
  const envFile = join(dir, 'p.env');
  writeFileSync(envFile, 'NETSENTINEL_INTEL_CACHE_TTL_SECONDS=120\nAPI_TIMEOUT=8\nNETSENTINEL_SMTP_HOST=dotenv.example\n');
  const s = loadSettings({ configFile: cfg, envFile, env: { API_TIMEOUT: '7', NETSENTINEL_INTEL_TIMEOUT_SECONDS: '6' }, flags: { 'intel.alertScore': 90 }, cwd: dir });
  assert.deepEqual(s.lookup('intel.timeoutSeconds'), { key: 'intel.timeoutSeconds', value: '6', source: 'environment', origin: 'NETSENTINEL_INTEL_TIMEOUT_SECONDS', secret: false });
  assert.equal(s.number('intel.timeoutSeconds'), 6);
  // the seed alias still counts where the NETSENTINEL_ name is absent
  assert.equal(s.lookup('webhook.timeoutSeconds')?.origin, 'API_TIMEOUT');
  assert.equal(s.lookup('intel.cacheTtlSeconds')?.source, '.env');
  assert.match(s.lookup('intel.cacheTtlSeconds')!.origin, /p\.env line 1/);
  assert.equal(s.get('smtp.host'), 'dotenv.example');
  assert.equal(s.section('smtp').get('host'), 'dotenv.example');
  assert.equal(s.lookup('intel.alertScore')?.source, 'flag');
  assert.equal(s.number('intel.alertScore'), 90);
  assert.equal(s.lookup('intel.ipqs.fraudThreshold')?.source, 'default');
  // a key nobody sets and nobody defaults
  assert.equal(s.get('smtp.user'), undefined);
  // an environment variable for an unlisted key is listed under its derived key
  const t = loadSettings({ env: { NETSENTINEL_SMTP_PORT: '587', NETSENTINEL_SHARED: '/x' }, cwd: dir });
  const keys = t.entries().map((e) => e.key);
  assert.ok(keys.includes('smtp.port'));
  assert.ok(!keys.some((k) => k.startsWith('shared')));
});

test('.env never overrides the environment; ./.env is found by default', () => {
  const d = mkdtempSync(join(dir, 'cwd-'));
  writeFileSync(join(d, '.env'), 'IPQS_API_KEY=from-dotenv-1234\nLOG_LEVEL=DEBUG\n');
  const s = loadSettings({ env: { IPQS_API_KEY: 'from-env-5678' }, cwd: d });
  assert.equal(s.get('intel.ipqs.apiKey'), 'from-env-5678');
  assert.equal(s.choice('log.level', ['debug', 'info']), 'debug');
  assert.equal(s.envFile, join(d, '.env'));
});

test('paths in a .env file are relative to its folder; absolute ones, URLs and the environment\'s own values are kept', () => {
  const project = mkdtempSync(join(dir, 'project-'));
  const elsewhere = mkdtempSync(join(dir, 'elsewhere-'));
  writeFileSync(
    join(project, '.env'),
    [
      'NETSENTINEL_CONFIG=conf/ns.yaml',
      'NETSENTINEL_STORE=sqlite:data/alerts.db',
      'NETSENTINEL_INTEL_STORE=postgres://db/ns?schema=intel',
      'NETSENTINEL_INTEL_FEEDS=feeds/a.netset, /abs/b.netset',
      'LOG_FILE=logs/ns.log',
      'NETSENTINEL_SERVER_ACCESS_LOG=-',
      'IPQS_API_KEY=not/a/path',
    ].join('\n') + '\n',
  );
  mkdirSync(join(project, 'conf'));
  writeFileSync(join(project, 'conf', 'ns.yaml'), 'intel:\n  timeoutSeconds: 3\n');
  const f = locateSettings({ envFile: join(project, '.env'), env: {}, cwd: elsewhere });
  assert.equal(f.configFile, join(project, 'conf', 'ns.yaml'));
  assert.equal(f.variable('NETSENTINEL_STORE')?.value, `sqlite:${join(project, 'data', 'alerts.db')}`);
  assert.equal(f.variable('NETSENTINEL_INTEL_STORE')?.value, 'postgres://db/ns?schema=intel');
  const s = loadSettings({ envFile: join(project, '.env'), env: {}, cwd: elsewhere });
  assert.equal(s.number('intel.timeoutSeconds'), 3, 'the config file the .env names, beside it');
  assert.deepEqual(s.list('intel.feeds'), [join(project, 'feeds', 'a.netset'), '/abs/b.netset']);
  assert.equal(s.string('log.file'), join(project, 'logs', 'ns.log'));
  assert.equal(s.string('server.accessLog'), '-');
  assert.equal(s.string('intel.ipqs.apiKey'), 'not/a/path');
  // a relative --env-file is found from the cwd, its paths from its own folder
  assert.equal(locateSettings({ envFile: join('..', project.split('/').pop()!, '.env'), env: {}, cwd: elsewhere }).configFile, join(project, 'conf', 'ns.yaml'));
  // the environment's own values stay relative to the current directory, and win over the .env file
  const e = locateSettings({ envFile: join(project, '.env'), env: { NETSENTINEL_CONFIG: 'mine.yaml', NETSENTINEL_STORE: 'here.db' }, cwd: elsewhere });
  assert.equal(e.configFile, 'mine.yaml');
  assert.equal(e.variable('NETSENTINEL_STORE')?.value, 'here.db');
  // ./.env found by default: the same, from its folder
  writeFileSync(join(elsewhere, '.env'), 'NETSENTINEL_CONFIG=ns.yaml\n');
  assert.equal(resolve(locateSettings({ env: {}, cwd: elsewhere }).configFile!), join(elsewhere, 'ns.yaml'));
});

test('a bad value names the key and the place it came from', () => {
  const cfg = join(dir, 'bad.yaml');
  writeFileSync(cfg, 'intel:\n  timeoutSeconds: soon\n');
  const s = loadSettings({ configFile: cfg, env: {}, cwd: dir });
  assert.throws(() => s.number('intel.timeoutSeconds', { above: 0 }), (e: Error) => e.message.includes(cfg) && e.message.includes('intel.timeoutSeconds') && /must be a number > 0, got "soon"/.test(e.message));
  const envFile = join(dir, 'bad.env');
  writeFileSync(envFile, '\nMAX_RETRIES=lots\n');
  const t = loadSettings({ envFile, env: {}, cwd: dir });
  assert.throws(() => t.number('webhook.maxRetries', { integer: true, min: 0 }), /bad\.env line 2 \(MAX_RETRIES\): webhook\.maxRetries must be a whole number ≥ 0, got "lots"/);
  const u = loadSettings({ env: { LOG_LEVEL: 'loud' }, cwd: dir });
  assert.throws(() => loggerFromSettings(u), /environment variable LOG_LEVEL: log\.level must be one of/);
  // secrets are not echoed even when wrong
  const v = loadSettings({ env: { NETSENTINEL_UPLOAD_PASSWORD: 'hunter2-secret' }, cwd: dir });
  assert.throws(() => v.number('upload.password'), (e: Error) => !e.message.includes('hunter2-secret'));
  // a broken file names itself
  writeFileSync(join(dir, 'broken.yaml'), 'intel: [\n');
  assert.throws(() => loadSettings({ configFile: join(dir, 'broken.yaml'), env: {} }), /broken\.yaml: not valid YAML/);
});

test('the analysis loader accepts the other sections of the shared file and still checks its own', async () => {
  const cfg = join(dir, 'shared.yaml');
  writeFileSync(cfg, 'thresholds: { flow: 0.99 }\nintel: { timeoutSeconds: 3 }\nupload: { url: http://x/ }\n');
  const a = await loadAnalysisConfig(cfg);
  assert.equal(a.thresholds.flow, 0.99);
  writeFileSync(cfg, 'thresholds: { flow: 0.99 }\nintell: {}\n');
  await assert.rejects(loadAnalysisConfig(cfg), /unknown key "intell"/);
});

test('secrets: masked when shown, absent from stderr and the JSON-lines log file', () => {
  const s = loadSettings({ env: { VIRUSTOTAL_API_KEY: 'vt-SECRET-abcdef123', NETSENTINEL_STORE: 'postgres://ns:pg-pass-999@db/ns' }, cwd: dir });
  const e = s.lookup('intel.virustotal.apiKey')!;
  assert.equal(shownValue(e), '•••• (set, 19 characters)');
  assert.equal(shownValue(s.lookup('store')!), 'postgres://ns:****@db/ns');
  const file = join(dir, 'logs', 'ns.log');
  const err: string[] = [];
  const log = createLogger({ level: 'debug', file, secrets: s.secretValues(), stderr: { write: (x: string) => err.push(x) } });
  log.info({ apiKey: 'other-key-77', url: 'https://vt/api?key=vt-SECRET-abcdef123', attempt: 1 }, 'asked virustotal with vt-SECRET-abcdef123');
  log.debug({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }, 'upload');
  log.warn('store postgres://ns:pg-pass-999@db/ns is slow');
  log.trace('not at this level');
  const text = readFileSync(file, 'utf8');
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.equal(lines[0].level, 30);
  assert.equal(lines[0].attempt, 1);
  assert.ok(typeof lines[0].time === 'string');
  for (const out of [text, err.join('')]) {
    for (const secret of ['vt-SECRET-abcdef123', 'other-key-77', 'dXNlcjpwYXNz', 'pg-pass-999']) assert.ok(!out.includes(secret), `${secret} leaked`);
  }
  assert.match(err[0], /^netsentinel: info: asked virustotal with \[Redacted\]/);
  assert.match(err[2], /^netsentinel: warn: /);
});

test('netsentinel config show: sources, masking, --json, bad values as one line', () => {
  const d = mkdtempSync(join(dir, 'cli-'));
  writeFileSync(join(d, 'ns.yaml'), 'intel:\n  timeoutSeconds: 4\nupload:\n  url: http://127.0.0.1:1/dav/\n  password: in-file-pw-42\n');
  writeFileSync(join(d, '.env'), 'IPQS_API_KEY=dotenv-ipqs-key-1\n');
  const env: NodeJS.ProcessEnv = { ...process.env, NETSENTINEL_CONFIG: 'ns.yaml', LOG_LEVEL: 'DEBUG' };
  delete env.NETSENTINEL_ENV_FILE;
  const r = spawnSync(process.execPath, [main, 'config', 'show'], { cwd: d, env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /intel\.timeoutSeconds\s+4\s+file: ns\.yaml/);
  assert.match(r.stdout, /intel\.ipqs\.apiKey\s+•••• \(set, 17 characters\)\s+\.env: .*\.env line 1 \(IPQS_API_KEY\)/);
  assert.match(r.stdout, /log\.level\s+DEBUG\s+environment: LOG_LEVEL/);
  assert.ok(!r.stdout.includes('in-file-pw-42') && !r.stdout.includes('dotenv-ipqs-key-1'));
  const j = spawnSync(process.execPath, [main, 'config', 'show', '--json'], { cwd: d, env, encoding: 'utf8' });
  const doc = JSON.parse(j.stdout);
  const up = doc.settings.find((x: { key: string }) => x.key === 'upload.url');
  assert.deepEqual([up.value, up.source, up.env], ['http://127.0.0.1:1/dav/', 'file', 'NETSENTINEL_UPLOAD_URL']);
  assert.ok(!j.stdout.includes('in-file-pw-42'));
  writeFileSync(join(d, 'bad.yaml'), 'thresholds: { flow: 3 }\n');
  const b = spawnSync(process.execPath, [main, 'config', 'show', '--config', 'bad.yaml'], { cwd: d, env, encoding: 'utf8' });
  assert.equal(b.status, 2);
  assert.match(b.stderr, /^netsentinel: bad\.yaml: thresholds\.flow must be a number between 0 and 1, got 3\n$/);
  const h = spawnSync(process.execPath, [main, 'config', '--help'], { cwd: d, env, encoding: 'utf8' });
  assert.match(h.stdout, /flags > environment .* > \.env file .* > config file .* > defaults/);
});

test('NETSENTINEL_ENV_FILE set but empty is unset (as NETSENTINEL_CONFIG): ./.env when present, no error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-envfile-empty-'));
  assert.equal(locateSettings({ env: { NETSENTINEL_ENV_FILE: '' }, cwd: dir }).envFile, undefined);
  writeFileSync(join(dir, '.env'), 'LOG_LEVEL=debug\n');
  assert.equal(locateSettings({ env: { NETSENTINEL_ENV_FILE: '' }, cwd: dir }).envFile, join(dir, '.env'));
});
