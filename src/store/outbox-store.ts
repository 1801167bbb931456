/**
 * The outbox: every notification is written here first, in the same database as the alerts, and
 * marked sent only once its server accepted it (SMTP 250 after DATA, HTTP 2xx, syslog written to
 * a TCP stream or a UDP socket). A channel that is down loses nothing: the row waits, and the
 * next `notify --flush` (or any later respond run) delivers it. (channel, key) is unique, so the
 * same alert queued twice is one row, and the key doubles as the webhook's Idempotency-Key.
 *
 * Rows are claimed with a lease before delivery, so two flushers running at once (a cron job and
 * `analyze --respond`) never send the same row twice at the same time; a flusher that dies leaves
 * a lease that simply runs out.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { openPgPool, openSqlite, parseStoreLocation } from './store-location.js';

export interface OutboxEntry {
  readonly channel: string;
  /** unique per channel: the idempotency key */
  readonly key: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface OutboxItem extends OutboxEntry {
  readonly id: number;
  readonly created: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly sentAt: string | null;
}

export interface OutboxCounts {
  readonly channel: string;
  readonly pending: number;
  readonly sent: number;
  /** of the pending, those no flush takes now: refused by the server (held a while) or being delivered */
  readonly held: number;
  /** when the first held row may be taken again (ISO 8601), null when none is held */
  readonly heldUntil: string | null;
  /** the newest error of a pending row (why it still waits), null when none failed */
  readonly lastError: string | null;
}

export interface OutboxStore {
  readonly where: string;
  /** queue entries; an entry whose (channel, key) is already queued is left alone. Returns how many were new. */
  enqueue(entries: readonly OutboxEntry[]): Promise<number>;
  /** take up to `limit` unsent, unleased rows of a channel (oldest first) and lease them */
  claim(channel: string, limit: number, leaseMs: number): Promise<OutboxItem[]>;
  markSent(ids: readonly number[]): Promise<void>;
  /** delivery failed: count the attempt, keep the error, end the lease (or hold it `holdMs` longer) so a later flush retries */
  markFailed(ids: readonly number[], error: string, holdMs?: number): Promise<void>;
  /** end the lease of rows claimed but not attempted (no attempt counted) */
  release(ids: readonly number[]): Promise<void>;
  list(q?: { channel?: string; pending?: boolean; limit?: number }): Promise<OutboxItem[]>;
  counts(): Promise<OutboxCounts[]>;
  close(): Promise<void>;
}

function tableSql(t: string, pg: boolean): string {
  return `
CREATE TABLE IF NOT EXISTS ${t}outbox (
  id ${pg ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT'},
  channel TEXT NOT NULL,
  key TEXT NOT NULL,
  payload TEXT NOT NULL,
  created TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  lease_until BIGINT NOT NULL DEFAULT 0,
  sent_at TEXT,
  UNIQUE (channel, key)
);
CREATE INDEX IF NOT EXISTS outbox_pending ON ${t}outbox(channel, sent_at, id);
`;
}

interface Row {
  id: number | string;
  channel: string;
  key: string;
  payload: string;
  created: string;
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
}

function fromRow(r: Row): OutboxItem {
  return { id: Number(r.id), channel: r.channel, key: r.key, payload: JSON.parse(r.payload), created: r.created, attempts: Number(r.attempts), lastError: r.last_error, sentAt: r.sent_at };
}

const COLS = 'id, channel, key, payload, created, attempts, last_error, sent_at';

interface CountRow {
  channel: string;
  pending: number | string;
  sent: number | string;
  held: number | string | null;
  held_until: number | string | null;
  last_error: string | null;
}

function countsOf(r: CountRow): OutboxCounts {
  const held = Number(r.held ?? 0);
  return { channel: r.channel, pending: Number(r.pending), sent: Number(r.sent), held, heldUntil: held > 0 && r.held_until !== null ? new Date(Number(r.held_until)).toISOString() : null, lastError: r.last_error };
}

export async function openOutboxStore(location: string): Promise<OutboxStore> {
  const loc = parseStoreLocation(location);
  if (loc.kind === 'sqlite') return sqliteOutbox(openSqlite(loc.path, tableSql('', false), 'outbox'), loc.where);
  return pgOutbox(await openPgPool(loc, tableSql(`${loc.schema}.`, true), 'outbox'), `${loc.schema}.`, loc.where);
}

