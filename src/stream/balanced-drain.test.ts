/**
 * `stream --balance`: a partition given back drains beside the heartbeat. The worker's partitions
 * run through its runPartition seam here, so one partition's drain can be held for as long as the
 * test likes (as a long message or a store outage would hold it), with real leases in a SQLite
 * store. While that drain is held, for several lease TTLs, a second worker must not be able to
 * take any partition of the first: its other lease and the draining partition's own are renewed.
 * Once the drain ends the partition's lease is released and can be taken.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBalancedWorker, type BalancedOptions } from './balanced-worker.js';
import { openLeaseStore } from './partition-leases.js';
import type { WorkerOptions, WorkerStats } from './stream-worker.js';

const tmp = mkdtempSync(join(tmpdir(), 'ns-balanced-drain-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const zero = (): WorkerStats => ({ messages: 0, flows: 0, redelivered: 0, rejected: 0, alerts: 0, flowAlerts: 0, flowAlertsSuppressed: 0, findings: 0, stored: 0, duplicates: 0, rebuiltMessages: 0, rebuiltFlows: 0, seconds: 0 });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('a slow drain of a partition given back does not stop the renewal of the leases (no partition taken mid-drain)', { timeout: 120_000 }, async () => {
  const leases = await openLeaseStore(join(tmp, 'leases.db'));
  const ttlMs = 1200;
  const group = 'S/d';
  const started = new Set<number>();
  const draining = new Set<number>();
  let releaseDrain!: () => void;
  const drainHeld = new Promise<void>((r) => (releaseDrain = r));
  const runPartition = async (w: WorkerOptions): Promise<WorkerStats> => {
    const p = w.partitions![0];
    started.add(p);
    await new Promise<void>((r) => (w.signal.aborted ? r() : w.signal.addEventListener('abort', () => r(), { once: true })));
    draining.add(p);
    await drainHeld; // a drain that takes as long as the test says
    return zero();
  };
  const ctl = new AbortController();
  const notes: string[] = [];
  const options = { stream: 'S', durable: 'd', partitionCount: 2, leases, ttlMs, owner: 'A', signal: ctl.signal, note: (l: string) => notes.push(l), runPartition } as unknown as BalancedOptions;
  const run = runBalancedWorker(options);
  try {
    await until('A holding both partitions', () => started.has(0) && started.has(1));
    // B joins: A's share drops to one partition, it gives back partition 1 and its drain hangs
    const beatB = setInterval(() => void leases.heartbeat(group, 'B', Date.now(), 60_000), 200);
    await leases.heartbeat(group, 'B', Date.now(), 60_000);
    try {
      await until('A draining partition 1', () => draining.has(1));
      assert.ok(!draining.has(0));
      // several TTLs of a held drain: A's leases (the one it keeps, the one it drains) stay A's
      for (let i = 0; i < 4; i++) {
        await sleep(ttlMs);
        for (const p of [0, 1]) assert.equal(await leases.claim(group, 'B', p, Date.now(), 60_000), false, `B took partition ${p} while A drained partition 1 (round ${i})`);
        assert.equal((await leases.holders(group, Date.now())).get(0), 'A');
      }
      // the drain ends: partition 1 is released, and B can take it
      releaseDrain();
      await until('partition 1 released', async () => !(await leases.holders(group, Date.now())).has(1));
      assert.equal(await leases.claim(group, 'B', 1, Date.now(), 60_000), true);
      assert.equal(await leases.claim(group, 'B', 0, Date.now(), 60_000), false, 'partition 0 is still A\'s');
      assert.ok(notes.some((l) => /gave back partition 1/.test(l)), notes.join('\n'));
    } finally {
      clearInterval(beatB);
    }
  } finally {
    releaseDrain();
    ctl.abort();
    await run;
    await leases.close();
  }
});
