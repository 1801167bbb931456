/**
 * Packet captures uploaded to POST /v1/analyze, against `netsentinel analyze` on the same file
 * with the same baseline (fitted on other captures): synscan.pcapng's scan by 172.16.0.8 is in the
 * answer with the same figures, plain, gzipped, zstd- and lz4-compressed; the packet detectors run on uploads too (the
 * ARP poisoning in arppoison.pcapng); a label that is no upload is 415, and a capture larger than
 * server.limits.batchBytes is 413.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startService, type RunningService } from './service.js';
import { findProgram } from '../util/find-program.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
// the shared captures wherever shared-data.ts finds them (beside the project, or NETSENTINEL_SHARED)
const pcaps = sharedPath('pcaps') ?? '';
const skip = skipWithoutShared('pcaps', 'synscan.pcapng');
const dir = mkdtempSync(join(tmpdir(), 'ns-capture-upload-'));
const baseline = join(dir, 'cap.nsb');
let svc: RunningService;

function analyzeCli(file: string): Record<string, any> {
  const a = spawnSync(process.execPath, [main, 'analyze', file, '-b', baseline, '-o', join(dir, 'cli-' + file.split('/').pop()), '--store', 'none', '-q', '--json'], { encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);
  return JSON.parse(a.stdout);
}

async function upload(body: Buffer, type: string, name: string, url = svc.url): Promise<{ status: number; json: any }> {
  const r = await fetch(`${url}/v1/analyze?name=${name}&store=false`, { method: 'POST', body, headers: { 'Content-Type': type } });
  return { status: r.status, json: await r.json() };
}

before(async () => {
  if (skip) return;
  const normal = ['http_google.pcapng', 'dns_query_response.pcapng', 'tcp_handshake.pcapng', 'http_ip4and6.pcapng'].map((f) => join(pcaps, f));
  const b = spawnSync(process.execPath, [main, 'baseline', ...normal, '-o', baseline, '-q'], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false }, baselineFile: baseline, store: join(dir, 'svc.db') });
});
after(async () => {
  await svc?.close();
});

test('an uploaded pcapng gets the figures of netsentinel analyze: the scan by 172.16.0.8 is in the answer', { skip }, async () => {
  const file = join(pcaps, 'synscan.pcapng');
  const cli = analyzeCli(file);
  const r = await upload(readFileSync(file), 'application/vnd.tcpdump.pcap', 'synscan.pcapng');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const s = r.json.summary;
  assert.equal(s.flows, cli.flows);
  assert.equal(s.riskyFlows, cli.riskyFlows);
  assert.deepEqual(s.riskyIps.map((x: any) => [x.ip, x.risk, x.rules]), cli.riskyIps.map((x: any) => [x.ip, x.risk, x.rules]));
  const scanner = s.riskyIps.find((x: any) => x.ip === '172.16.0.8');
  assert.ok(scanner, 'the scanner is a risky source');
  assert.ok(scanner.rules.includes('port-scan.vertical'));
  assert.ok(scanner.reasons.some((x: string) => /172\.16\.0\.8 probed 1,000 distinct ports on 64\.13\.134\.52/.test(x)));
  for (const f of ['flows_scored.csv', 'alerts.jsonl', 'risky_ips.csv', 'report.html', 'summary.json']) assert.ok(r.json.files[f], f);
  const risky = await (await fetch(svc.url + r.json.files['risky_ips.txt'])).text();
  assert.match(risky, /^172\.16\.0\.8$/m);

  // the same capture gzipped: the same analysis
  const gz = await upload(gzipSync(readFileSync(file)), 'application/gzip', 'synscan.pcapng.gz');
  assert.equal(gz.status, 200, JSON.stringify(gz.json));
  assert.equal(gz.json.summary.flows, cli.flows);
  assert.deepEqual(gz.json.summary.riskyIps.map((x: any) => x.ip), cli.riskyIps.map((x: any) => x.ip));

  // and zstd-compressed (RFC 8878's media type) and lz4-compressed (as the `lz4` program
  // writes it; tshark reads it), each made by its program
  for (const [program, type, suffix] of [['zstd', 'application/zstd', '.zst'], ['lz4', 'application/x-lz4', '.lz4']] as const) {
    const path = findProgram(program);
    if (!path) continue;
    const z = await upload(spawnSync(path, ['-c', '-q', file], { maxBuffer: 1 << 26 }).stdout, type, `synscan.pcapng${suffix}`);
    assert.equal(z.status, 200, JSON.stringify(z.json));
    assert.equal(z.json.summary.flows, cli.flows);
    assert.deepEqual(z.json.summary.riskyIps.map((x: any) => x.ip), cli.riskyIps.map((x: any) => x.ip));
  }
});

test('the packet detectors watch uploaded captures as they watch analyze: ARP poisoning', { skip }, async () => {
  const file = join(pcaps, 'arppoison.pcapng');
  const cli = analyzeCli(file);
  const arp = (byRule: Record<string, number>) => Object.entries(byRule).filter(([rule]) => rule.startsWith('arp.'));
  assert.ok(arp(cli.findingsByRule).length > 0, 'analyze finds the ARP poisoning');
  const r = await upload(readFileSync(file), 'application/octet-stream', 'arppoison.pcapng');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(arp(r.json.summary.findingsByRule), arp(cli.findingsByRule));
  assert.deepEqual(r.json.summary.findingsByRule, cli.findingsByRule);
});

test('captures: a label that is not an upload is 415, one beyond the batch limit is 413', { skip }, async () => {
  const bytes = readFileSync(join(pcaps, 'synscan.pcapng'));
  const wrong = await upload(bytes, 'application/json', 'synscan.pcapng');
  assert.equal(wrong.status, 415);
  assert.match(wrong.json.error, /Content-Type "application\/json" is not an upload this route reads; send one of text\/csv/);
  const small = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false, limits: { ...DEFAULT_SERVER_CONFIG.limits, batchBytes: 64 * 1024 } }, baselineFile: baseline, store: join(dir, 'small.db') });
  try {
    assert.ok(bytes.length > 64 * 1024);
    const big = await upload(bytes, 'application/vnd.tcpdump.pcap', 'synscan.pcapng', small.url);
    assert.equal(big.status, 413, JSON.stringify(big.json));
    assert.match(big.json.error, /larger than the batch limit of 65536 bytes \(server\.limits\.batchBytes\)/);
    // and it keeps serving
    const ok = await upload(readFileSync(join(pcaps, 'tcp_handshake.pcapng')), 'application/vnd.tcpdump.pcap', 'tcp_handshake.pcapng', small.url);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
  } finally {
    await small.close();
  }
});
