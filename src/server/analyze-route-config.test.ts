/**
 * POST /v1/analyze reads the config file's analysis sections as `netsentinel analyze --config` does
 * (rules, thresholds, alert limits): a network that tuned its rules gets the same judgement through
 * the service. Before, an upload was always analysed with the built-in defaults (the flow and IP
 * thresholds written into the route, the rules and packet detectors unconfigured), whatever
 * `serve --config` was given. synscan.pcapng (a SYN scan of 1,000 ports) uploaded to a service
 * whose file turns the port-scan rule and the SYN watch off: neither is found, as the CLI with that
 * file finds neither; a service without it finds both.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startService } from './service.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';
import { loadSettings } from '../config/settings.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-analyze-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("an upload is judged with the config file's rules, as analyze --config judges the file", { skip: skipWithoutShared('pcaps', 'synscan.pcapng') || skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv'), timeout: 120_000 }, async () => {
  const pcap = sharedPath('pcaps', 'synscan.pcapng') as string;
  const baseline = join(dir, 'lo.nsb');
  // CIC-IDS2017 benign flows: the columns a capture's flows have
  const b = spawnSync(process.execPath, [main, 'baseline', sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string, '-o', baseline, '-q', '--threads', '1'], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const config = join(dir, 'netsentinel.yaml');
  writeFileSync(config, 'thresholds:\n  ip: 0.995\nrules:\n  portScan:\n    enabled: false\n  synScan:\n    enabled: false\n');
  const rulesOf = (summary: { findingsByRule?: Record<string, number> }): string[] => Object.keys(summary.findingsByRule ?? {}).sort();
  const cli = (extra: string[]): Record<string, any> => {
    const r = spawnSync(process.execPath, [main, 'analyze', pcap, '-b', baseline, '--store', 'none', '--no-report', '-o', join(dir, `cli${extra.length}`), '-q', '--json', ...extra], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const upload = async (settingsFile?: string): Promise<Record<string, any>> => {
    const svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false }, baselineFile: baseline, store: join(dir, `svc${settingsFile ? 1 : 0}.db`), settings: loadSettings({ configFile: settingsFile }) });
    try {
      const r = await fetch(svc.url + '/v1/analyze?name=synscan.pcapng', { method: 'POST', body: readFileSync(pcap), headers: { 'Content-Type': 'application/vnd.tcpdump.pcap' } });
      const body = (await r.json()) as Record<string, any>;
      assert.equal(r.status, 200, JSON.stringify(body));
      return body.summary;
    } finally {
      await svc.close();
    }
  };
  const plain = await upload();
  assert.ok(rulesOf(plain).includes('port-scan.vertical') && rulesOf(plain).includes('packet.syn-scan'), rulesOf(plain).join(', '));
  assert.deepEqual(rulesOf(plain), rulesOf(cli([])), 'without a config file: the CLI default');
  const tuned = await upload(config);
  assert.deepEqual(rulesOf(tuned), rulesOf(cli(['--config', config])), 'with it: what analyze --config finds');
  assert.ok(!rulesOf(tuned).includes('port-scan.vertical') && !rulesOf(tuned).includes('packet.syn-scan'), rulesOf(tuned).join(', '));
  assert.equal(tuned.thresholds.ip, 0.995, JSON.stringify(tuned.thresholds));
  assert.equal(plain.thresholds.ip, 0.99);
});
