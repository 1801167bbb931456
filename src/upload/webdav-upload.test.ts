/**
 * Uploads against Apache httpd itself (Debian apache2 + mod_dav, basic auth from an htpasswd
 * file, started by the test as nobody on a loopback port): nested folders made by MKCOL, every
 * file byte-identical on the server's disk and listed by PROPFIND with its size, a second upload
 * replacing files, refused credentials as one line without the password, and the CLI verb.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { apacheMissing, startApacheDav, type ApacheDav } from '../testing/apache-dav.js';
import { uploadFolder } from './webdav-upload.js';

const missing = apacheMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs Apache for the upload tests: ${missing}`);
const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));

let apache: ApacheDav | undefined;
const out = mkdtempSync(join(tmpdir(), 'ns-upload-'));
const files: Record<string, Buffer> = {
  'summary.json': Buffer.from('{"flows": 10}\n'),
  'risk_scores.png': randomBytes(70_000),
  'report.html': Buffer.from('<!doctype html><title>ü ✓</title>\n'),
  'charts/roc curve.svg': Buffer.from('<svg/>'),
  'charts/deep/flows #1.csv': Buffer.from('a,b\n1,2\n'),
  'empty.txt': Buffer.alloc(0),
};
for (const [rel, data] of Object.entries(files)) {
  mkdirSync(join(out, rel, '..'), { recursive: true });
  writeFileSync(join(out, rel), data);
}

before(async () => {
  if (!missing) apache = await startApacheDav();
});
after(async () => {
  await apache?.stop();
});

test('an output folder reaches Apache mod_dav byte-identical, folders made as needed, checked by PROPFIND', { skip: missing }, async () => {
  const a = apache!;
  const target = `${a.url}runs/2026-12-03/`;
  const r = await uploadFolder({ dir: out, url: target, username: a.user, password: a.password });
  assert.equal(r.files.length, Object.keys(files).length);
  assert.equal(r.verified, true);
  assert.ok(r.foldersCreated >= 4, `folders created: ${r.foldersCreated}`); // runs, 2026-12-03, charts, charts/deep
  assert.ok(r.files.every((f) => f.status === 201));
  for (const [rel, data] of Object.entries(files)) {
    const onServer = readFileSync(join(a.davDir, 'runs', '2026-12-03', rel));
    assert.ok(onServer.equals(data), `${rel} differs on the server`);
  }
  // again: files are replaced (204), nothing breaks on existing folders
  writeFileSync(join(out, 'summary.json'), '{"flows": 11}\n');
  const again = await uploadFolder({ dir: out, url: target, username: a.user, password: a.password });
  assert.equal(again.foldersCreated, 0);
  assert.ok(again.files.every((f) => f.status === 204));
  assert.equal(readFileSync(join(a.davDir, 'runs', '2026-12-03', 'summary.json'), 'utf8'), '{"flows": 11}\n');
  writeFileSync(join(out, 'summary.json'), files['summary.json']);
});

test('refused credentials and an unreachable server are one line, never the password', { skip: missing }, async () => {
  const a = apache!;
  await assert.rejects(uploadFolder({ dir: out, url: `${a.url}x/`, username: a.user, password: 'wrong-password-123' }), (e: Error) => /refused the credentials \(HTTP 401\) for MKCOL http:\/\/127\.0\.0\.1:\d+\/dav\//.test(e.message) && !e.message.includes('wrong-password-123'));
  await assert.rejects(uploadFolder({ dir: out, url: `http://u:secret-pw-9@127.0.0.1:${new URL(a.url).port}/dav/y/` }), (e: Error) => /refused the credentials/.test(e.message) && !e.message.includes('secret-pw-9'));
  await assert.rejects(uploadFolder({ dir: join(out, 'nope'), url: a.url }), /upload: .*nope: no such folder/);
  // a port nobody listens on (Apache's, once stopped, is not reused here: take a fresh one)
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  await assert.rejects(uploadFolder({ dir: out, url: `http://127.0.0.1:${port}/dav/` }), new RegExp(`^UserError: upload: cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) for MKCOL`));
});

test('netsentinel upload OUTDIR URL with the password from the environment; --json', { skip: missing }, () => {
  const a = apache!;
  const r = spawnSync(process.execPath, [main, 'upload', out, `${a.url}cli/`, '--user', a.user, '--json'], { encoding: 'utf8', env: { ...process.env, NETSENTINEL_UPLOAD_PASSWORD: a.password } });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.files.length, Object.keys(files).length);
  assert.equal(doc.verified, true);
  assert.ok(readFileSync(join(a.davDir, 'cli', 'risk_scores.png')).equals(files['risk_scores.png']));
  const bad = spawnSync(process.execPath, [main, 'upload', out, `${a.url}cli/`, '--user', a.user], { encoding: 'utf8', env: { ...process.env, NETSENTINEL_UPLOAD_PASSWORD: 'nope-nope' } });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^netsentinel: upload: 127\.0\.0\.1:\d+ refused the credentials \(HTTP 401\)/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});
