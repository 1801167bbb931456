/**
 * Rebalancing against the real NATS JetStream (127.0.0.1:4222, or NETSENTINEL_NATS_URL) and
 * PostgreSQL: two `stream --balance 4` workers of one durable share four partitions by leases in
 * the store; one is stopped with SIGTERM while the stream goes on (more flows are published after
 * it left), and the other takes its partitions. Asserted: each took its share while both ran, the
 * survivor ended holding every partition, every flow was scored exactly once between them (each
 * partition's consumer delivered each message once, none redelivered, all acknowledged) and every
 * alert stored once: the store holds exactly the flow alerts the two scored, and what they stored
 * again (duplicates) is only closures of episodes and source windows, never a flow alert. Streams
 * and schemas made here are deleted afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import pg from 'pg';
import { openStore } from '../store/open-store.js';
import { openLeaseStore } from './partition-leases.js';
import { flowSubject } from './partition.js';
import { streamTestEnv, until, type StreamWorker } from '../testing/stream-workers.js';

const env = await streamTestEnv({ stream: `NSBAL_${process.pid}`, schema: `ns_rebalance_${process.pid}`, tmpPrefix: 'ns-rebalance-', needs: 'SSH-Patator_2500.csv' });
const { stream, schema, storeUrl } = env;
const prefix = stream.toLowerCase();
const PARTITIONS = 4;
const DURABLE = 'shared';

const publish = (files: string[]): { flows: number; messages: number } => env.publish(files, PARTITIONS, 50);

function worker(baseline: string): StreamWorker & { kill: () => void; owner: string } {
  const w = env.startWorker(['--durable', DURABLE, '--balance', String(PARTITIONS), '--lease-ttl', '2', '--baseline', baseline, '--store', storeUrl, '--ack-wait', '30', '--json']);
  return { ...w, kill: () => w.child.kill('SIGTERM'), owner: `${DURABLE}@${hostname()}:${w.child.pid}` };
}

let workersSay = (): string => '';
const waitOn = { said: () => workersSay() };

test('two workers share the partitions by leases; one stopped with SIGTERM mid-stream, the other takes its partitions; every flow scored once', { skip: env.skip, timeout: 300_000 }, async () => {
  const bus = await env.openBus();
  const baseline = await env.benignBaseline();
  const opening = publish(['Web_Attack_-_Brute_Force_73.csv']);

  const leases = await openLeaseStore(storeUrl);
  const group = `${stream}/${DURABLE}`;
  const a = worker(baseline);
  const b = worker(baseline);
  workersSay = () => `A (${a.owner}):\n${a.stderr()}\nB (${b.owner}):\n${b.stderr()}`;
  try {
    // both hold a share: two partitions each
    await until('both workers holding two partitions', 60_000, async () => {
      const owners = [...(await leases.holders(group, Date.now())).values()];
      const counts = new Map<string, number>();
      for (const o of owners) counts.set(o, (counts.get(o) ?? 0) + 1);
      return counts.size === 2 && [...counts.values()].every((n) => n === 2);
    }, waitOn);
    const before = await leases.holders(group, Date.now());
    // the stream flows to both; A is stopped once it has scored some of its partitions' messages
    const first = publish(['BENIGN_2500.csv', 'Portscan_2500.csv', 'SSH-Patator_2500.csv']);
    const aHeld = [...before].filter(([, o]) => o === a.owner).map(([p]) => p);
    assert.equal(aHeld.length, 2);
    await until('the first worker scoring', 60_000, async () => {
      for (const p of aHeld) {
        const c = await bus.jsm.consumers.info(stream, `${DURABLE}-p${p}`).catch(() => undefined);
        if (c && c.ack_floor.stream_seq > opening.messages) return true;
      }
      return false;
    }, waitOn);
    a.kill();
    const ra = await a.done;
    assert.equal(ra.code, 0, ra.err);
    const statsA = JSON.parse(ra.out) as { owner: string; flows: number; messages: number; alerts: number; flowAlerts: number; stored: number; duplicates: number; redelivered: number };
    assert.equal(statsA.owner, a.owner);
    // the stream goes on after the worker left
    const second = publish(['DoS_Slowloris_2500.csv', 'FTP-Patator_2500.csv']);
    const total = opening.messages + first.messages + second.messages;
    await until('the other worker holding every partition', 30_000, async () => {
      const h = await leases.holders(group, Date.now());
      return h.size === PARTITIONS && new Set(h.values()).size === 1 && !h.has(-1) && [...h.values()][0] !== statsA.owner;
    }, waitOn);
    const info = await bus.jsm.streams.info(stream, { subjects_filter: '>' });
    const perPartition = info.state.subjects ?? {};
    await until('every partition consumed', 120_000, async () => {
      for (let p = 0; p < PARTITIONS; p++) {
        const c: { num_pending: number; num_ack_pending: number } | undefined = await bus.jsm.consumers.info(stream, `${DURABLE}-p${p}`).catch(() => undefined);
        if (!c || c.num_pending !== 0 || c.num_ack_pending !== 0) return false;
      }
      return true;
    }, waitOn);
    let delivered = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const c: { delivered: { consumer_seq: number }; num_redelivered: number } = await bus.jsm.consumers.info(stream, `${DURABLE}-p${p}`);
      const published = perPartition[flowSubject(prefix, p)] ?? 0;
      assert.equal(c.delivered.consumer_seq, published, `partition ${p}: each message delivered once`);
      assert.equal(c.num_redelivered, 0, `partition ${p}`);
      delivered += c.delivered.consumer_seq;
    }
    assert.equal(delivered, total);
    b.kill();
    const rb = await b.done;
    assert.equal(rb.code, 0, rb.err);
    const statsB = JSON.parse(rb.out) as typeof statsA & { moves: { partition: number; action: string }[] };
    for (const p of aHeld) assert.ok(statsB.moves.some((m) => m.partition === p && m.action === 'took'), `the survivor took partition ${p}`);
    assert.equal(statsA.messages + statsB.messages, total, 'every message scored once between them');
    assert.equal(statsA.flows + statsB.flows, opening.flows + first.flows + second.flows, 'every flow scored once between them');
    assert.equal(statsA.redelivered + statsB.redelivered, 0);
    assert.ok(statsA.flows > 0, 'the stopped worker had scored its share before it left');
    // every alert stored once
    const store = await openStore(storeUrl);
    const stored = await store.countAlerts();
    await store.close();
    assert.ok(stored > 1000, `${stored} alerts`);
    assert.equal(stored, statsA.stored + statsB.stored);
    // every flow alert stored once: a message scored by both workers (or twice by one) would make
    // its flow alerts again, duplicates then, and the store would hold fewer than they made
    const db = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await db.connect();
    const flowRows = await db.query(`SELECT COUNT(*) AS n FROM ${schema}.alerts WHERE signature LIKE 'netsentinel: risky flow%'`);
    await db.end();
    assert.ok(statsA.flowAlerts + statsB.flowAlerts > 100, `${statsA.flowAlerts + statsB.flowAlerts} flow alerts`);
    assert.equal(Number(flowRows.rows[0].n), statsA.flowAlerts + statsB.flowAlerts, 'each flow alert made once between them');
    // what was stored again are closures only: after each move the new holder's rebuild replays the
    // old holder's last messages, closing again the episodes and source windows the old holder
    // closed (same flows, same keys: no-ops by design, see balanced-worker.ts)
    const closures = statsA.alerts - statsA.flowAlerts + (statsB.alerts - statsB.flowAlerts);
    assert.ok(statsA.duplicates + statsB.duplicates <= closures, `${statsA.duplicates + statsB.duplicates} duplicates, ${closures} closure alerts`);
  } finally {
    if (!a.exited()) a.kill();
    if (!b.exited()) b.kill();
    await Promise.all([a.done, b.done]);
    await leases.close();
  }
});
