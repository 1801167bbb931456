/**
 * The decision and outbox stores on both back ends: SQLite always, PostgreSQL at 127.0.0.1:5432
 * when it answers (CI=true makes its absence a failure, as for the alert store).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDecisionStore } from './decision-store.js';
import { openOutboxStore } from './outbox-store.js';
import type { Decision } from '../respond/decision.js';
import { dropPgSchemas, pgReachable } from '../testing/local-services.js';

const pgUp = await pgReachable();
const pgSkip = !pgUp && process.env.CI !== 'true' ? 'PostgreSQL is not running on 127.0.0.1:5432' : false;
const SCHEMA = `ns_respond_test_${process.pid}`;
const PG_URL = `postgres://postgres@127.0.0.1:5432/test?schema=${SCHEMA}`;

const dropSchema = (): Promise<void> => dropPgSchemas(SCHEMA);

const t0 = Date.parse('2026-12-03T08:00:00Z');
function decision(id: string, value: string, o: Partial<Decision> = {}): Decision {
  return { id, scope: 'ip', value, type: 'ban', severity: 'high', reason: 'r', reasonKey: 'risk', origin: 'analyze:x', created: new Date(t0).toISOString(), expires: new Date(t0 + 3600_000).toISOString(), simulated: false, risk: 0.99995, ...o };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  const loc = (): string => (backend === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'ns-dec-')), 'n.db') : PG_URL);

  test(`${backend}: decisions are saved once, listed, filtered, deleted and expired`, { skip: backend === 'postgres' ? pgSkip : false }, async () => {
    const where = loc();
    const s = await openDecisionStore(where);
    try {
      assert.equal(await s.save([decision('a', '203.0.113.1'), decision('b', '203.0.113.2', { simulated: true }), decision('c', '203.0.113.3', { expires: new Date(t0 + 1000).toISOString(), type: 'alert' })]), 3);
      assert.equal(await s.save([decision('a', '203.0.113.1')]), 0);
      const active = await s.list({ activeAt: t0 + 2000, simulated: false });
      assert.deepEqual(active.map((d) => d.id), ['a']);
      assert.deepEqual(active[0], decision('a', '203.0.113.1'));
      assert.equal((await s.list()).length, 3);
      assert.deepEqual((await s.list({ type: 'alert' })).map((d) => d.id), ['c']);
      assert.deepEqual((await s.recent(new Date(t0 + 1).toISOString(), new Date(t0 + 2000).toISOString())).map((d) => d.id).sort(), ['a', 'b']);
      assert.deepEqual((await s.deleteExpired(new Date(t0 + 2000).toISOString())).map((d) => d.id), ['c']);
      assert.deepEqual((await s.delete('203.0.113.2')).map((d) => d.id), ['b']);
      assert.deepEqual((await s.delete('a')).map((d) => d.value), ['203.0.113.1']);
      assert.equal((await s.list()).length, 0);
    } finally {
      await s.close();
      if (backend === 'postgres') await dropSchema();
    }
  });

  test(`${backend}: decisions page by a (created, id) cursor and filter by origin and expiry`, { skip: backend === 'postgres' ? pgSkip : false }, async () => {
    const where = loc();
    const s = await openDecisionStore(where);
    try {
      // two share a creation time: the id orders them, so no page repeats or skips one
      const at = (m: number) => new Date(t0 + m * 60_000).toISOString();
      await s.save([
        decision('p1', '192.0.2.1', { created: at(3), origin: 'api' }),
        decision('p2', '192.0.2.2', { created: at(2), origin: 'manual' }),
        decision('p3', '192.0.2.3', { created: at(2), origin: 'api' }),
        decision('p4', '192.0.2.4', { created: at(1), origin: 'api', expires: at(1.5) }),
      ]);
      const order = (await s.list()).map((d) => d.id).filter((id) => id.startsWith('p'));
      assert.deepEqual(order, ['p1', 'p2', 'p3', 'p4']);
      const first = await s.list({ limit: 2 });
      assert.deepEqual(first.map((d) => d.id), ['p1', 'p2']);
      const second = await s.list({ limit: 2, after: { created: first[1].created, id: first[1].id } });
      assert.deepEqual(second.map((d) => d.id), ['p3', 'p4']);
      assert.deepEqual((await s.list({ origin: 'api' })).map((d) => d.id), ['p1', 'p3', 'p4']);
      assert.deepEqual((await s.list({ expiredAt: Date.parse(at(2)) })).map((d) => d.id), ['p4']);
      assert.deepEqual((await s.list({ origin: 'api', after: { created: at(2), id: 'p2' } })).map((d) => d.id), ['p3', 'p4']);
      for (const id of ['p1', 'p2', 'p3', 'p4']) await s.delete(id);
    } finally {
      await s.close();
      if (backend === 'postgres') await dropSchema();
    }
  });

  test(`${backend}: the outbox keeps each (channel, key) once, leases claims, and marks sent or failed`, { skip: backend === 'postgres' ? pgSkip : false }, async () => {
    const where = loc();
    const a = await openOutboxStore(where);
    const b = await openOutboxStore(where);
    try {
      const entries = ['k1', 'k2', 'k3'].flatMap((k) => ['email', 'webhook'].map((channel) => ({ channel, key: k, payload: { ip: k } })));
      assert.equal(await a.enqueue(entries), 6);
      assert.equal(await a.enqueue(entries.slice(0, 2)), 0);
      // two flushers at once take disjoint rows
      const c1 = await a.claim('webhook', 2, 60_000);
      const c2 = await b.claim('webhook', 2, 60_000);
      assert.deepEqual(c1.map((i) => i.key), ['k1', 'k2']);
      assert.deepEqual(c2.map((i) => i.key), ['k3']);
      assert.deepEqual(c1[0].payload, { ip: 'k1' });
      await a.markSent([c1[0].id]);
      await a.markFailed([c1[1].id], 'ECONNREFUSED');
      await b.release(c2.map((i) => i.id));
      const again = await b.claim('webhook', 10, 60_000);
      assert.deepEqual(again.map((i) => [i.key, i.attempts, i.lastError]), [['k2', 1, 'ECONNREFUSED'], ['k3', 0, null]]);
      // a refused row can be held back for a while
      await b.markFailed([again[0].id], 'HTTP 400', 60_000);
      await b.release([again[1].id]);
      assert.deepEqual((await a.claim('webhook', 10, 60_000)).map((i) => i.key), ['k3']);
      // k2 held after its refusal, k3 leased by a flusher: neither is taken now, and the error says why
      const counts = await a.counts();
      assert.deepEqual(
        counts.map((c) => ({ ...c, heldUntil: c.heldUntil === null ? null : 'set' })),
        [
          { channel: 'email', pending: 3, sent: 0, held: 0, heldUntil: null, lastError: null },
          { channel: 'webhook', pending: 2, sent: 1, held: 2, heldUntil: 'set', lastError: 'HTTP 400' },
        ],
      );
      const until = Date.parse(counts[1].heldUntil!);
      assert.ok(until > Date.now() + 50_000 && until <= Date.now() + 60_000, counts[1].heldUntil!);
      assert.equal((await a.list({ pending: false })).length, 1);
    } finally {
      await a.close();
      await b.close();
      if (backend === 'postgres') await dropSchema();
    }
  });
}
