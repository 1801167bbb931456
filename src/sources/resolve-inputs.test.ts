import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ANALYZE_FILES, CLUSTER_FILES } from '../report/plot-files.js';
import { DATA_FILE, OWN_OUTPUTS, resolveInputs } from './resolve-inputs.js';

test('OWN_OUTPUTS holds every output of analyze, cluster and respond that a folder search would take for data', () => {
  // respond writes blocked_ips.txt beside netsentinel.nft and netsentinel.ipset (src/respond/block/block-files.ts)
  const written = [...ANALYZE_FILES, ...CLUSTER_FILES, 'blocked_ips.txt', 'netsentinel.nft', 'netsentinel.ipset'];
  const taken = written.filter((n) => DATA_FILE.test(n));
  assert.deepEqual([...OWN_OUTPUTS].sort(), taken.sort());
});

test('a folder and a pattern list their files in the order people number them (day2 before day10)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-resolve-'));
  try {
    for (const n of ['day10.csv', 'day2.csv', 'Day1.csv', 'day1.csv', 'notes.md']) writeFileSync(join(dir, n), 'a,b\n1,2\n');
    const want = ['day1.csv', 'Day1.csv', 'day2.csv', 'day10.csv'];
    assert.deepEqual((await resolveInputs([dir])).map((f) => basename(f.display)), want);
    assert.deepEqual((await resolveInputs([join(dir, '*.csv')])).map((f) => basename(f.display)), want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
