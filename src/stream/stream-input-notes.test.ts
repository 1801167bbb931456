/**
 * `stream` says what it assumed in reading its flows, as analyze does in its summary and report:
 * times without a UTC offset read as UTC (every alert's time hangs on it), IPv4-mapped addresses of
 * a flow file read as IPv4. Once each, however many batches. Before, a worker said nothing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ns-stream-notes-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function flows(n: number, mapped: boolean): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const client = mapped && i % 2 ? `::ffff:198.51.${i % 7}.${10 + (i % 50)}` : `10.0.${i % 7}.${10 + (i % 50)}`;
    const second = String(i % 60).padStart(2, '0');
    return `2017-07-07 13:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${second},${client},10.0.0.1,${40000 + i},443,6,${1000 + ((i * 37) % 900)},${3 + (i % 5)},${2 + (i % 4)}`;
  });
  return 'timestamp,src_ip,dst_ip,src_port,dst_port,protocol,duration_us,fwd_packets,bwd_packets\n' + rows.join('\n') + '\n';
}

test('stream --stdin says each input note once: offset-less times read as UTC, IPv4-mapped clients read as IPv4', async () => {
  const normal = join(tmp, 'normal.csv');
  writeFileSync(normal, flows(400, false));
  const baseline = join(tmp, 'normal.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([normal], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const r = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--batch-rows', '100'], { input: flows(350, true), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const notes = r.stderr.split('\n').filter((l) => l.startsWith('netsentinel: stream: input: '));
  assert.deepEqual(
    notes.filter((l) => l.includes('UTC')),
    ['netsentinel: stream: input: "timestamp" has times without a UTC offset; they are read as UTC'],
    r.stderr,
  );
  assert.equal(notes.filter((l) => l.includes('IPv4-mapped')).length, 1, r.stderr);
});
