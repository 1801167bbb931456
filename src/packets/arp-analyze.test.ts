// ARP findings end to end: a capture through `netsentinel analyze`, the packet detector's findings
// through the pipeline's evidence hook into alerts.jsonl and the text summary (they name no source
// address, so they have a section of their own there rather than a source row).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));

test('analyze arppoison.pcapng: the ARP findings reach alerts.jsonl and the summary, naming the MAC and the poisoner\'s address', { skip: skipWithoutShared('pcaps', 'arppoison.pcapng') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-arp-'));
  try {
    const r = spawnSync(process.execPath, [main, 'analyze', sharedPath('pcaps', 'arppoison.pcapng') as string, '-o', join(dir, 'out'), '--store', 'none', '-q', '--no-report'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // the poisoner's own address is the source (before: a finding without a source address, so
    // nothing a blocklist could take), and the gateway it impersonates its one target
    assert.match(r.stdout, /\n {2}172\.16\.0\.105 +risk [0-9.]+ +0 flows\n {6}- ARP poisoning of the gateway \(man in the middle\): target host 172\.16\.0\.1,/);
    assert.doesNotMatch(r.stdout, /Findings without a source address/);
    const alerts = readFileSync(join(dir, 'out', 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { src_ip?: string; netsentinel: { rule?: string; reasons: string[] } });
    const poisoning = alerts.find((a) => a.netsentinel.rule === 'arp.gateway-poisoning');
    assert.equal(poisoning?.src_ip, '172.16.0.105');
    assert.match(poisoning.netsentinel.reasons[0], /^00:25:b3:bf:91:ee \(172\.16\.0\.105's MAC\) announced itself by ARP as 172\.16\.0\.1, 172\.16\.0\.105/);
    const signatures = readFileSync(join(dir, 'out', 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { alert: { signature: string } }).alert.signature);
    assert.ok(signatures.includes('netsentinel: ARP poisoning of the gateway (man in the middle)'), signatures.join('; '));
    // a capture's flows carry their packets' exact times: no note that times were read as UTC for want of an offset
    const notes = (JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as { inputNotes: string[] }).inputNotes;
    assert.ok(!notes.some((n) => /UTC/.test(n)), notes.join('; '));
    assert.doesNotMatch(r.stdout + r.stderr, /without a UTC offset/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
