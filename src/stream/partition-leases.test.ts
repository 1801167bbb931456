/**
 * Partition leases on the embedded store (one SQLite file, as workers on one machine share it):
 * one holder per partition, a lease taken over only once it expired, heartbeats counting the live
 * workers, and leaving gives everything back. The PostgreSQL path runs the same SQL in
 * rebalance.test.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLeaseStore } from './partition-leases.js';

const tmp = mkdtempSync(join(tmpdir(), 'ns-leases-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('leases: one holder per partition, taken over only after expiry, live workers counted, leave gives back', async () => {
  const s = await openLeaseStore(join(tmp, 'leases.db'));
  try {
    const g = 'S/ns';
    const ttl = 1000;
    assert.equal(await s.heartbeat(g, 'a', 0, ttl), 1);
    assert.equal(await s.heartbeat(g, 'b', 0, ttl), 2);
    assert.equal(await s.claim(g, 'a', 0, 0, ttl), true);
    assert.equal(await s.claim(g, 'b', 0, 10, ttl), false, 'held by a');
    assert.equal(await s.claim(g, 'a', 0, 10, ttl), true, 'a holder may claim again');
    assert.equal(await s.claim(g, 'b', 1, 10, ttl), true);
    assert.deepEqual(await s.renew(g, 'a', 500, ttl), [0]);
    assert.equal(await s.claim(g, 'b', 0, 1400, ttl), false, 'renewed until 1500');
    assert.equal(await s.claim(g, 'b', 0, 1600, ttl), true, 'expired: taken over');
    assert.deepEqual(await s.renew(g, 'a', 1600, ttl), [], 'a lost it');
    assert.deepEqual([...(await s.holders(g, 1600))].sort(), [[0, 'b'], [1, 'b']]);
    // a's heartbeat (until 1000) has expired by 1600: b alone is live
    assert.equal(await s.heartbeat(g, 'b', 1600, ttl), 1);
    await s.release(g, 'b', 1);
    assert.deepEqual([...(await s.holders(g, 1600))], [[0, 'b']]);
    await s.leave(g, 'b');
    assert.equal((await s.holders(g, 1600)).size, 0);
    assert.equal(await s.claim('other/group', 'c', 0, 0, ttl), true, 'groups are apart');
  } finally {
    await s.close();
  }
});
