/**
 * Who consumes which partition when several workers share a stream: leases in the shared store
 * (PostgreSQL, or one SQLite file for workers on one machine). JetStream 2.9 has no consumer that
 * filters several subjects, so each partition has its own durable consumer (`<durable>-p<N>`,
 * the same name whichever worker holds it, so a new holder resumes at the ack floor) and exactly
 * one worker may consume it at a time: the one holding its lease.
 *
 * A worker heartbeats (its row in partition_workers) and renews its leases every third of the TTL.
 * Its fair share is ceil(partitions / live workers); it claims free or expired partitions up to it
 * and gives back the ones above it (after draining them), so a worker joining or leaving moves
 * partitions within about one heartbeat. A worker that dies without giving back its leases loses
 * them when they expire (the TTL). Claims are single SQL statements, so two workers never hold
 * one partition.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { openPgPool, openSqlite, parseStoreLocation } from '../store/store-location.js';

export interface LeaseStore {
  readonly where: string;
  /** record that `owner` is alive until now + ttl; returns the live workers of the group */
  heartbeat(group: string, owner: string, nowMs: number, ttlMs: number): Promise<number>;
  /** the partitions `owner` holds (and extends them to now + ttl) */
  renew(group: string, owner: string, nowMs: number, ttlMs: number): Promise<number[]>;
  /** take `partition` if it is free or its lease expired; true when it is now ours */
  claim(group: string, owner: string, partition: number, nowMs: number, ttlMs: number): Promise<boolean>;
  release(group: string, owner: string, partition: number): Promise<void>;
  /** leave the group: every lease and the heartbeat row */
  leave(group: string, owner: string): Promise<void>;
  /** every lease of the group: partition → owner (live or not) */
  holders(group: string, nowMs: number): Promise<Map<number, string>>;
  close(): Promise<void>;
}

function tableSql(t: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${t}partition_leases (
  group_name TEXT NOT NULL,
  partition_no INTEGER NOT NULL,
  owner TEXT NOT NULL,
  expires_ms BIGINT NOT NULL,
  PRIMARY KEY (group_name, partition_no)
);
CREATE TABLE IF NOT EXISTS ${t}partition_workers (
  group_name TEXT NOT NULL,
  owner TEXT NOT NULL,
  expires_ms BIGINT NOT NULL,
  PRIMARY KEY (group_name, owner)
);
`;
}

type Query = (sql: string, params: unknown[]) => Promise<{ rows: Record<string, unknown>[]; changes: number }>;

export async function openLeaseStore(location: string): Promise<LeaseStore> {
  const loc = parseStoreLocation(location);
  if (loc.kind === 'sqlite') {
    const db = openSqlite(loc.path, tableSql(''), 'partition lease');
    // the same SQL for both: $1… become named parameters for better-sqlite3
    const q: Query = async (sql, params) => {
      const stmt = db.prepare(sql.replace(/\$(\d+)/g, '@p$1'));
      const bind = Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]));
      if (stmt.reader) return { rows: stmt.all(bind) as Record<string, unknown>[], changes: 0 };
      return { rows: [], changes: stmt.run(bind).changes };
    };
    return leases(q, '', loc.where, async () => void (db as Database.Database).close());
  }
  const pool: pg.Pool = await openPgPool(loc, tableSql(`${loc.schema}.`), 'partition lease');
  const q: Query = async (sql, params) => {
    const r = await pool.query(sql, params);
    return { rows: r.rows as Record<string, unknown>[], changes: r.rowCount ?? 0 };
  };
  return leases(q, `${loc.schema}.`, loc.where, () => pool.end());
}

function leases(q: Query, t: string, where: string, close: () => Promise<void>): LeaseStore {
  return {
    where,
    async heartbeat(group, owner, now, ttl) {
      await q(`INSERT INTO ${t}partition_workers (group_name, owner, expires_ms) VALUES ($1, $2, $3) ON CONFLICT (group_name, owner) DO UPDATE SET expires_ms = excluded.expires_ms`, [group, owner, now + ttl]);
      await q(`DELETE FROM ${t}partition_workers WHERE group_name = $1 AND expires_ms < $2`, [group, now]);
      const r = await q(`SELECT COUNT(*) AS n FROM ${t}partition_workers WHERE group_name = $1`, [group]);
      return Number(r.rows[0].n);
    },
    async renew(group, owner, now, ttl) {
      await q(`UPDATE ${t}partition_leases SET expires_ms = $3 WHERE group_name = $1 AND owner = $2`, [group, owner, now + ttl]);
      const r = await q(`SELECT partition_no FROM ${t}partition_leases WHERE group_name = $1 AND owner = $2 ORDER BY partition_no`, [group, owner]);
      return r.rows.map((x) => Number(x.partition_no));
    },
    async claim(group, owner, partition, now, ttl) {
      const r = await q(
        `INSERT INTO ${t}partition_leases (group_name, partition_no, owner, expires_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_name, partition_no) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms
         WHERE ${t}partition_leases.expires_ms < $5 OR ${t}partition_leases.owner = excluded.owner`,
        [group, partition, owner, now + ttl, now],
      );
      return r.changes > 0;
    },
    async release(group, owner, partition) {
      await q(`DELETE FROM ${t}partition_leases WHERE group_name = $1 AND owner = $2 AND partition_no = $3`, [group, owner, partition]);
    },
    async leave(group, owner) {
      await q(`DELETE FROM ${t}partition_leases WHERE group_name = $1 AND owner = $2`, [group, owner]);
      await q(`DELETE FROM ${t}partition_workers WHERE group_name = $1 AND owner = $2`, [group, owner]);
    },
    async holders(group, _now) {
      const r = await q(`SELECT partition_no, owner FROM ${t}partition_leases WHERE group_name = $1`, [group]);
      return new Map(r.rows.map((x) => [Number(x.partition_no), String(x.owner)]));
    },
    close,
  };
}
