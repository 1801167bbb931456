/**
 * `publish` of a capture sends the packet detectors' findings to the workers: arppoison.pcapng and
 * synscan.pcapng published over two partitions, one worker consuming both: the store holds the
 * packet findings `analyze` finds in the same files (ARP poisoning of the gateway, the SYN scan), by
 * rule and source, each once; a second worker on the same consumer, rebuilding its rule state from
 * the stream after a restart, adds none. Before, the JetStream path lost every packet finding.
 *
 * Needs NATS JetStream and PostgreSQL on the machine (CI has them); skipped, saying why, without.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, NATS_URL, streamTestEnv, until } from '../testing/stream-workers.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { openStore } from '../store/open-store.js';

const env = await streamTestEnv({ stream: `NSPKF${process.pid}`, schema: `nspkf_${process.pid}`, tmpPrefix: 'ns-publish-findings-', needs: 'BENIGN_2500.csv' });
const skip = env.skip || skipWithoutShared('pcaps', 'arppoison.pcapng') || skipWithoutShared('pcaps', 'synscan.pcapng');

type Alert = { src_ip?: string; netsentinel?: { rule?: string } };
/** the packet detectors' findings (rules arp.* and packet.*) by rule and source, sorted */
const packetRules = (alerts: readonly Alert[]): string[] => alerts.filter((a) => /^(arp|packet)\./.test(a.netsentinel?.rule ?? '')).map((a) => `${a.netsentinel!.rule} ${a.src_ip ?? ''}`).sort();

test('publish of captures: the workers raise the packet findings analyze finds in the files, each once, also across a restart', { skip, timeout: 180_000 }, async () => {
  const captures = ['arppoison.pcapng', 'synscan.pcapng'].map((f) => sharedPath('pcaps', f) as string);
  const baseline = await env.benignBaseline();
  const expected: string[] = [];
  for (const pcap of captures) {
    const out = join(env.tmp, `an-${pcap.split('/').pop()}`);
    const a = spawnSync(process.execPath, [CLI, 'analyze', pcap, '-b', baseline, '--store', 'none', '--no-report', '-o', out, '-q'], { encoding: 'utf8' });
    assert.equal(a.status, 0, a.stderr);
    expected.push(...packetRules(readFileSync(join(out, 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Alert)));
  }
  expected.sort();
  assert.ok(expected.some((r) => r.startsWith('arp.gateway-poisoning')) && expected.some((r) => r.startsWith('packet.syn-scan')), expected.join(', '));

  const p = spawnSync(process.execPath, [CLI, 'publish', ...captures, '--stream', env.stream, '--partitions', '2', '--json', '-q'], { encoding: 'utf8', env: { ...process.env, NETSENTINEL_NATS_URL: NATS_URL } });
  assert.equal(p.status, 0, p.stderr);
  const published = JSON.parse(p.stdout) as { flows: number; findings: number; messages: number };
  assert.ok(published.findings >= expected.length, JSON.stringify(published));

  const bus = await env.openBus();
  const drained = async (durable: string): Promise<boolean> => {
    const info = await bus.jsm.consumers.info(env.stream, durable).catch(() => undefined);
    return info !== undefined && info.num_pending === 0 && info.num_ack_pending === 0;
  };
  const stored = async (): Promise<Alert[]> => {
    const s = await openStore(env.storeUrl);
    try {
      return (await s.listAlerts({ limit: 100_000 })).map((a) => a.record as Alert);
    } finally {
      await s.close();
    }
  };
  const run = async (): Promise<{ said: string; stats: { rebuiltMessages: number; findings: number } }> => {
    const w = env.startWorker(['--baseline', baseline, '--store', env.storeUrl, '--durable', 'pkf', '--ack-wait', '5', '--json']);
    // (its signal handling is in place once it says what it consumes)
    await until('the worker to start', 60_000, async () => /consuming/.test(w.stderr()), { said: () => w.stderr(), watch: w });
    await until('the worker to consume every message', 60_000, () => drained('pkf'), { said: () => w.stderr(), watch: w });
    w.child.kill('SIGTERM');
    const r = await w.done;
    assert.equal(r.code, 0, r.err);
    // (the JetStream worker's closing stats: stdout, one JSON document)
    return { said: r.err, stats: JSON.parse(r.out) };
  };
  const once = await run();
  const first = await stored();
  assert.deepEqual(packetRules(first), expected, `the stream's packet findings are analyze's: ${once.said}`);
  const again = await run();
  assert.ok(again.stats.rebuiltMessages > 0, again.said);
  assert.equal((await stored()).length, first.length, 'a restart (rebuild from the stream) stores nothing twice');
});
