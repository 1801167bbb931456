/**
 * `netsentinel intel IP...` as a user runs it: feeds only (no keys), text and --json, --fail-on,
 * a provider key from a .env file pointed at a local server answering as VirusTotal does, the
 * key never printed, and bad input as one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-intel-cli-'));

// async spawn: the fake provider lives in this process and must keep answering
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const clean: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const k of ['IPQS_API_KEY', 'VIRUSTOTAL_API_KEY', 'ABUSEIPDB_API_KEY', 'NETSENTINEL_CONFIG', 'NETSENTINEL_ENV_FILE']) if (!(k in env)) delete clean[k];
    const c = spawn(process.execPath, [main, ...args], { cwd: dir, env: clean });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

test('intel with feeds only, then with a VirusTotal key from .env against a local server', async () => {
  writeFileSync(join(dir, 'firehol_level1.netset'), '# FireHOL level 1\n185.220.100.0/22\n2a0b:f4c0::/32\n');
  const r = await run(['intel', '185.220.101.7', '8.8.8.8', '2a0b:f4c0:1::1', '--feed', 'firehol_level1.netset', '--json', '--store', 'none']);
  assert.equal(r.code, 0, r.err);
  const docs = JSON.parse(r.out);
  assert.deepEqual(docs.map((d: { ip: string; severity: string }) => [d.ip, d.severity]), [['185.220.101.7', 'critical'], ['8.8.8.8', 'none'], ['2a0b:f4c0:1::1', 'critical']]);
  assert.deepEqual(docs[0].sources.map((s: { source: string; status: string }) => `${s.source}:${s.status}`), ['feeds:listed', 'ipqs:no-key', 'virustotal:no-key', 'abuseipdb:no-key']);
  const failed = await run(['intel', '185.220.101.7', '--feed', 'firehol_level1.netset', '--fail-on', '75', '--store', 'none']);
  assert.equal(failed.code, 1);
  // the exit status comes with the address that reached the threshold
  assert.match(failed.err, /^netsentinel: 1 address reaches --fail-on 75 \(185\.220\.101\.7 score \d+\): exit 1$/m);
  // a bad --fail-on is said before any lookup
  assert.match((await run(['intel', '185.220.101.7', '--fail-on', '200', '--store', 'none'])).err, /^netsentinel: intel: --fail-on takes a threat score from 0 to 100$/m);

  let seenKey = '';
  const server = createServer((req, res) => {
    seenKey = String(req.headers['x-apikey']);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { id: '8.8.8.8', type: 'ip_address', attributes: { last_analysis_stats: { harmless: 60, malicious: 1, suspicious: 0, undetected: 29, timeout: 0 } } } }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  writeFileSync(join(dir, '.env'), `VIRUSTOTAL_API_KEY=vt-cli-secret-4242\nNETSENTINEL_INTEL_VIRUSTOTAL_BASE_URL=http://127.0.0.1:${port}/api/v3\nLOG_LEVEL=debug\nLOG_FILE=${join(dir, 'intel.log')}\n`);
  const t = await run(['intel', '8.8.8.8', '--store', join(dir, 'cache.db')]);
  server.close();
  assert.equal(t.code, 0, t.err);
  assert.equal(seenKey, 'vt-cli-secret-4242');
  assert.match(t.out, /^8\.8\.8\.8: MALICIOUS {2}threat score 75 {2}severity high {2}\(from virustotal\)/);
  assert.match(t.out, /VirusTotal: 1\/90 engines malicious/);
  assert.ok(!t.out.includes('vt-cli-secret-4242') && !t.err.includes('vt-cli-secret-4242'));
  assert.match(t.err, /netsentinel: debug: asking provider/);
  // cached now: the server is gone, the answer is not
  const again = await run(['intel', '8.8.8.8', '--store', join(dir, 'cache.db'), '--json']);
  assert.equal(JSON.parse(again.out)[0].sources.find((s: { source: string }) => s.source === 'virustotal').status, 'cached');

  // addresses from stdin
  const piped = await new Promise<string>((resolve) => {
    const c = spawn(process.execPath, [main, 'intel', '-', '--offline', '--feed', 'firehol_level1.netset', '--json'], { cwd: dir });
    let o = '';
    c.stdout.on('data', (d) => (o += d));
    c.on('close', () => resolve(o));
    c.stdin.end('# from a list\n185.220.101.7\n\n1.1.1.1\n');
  });
  assert.deepEqual(JSON.parse(piped).map((d: { ip: string; severity: string }) => [d.ip, d.severity]), [['185.220.101.7', 'critical'], ['1.1.1.1', 'none']]);

  const bad = await run(['intel', 'not-an-ip', '--store', 'none']);
  assert.equal(bad.code, 2);
  assert.equal(bad.err.trim(), 'netsentinel: intel: "not-an-ip" is not an IPv4 or IPv6 address');
});
