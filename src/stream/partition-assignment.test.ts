/**
 * The worker-level side of partition-determinism.test.ts, against the real NATS JetStream and
 * PostgreSQL: the same published stream (4 partitions of CIC-IDS2017 flows: a port scan, a DDoS,
 * benign traffic) consumed by one worker over every partition (one consumer over <prefix>.flows.*,
 * messages in stream order) and by two workers owning two partitions each (two consumers each,
 * their messages interleaving as they come) stores the same alerts: the same keys, risks, reasons
 * and evidence. Each set of workers has its own durable consumers and store schema; streams and
 * schemas made here are deleted afterwards.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { streamTestEnv, until, type StreamWorker } from '../testing/stream-workers.js';
import { dropPgSchemas } from '../testing/local-services.js';

const env = await streamTestEnv({ stream: `NSASSIGN_${process.pid}`, schema: `ns_assign_whole_${process.pid}`, tmpPrefix: 'ns-assign-', needs: 'Portscan_2500.csv' });
const { stream } = env;
const splitSchema = `ns_assign_split_${process.pid}`;
const splitStore = env.storeUrl.replace(env.schema, splitSchema);
after(() => dropPgSchemas(splitSchema).catch(() => undefined));

/** every stored alert of a schema: key → what it says (not when it was stored) */
async function storedAlerts(schema: string): Promise<Map<string, string>> {
  const db = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await db.connect();
  try {
    const r = await db.query(`SELECT key, signature, src_ip, dest_ip, risk, reasons, record->'netsentinel' AS ns FROM ${schema}.alerts`);
    return new Map(r.rows.map((row: Record<string, unknown>) => [row.key as string, JSON.stringify([row.signature, row.src_ip, row.dest_ip, row.risk, row.reasons, row.ns])]));
  } finally {
    await db.end();
  }
}

test('one worker over every partition and two workers of two partitions each store the same alerts', { skip: env.skip, timeout: 300_000 }, async () => {
  const bus = await env.openBus();
  const baseline = await env.benignBaseline();
  const published = env.publish(['Portscan_2500.csv', 'DDoS_2500.csv', 'BENIGN_2500.csv'], 4, 50);
  const args = (durable: string, store: string, extra: string[]): string[] => ['--durable', durable, '--baseline', baseline, '--store', store, '--ack-wait', '30', '--json', ...extra];
  const workers: StreamWorker[] = [
    env.startWorker(args('whole', env.storeUrl, [])),
    env.startWorker(args('split', splitStore, ['--partitions', '0,1'])),
    env.startWorker(args('split', splitStore, ['--partitions', '2,3'])),
  ];
  const said = (): string => workers.map((w, i) => `worker ${i}:\n${w.stderr()}`).join('\n');
  try {
    const consumers = ['whole', ...[0, 1, 2, 3].map((p) => `split-p${p}`)];
    await until('every consumer finished', 240_000, async () => {
      for (const w of workers) if (w.exited()) throw new Error(`a worker exited early: ${said()}`);
      for (const c of consumers) {
        const i = await bus.jsm.consumers.info(stream, c).catch(() => undefined);
        if (!i || i.num_pending !== 0 || i.num_ack_pending !== 0) return false;
      }
      return true;
    }, { said });
    for (const w of workers) w.child.kill('SIGTERM');
    const ends = await Promise.all(workers.map((w) => w.done));
    const stats = ends.map((e) => {
      assert.equal(e.code, 0, e.err);
      return JSON.parse(e.out) as { messages: number; flows: number };
    });
    assert.equal(stats[0].messages, published.messages, 'the whole worker scored every message');
    assert.equal(stats[1].messages + stats[2].messages, published.messages, 'the split workers scored every message between them');

    const whole = await storedAlerts(env.schema);
    const split = await storedAlerts(splitSchema);
    // flow alerts (at most 10 per source a minute, the default), rule findings and risky sources
    const kinds = new Set([...whole.values()].map((v) => (JSON.parse(v) as string[])[0]));
    assert.ok(whole.size > 50 && kinds.has('netsentinel: Vertical port scan') && kinds.has('netsentinel: risky source'), `${whole.size} alerts: ${[...kinds].join(', ')}`);
    const missing = [...whole.keys()].filter((k) => !split.has(k));
    const extra = [...split.keys()].filter((k) => !whole.has(k));
    const changed = [...whole.keys()].filter((k) => split.has(k) && split.get(k) !== whole.get(k));
    const show = (m: Map<string, string>, keys: string[]): string => keys.slice(0, 3).map((k) => m.get(k)!.slice(0, 300)).join('\n    ');
    assert.ok(
      !missing.length && !extra.length && !changed.length,
      `${missing.length} of the whole worker's alerts missing from the split workers', ${extra.length} extra, ${changed.length} with other content\n  missing:\n    ${show(whole, missing)}\n  extra:\n    ${show(split, extra)}\n  changed (split):\n    ${show(split, changed)}`,
    );
  } finally {
    for (const w of workers) if (!w.exited()) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.done));
  }
});