function sqliteOutbox(db: Database.Database, where: string): OutboxStore {
  const ins = db.prepare('INSERT INTO outbox (channel, key, payload, created) VALUES (?, ?, ?, ?) ON CONFLICT(channel, key) DO NOTHING');
  const enqueueAll = db.transaction((es: readonly OutboxEntry[], now: string) => es.reduce((n, e) => n + ins.run(e.channel, e.key, JSON.stringify(e.payload), now).changes, 0));
  const claimTx = db.transaction((channel: string, limit: number, leaseMs: number) => {
    const now = Date.now();
    const rows = db.prepare(`SELECT ${COLS} FROM outbox WHERE channel = ? AND sent_at IS NULL AND lease_until < ? ORDER BY id LIMIT ?`).all(channel, now, limit) as Row[];
    const lease = db.prepare('UPDATE outbox SET lease_until = ? WHERE id = ?');
    for (const r of rows) lease.run(now + leaseMs, r.id);
    return rows.map(fromRow);
  });
  const sent = db.prepare('UPDATE outbox SET sent_at = ?, lease_until = 0, attempts = attempts + 1, last_error = NULL WHERE id = ?');
  const failed = db.prepare('UPDATE outbox SET lease_until = ?, attempts = attempts + 1, last_error = ? WHERE id = ?');
  const unlease = db.prepare('UPDATE outbox SET lease_until = 0 WHERE id = ? AND sent_at IS NULL');
  return {
    where,
    async enqueue(es) {
      return enqueueAll(es, new Date().toISOString());
    },
    async claim(channel, limit, leaseMs) {
      return claimTx(channel, limit, leaseMs);
    },
    async markSent(ids) {
      const at = new Date().toISOString();
      db.transaction(() => ids.forEach((id) => sent.run(at, id)))();
    },
    async markFailed(ids, error, holdMs = 0) {
      const until = holdMs > 0 ? Date.now() + holdMs : 0;
      db.transaction(() => ids.forEach((id) => failed.run(until, error, id)))();
    },
    async release(ids) {
      db.transaction(() => ids.forEach((id) => unlease.run(id)))();
    },
    async list(q = {}) {
      const w: string[] = [];
      const p: unknown[] = [];
      if (q.channel) (w.push('channel = ?'), p.push(q.channel));
      if (q.pending !== undefined) w.push(q.pending ? 'sent_at IS NULL' : 'sent_at IS NOT NULL');
      return (db.prepare(`SELECT ${COLS} FROM outbox ${w.length ? 'WHERE ' + w.join(' AND ') : ''} ORDER BY id LIMIT ?`).all(...p, q.limit ?? 100000) as Row[]).map(fromRow);
    },
    async counts() {
      const now = Date.now();
      const rows = db
        .prepare(
          `SELECT channel, SUM(sent_at IS NULL) AS pending, SUM(sent_at IS NOT NULL) AS sent, SUM(sent_at IS NULL AND lease_until >= ?) AS held,
             MIN(CASE WHEN sent_at IS NULL AND lease_until >= ? THEN lease_until END) AS held_until,
             (SELECT last_error FROM outbox o WHERE o.channel = outbox.channel AND o.sent_at IS NULL AND o.last_error IS NOT NULL ORDER BY o.id DESC LIMIT 1) AS last_error
           FROM outbox GROUP BY channel ORDER BY channel`,
        )
        .all(now, now) as CountRow[];
      return rows.map(countsOf);
    },
    async close() {
      db.close();
    },
  };
}

function pgOutbox(pool: pg.Pool, t: string, where: string): OutboxStore {
  return {
    where,
    async enqueue(es) {
      let n = 0;
      const now = new Date().toISOString();
      for (let i = 0; i < es.length; i += 500) {
        const chunk = es.slice(i, i + 500);
        const values: unknown[] = [];
        const rows = chunk.map((e, j) => {
          values.push(e.channel, e.key, JSON.stringify(e.payload), now);
          return `($${j * 4 + 1}, $${j * 4 + 2}, $${j * 4 + 3}, $${j * 4 + 4})`;
        });
        n += (await pool.query(`INSERT INTO ${t}outbox (channel, key, payload, created) VALUES ${rows.join(', ')} ON CONFLICT (channel, key) DO NOTHING`, values)).rowCount ?? 0;
      }
      return n;
    },
    async claim(channel, limit, leaseMs) {
      const now = Date.now();
      // SKIP LOCKED: concurrent flushers take disjoint rows
      const r = await pool.query(
        `UPDATE ${t}outbox SET lease_until = $1 WHERE id IN (
           SELECT id FROM ${t}outbox WHERE channel = $2 AND sent_at IS NULL AND lease_until < $3 ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED
         ) RETURNING ${COLS}`,
        [now + leaseMs, channel, now, limit],
      );
      return r.rows.map(fromRow).sort((a, b) => a.id - b.id);
    },
    async markSent(ids) {
      if (ids.length) await pool.query(`UPDATE ${t}outbox SET sent_at = $1, lease_until = 0, attempts = attempts + 1, last_error = NULL WHERE id = ANY($2::bigint[])`, [new Date().toISOString(), ids]);
    },
    async markFailed(ids, error, holdMs = 0) {
      const until = holdMs > 0 ? Date.now() + holdMs : 0;
      if (ids.length) await pool.query(`UPDATE ${t}outbox SET lease_until = $3, attempts = attempts + 1, last_error = $1 WHERE id = ANY($2::bigint[])`, [error, ids, until]);
    },
    async release(ids) {
      if (ids.length) await pool.query(`UPDATE ${t}outbox SET lease_until = 0 WHERE id = ANY($1::bigint[]) AND sent_at IS NULL`, [ids]);
    },
    async list(q = {}) {
      const w: string[] = [];
      const p: unknown[] = [];
      if (q.channel) (p.push(q.channel), w.push(`channel = $${p.length}`));
      if (q.pending !== undefined) w.push(q.pending ? 'sent_at IS NULL' : 'sent_at IS NOT NULL');
      p.push(q.limit ?? 100000);
      return (await pool.query(`SELECT ${COLS} FROM ${t}outbox ${w.length ? 'WHERE ' + w.join(' AND ') : ''} ORDER BY id LIMIT $${p.length}`, p)).rows.map(fromRow);
    },
    async counts() {
      const r = await pool.query(
        `SELECT channel, COUNT(*) FILTER (WHERE sent_at IS NULL)::int AS pending, COUNT(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent,
           COUNT(*) FILTER (WHERE sent_at IS NULL AND lease_until >= $1)::int AS held, MIN(lease_until) FILTER (WHERE sent_at IS NULL AND lease_until >= $1) AS held_until,
           (SELECT last_error FROM ${t}outbox o WHERE o.channel = x.channel AND o.sent_at IS NULL AND o.last_error IS NOT NULL ORDER BY o.id DESC LIMIT 1) AS last_error
         FROM ${t}outbox x GROUP BY channel ORDER BY channel`,
        [Date.now()],
      );
      return r.rows.map(countsOf);
    },
    async close() {
      await pool.end();
    },
  };
}
