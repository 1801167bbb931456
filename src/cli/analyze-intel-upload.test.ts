/**
 * analyze with the intel branch's extras, end to end on the shipped loopback sample: a local feed
 * listing a quiet source makes it risky with the feed's reason (intel joined as evidence through the
 * pipeline's hook), and --upload sends every output, byte-identical, to Apache mod_dav afterwards.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apacheMissing, startApacheDav, type ApacheDav } from '../testing/apache-dav.js';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const sample = join(root, 'samples', 'loopback');
const dir = mkdtempSync(join(tmpdir(), 'ns-analyze-intel-'));
const missing = apacheMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs Apache for the upload tests: ${missing}`);
let apache: ApacheDav | undefined;
after(async () => {
  await apache?.stop();
});

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [main, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
}

test('analyze --feed: a listed source gets the feed as evidence and reason; --upload sends the outputs to Apache', async () => {
  const b = run(['baseline', join(sample, 'normal.csv'), '-o', 'b.nsb', '-q']);
  assert.equal(b.status, 0, b.stderr);
  writeFileSync(join(dir, 'drop.txt'), '; Spamhaus DROP (test)\n127.0.0.13/32 ; SBL424242\n');
  const plain = run(['analyze', join(sample, 'traffic.csv'), '-b', 'b.nsb', '-o', 'plain', '--store', 'none', '--json', '-q']);
  assert.equal(plain.status, 0, plain.stderr);
  const before = JSON.parse(plain.stdout);
  assert.ok(!before.riskyIps.some((r: { ip: string }) => r.ip === '127.0.0.13'), '127.0.0.13 is not risky on its own');

  const args = ['analyze', join(sample, 'traffic.csv'), '-b', 'b.nsb', '-o', 'out', '--store', join(dir, 'ns.db'), '--feed', 'drop.txt', '--json'];
  let env: Record<string, string> = {};
  if (!missing) {
    apache = await startApacheDav();
    args.push('--upload', `${apache.url}analyses/today/`);
    env = { NETSENTINEL_UPLOAD_USERNAME: apache.user, NETSENTINEL_UPLOAD_PASSWORD: apache.password };
  }
  const r = run(args, env);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  const listed = doc.riskyIps.find((x: { ip: string }) => x.ip === '127.0.0.13');
  assert.ok(listed, `127.0.0.13 should be risky with the feed's evidence: ${JSON.stringify(doc.riskyIps.map((x: { ip: string }) => x.ip))}`);
  assert.ok(listed.reasons.some((s: string) => /threat intel: critical \(score 100; listed in drop\.txt line 2 as 127\.0\.0\.13\/32 \(SBL424242\)\)/.test(s)), JSON.stringify(listed.reasons));
  assert.match(r.stderr, /intel: 10 sources looked up, 1 with evidence; feeds: .*1 listed/);
  assert.match(r.stderr, /ipqs: 10 skipped \(loopback address/);
  if (apache) {
    assert.match(r.stderr, /uploaded \d+ files .* each checked by PROPFIND/);
    const outputs = readdirSync(join(dir, 'out'));
    assert.ok(outputs.includes('report.html') && outputs.includes('summary.json'));
    for (const f of outputs) assert.ok(readFileSync(join(apache.davDir, 'analyses', 'today', f)).equals(readFileSync(join(dir, 'out', f))), `${f} differs on the server`);
    // a refused upload leaves the analysis done and says what to do
    const bad = run([...args.slice(0, -2), '--upload', `${apache.url}analyses/bad/`], { ...env, NETSENTINEL_UPLOAD_PASSWORD: 'wrong-one' });
    assert.equal(bad.status, 0, bad.stderr);
    assert.match(bad.stderr, /upload FAILED: upload: 127\.0\.0\.1:\d+ refused the credentials/);
    assert.match(bad.stderr, /netsentinel upload out URL/);
  }
});
