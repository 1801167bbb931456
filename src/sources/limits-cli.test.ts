// The limits as the command line sees them: each refusal is one line, exit 2, and its flag raises it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const main = new URL('../cli/main.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'netsentinel-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a 100,000-column header is refused in one line naming --max-columns; the flag sets the limit', () => {
  const p = join(dir, 'wide.csv');
  writeFileSync(p, Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',') + '\n');
  const r = cli('profile', p, '-q');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^netsentinel: .*more than 10,000 fields.*--max-columns/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  // the flag reaches the reader (the read with a raised limit is tested in hostile-input.test.ts)
  const raised = cli('profile', p, '-q', '--max-columns', '99999');
  assert.match(raised.stderr, /more than 99,999 fields/);
});

test('train refuses a target with more classes than --max-classes, and the flag raises it', () => {
  const p = join(dir, 'classes.csv');
  let s = 'a,b,label\n';
  for (let i = 0; i < 600; i++) s += `${i % 17},${i % 5},L${i % 150}\n`;
  writeFileSync(p, s);
  const r = cli('train', p, '--label', 'label', '-m', 'decision-tree', '-o', join(dir, 'm.nsm'), '-q');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /has 150 classes, more than the limit of 100.*--max-classes/);
  const ok = cli('train', p, '--label', 'label', '-m', 'decision-tree', '-o', join(dir, 'm.nsm'), '-q', '--max-classes', '200');
  assert.equal(ok.code, 0, ok.stderr);
});

test('train, predict and evaluate warn once per column about imputed cells', () => {
  const p = join(dir, 'cells.csv');
  let s = 'dur,pkt_count,label\n';
  for (let i = 0; i < 40; i++) s += `${i % 5 === 0 ? 'NaN' : i},${i % 7 === 0 ? 'inf' : i % 11 === 0 ? -i : i},${i % 2 ? 'normal' : 'attack'}\n`;
  writeFileSync(p, s);
  const m = join(dir, 'cells.nsm');
  const r = cli('train', p, '--label', 'label', '-m', 'decision-tree', '-o', m, '-q');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: column "dur": 8 missing/);
  assert.match(r.stderr, /warning: column "pkt_count": 6 infinite.*3 negative/);
  for (const verb of ['predict', 'evaluate']) {
    const q = cli(verb, m, p, '-q', ...(verb === 'evaluate' ? [] : ['-o', join(dir, 'p.csv')]));
    assert.equal(q.code, 0, `${verb}: ${q.stderr}`);
    assert.equal(q.stderr.match(/warning: column "dur"/g)?.length, 1, `${verb}: ${q.stderr}`);
  }
});
