/**
 * The files of a folder passed over while reading (netsentinel's own outputs, a README ...) are in
 * the verbs' --json as `skippedFiles` (file and reason), not only in the warnings on stderr:
 * analyze (read on its reading thread) and profile (read on the main thread), real processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const sample = fileURLToPath(new URL('../../samples/loopback/', import.meta.url));

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '' }, maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('--json lists the files of a folder that were passed over, with the reason (analyze, profile)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-skipped-json-'));
  try {
    const flows = join(dir, 'flows');
    mkdirSync(flows);
    copyFileSync(join(sample, 'traffic.csv'), join(flows, 'traffic.csv'));
    writeFileSync(join(flows, 'risky_ips.txt'), '127.0.0.66\n');
    writeFileSync(join(flows, 'hosts.txt'), '10.0.0.1\n10.0.0.2\n');
    const expected = [
      { file: join(flows, 'risky_ips.txt'), reason: "netsentinel's own output, not flow records" },
      { file: join(flows, 'hosts.txt'), reason: 'one value per line, not flow records' },
    ];
    const b = cli('baseline', join(sample, 'normal.csv'), '-o', join(dir, 'b.nsb'), '-q', '--json');
    assert.equal(b.code, 0, b.err);
    assert.deepEqual(JSON.parse(b.out).skippedFiles, [], 'a file named by the user: nothing passed over');
    const a = cli('analyze', flows, '-b', join(dir, 'b.nsb'), '-o', join(dir, 'out'), '--store', 'none', '--no-report', '-q', '--json');
    assert.equal(a.code, 0, a.err);
    assert.deepEqual(JSON.parse(a.out).skippedFiles, expected);
    // each said once on stderr too
    assert.equal(a.err.split('\n').filter((l) => l.includes('skipped')).length, 2, a.err);
    const p = cli('profile', flows, '-q', '--json');
    assert.equal(p.code, 0, p.err);
    assert.deepEqual(JSON.parse(p.out).skippedFiles, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
