/**
 * `analyze` warns, one line per column, about the cells it imputed or found impossible, as profile,
 * score and baseline do for the same file (README: every verb that reads data does). Before, it
 * said nothing: a dst_port of 1e400 or text in a duration was imputed silently. CICFlowMeter's
 * everyday cells (infinite or empty rates of zero-duration flows, negative header lengths) are
 * expected and not said, so a CIC-IDS2017 run or a capture stays as quiet as before.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../../testing/shared-data.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-analyze-cells-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function analyze(input: string, out: string): { code: number; err: string } {
  const r = spawnSync(process.execPath, [main, 'analyze', input, '-o', join(dir, out), '--store', 'none', '--no-report', '-q', '--threads', '1'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, err: r.stderr };
}
const cellLines = (err: string): string[] => err.split('\n').filter((l) => /^netsentinel: warning: (column |\d[\d,]* (more )?columns)/.test(l));

test('analyze warns about imputed cells of a generic CSV, one line per column, as profile does', () => {
  const csv = join(dir, 'flows.csv');
  const rows = Array.from({ length: 300 }, (_, i) => `10.0.0.${1 + (i % 20)},10.0.1.1,${40000 + i},${i === 7 ? '1e400' : 443},6,${i === 9 ? '' : 1000 + ((i * 37) % 900)},${3 + (i % 5)}`);
  writeFileSync(csv, 'src_ip,dst_ip,src_port,dst_port,protocol,duration,packets\n' + rows.join('\n') + '\n');
  const r = analyze(csv, 'generic');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(cellLines(r.err), [
    'netsentinel: warning: column "dst_port": 1 infinite imputed with the training maximum/minimum (of 300 rows)',
    'netsentinel: warning: column "duration": 1 missing (empty or NaN) imputed with the training median (of 300 rows)',
  ]);
  const p = spawnSync(process.execPath, [main, 'profile', csv, '-q'], { encoding: 'utf8' });
  assert.deepEqual(cellLines(p.stderr), cellLines(r.err), 'the same lines as profile');
});

test("CICFlowMeter's everyday cells (infinite and empty rates, negative header lengths) are not said; others in the same file are", { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv') }, () => {
  const lines = readFileSync(sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv')!, 'utf8').split('\n').slice(0, 401);
  const head = lines[0].split(',');
  const at = (name: string): number => head.indexOf(name);
  const rows = lines.slice(1).map((l, i) => {
    const f = l.split(',');
    if (i % 10 === 0) {
      f[at('Flow Bytes/s')] = i % 20 === 0 ? 'Infinity' : '';
      f[at('Flow Packets/s')] = 'Infinity';
      f[at('Fwd Header Length')] = '-1073741800';
    }
    return f.join(',');
  });
  const quirks = join(dir, 'cic-quirks.csv');
  writeFileSync(quirks, [lines[0], ...rows].join('\n') + '\n');
  const quiet = analyze(quirks, 'cic');
  assert.equal(quiet.code, 0, quiet.err);
  assert.deepEqual(cellLines(quiet.err), [], quiet.err);
  // an infinite port in the same kind of file is no quirk
  const port = join(dir, 'cic-port.csv');
  writeFileSync(port, [lines[0], ...rows.map((l, i) => (i === 3 ? l.split(',').map((v, k) => (k === at('Dst Port') ? '1e400' : v)).join(',') : l))].join('\n') + '\n');
  const said = analyze(port, 'cic-port');
  assert.equal(said.code, 0, said.err);
  assert.deepEqual(cellLines(said.err), ['netsentinel: warning: column "Dst Port": 1 infinite imputed with the training maximum/minimum (of 400 rows)'], said.err);
});
