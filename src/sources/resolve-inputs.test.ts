import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANALYZE_FILES, CLUSTER_FILES } from '../report/plot-files.js';
import { DATA_FILE, OWN_OUTPUTS } from './resolve-inputs.js';

test('OWN_OUTPUTS holds every output of analyze, cluster and respond that a folder search would take for data', () => {
  // respond writes blocked_ips.txt beside netsentinel.nft and netsentinel.ipset (src/respond/block/block-files.ts)
  const written = [...ANALYZE_FILES, ...CLUSTER_FILES, 'blocked_ips.txt', 'netsentinel.nft', 'netsentinel.ipset'];
  const taken = written.filter((n) => DATA_FILE.test(n));
  assert.deepEqual([...OWN_OUTPUTS].sort(), taken.sort());
});
