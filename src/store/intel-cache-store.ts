/**
 * Threat-intelligence answers kept for a while (a time to live), so a busy source seen in every
 * run costs one provider request a day, not one per run; providers ration their free keys hard
 * (VirusTotal: 4 a minute, 500 a day). Only answers are cached, never failures: a 429 or a
 * timeout must be asked again next time.
 *
 * Same location string as the alert store (openStore): a SQLite path (default, WAL mode, so it
 * can share the alert database file) or a postgres:// URL (schema from `?schema=`, default
 * "netsentinel"). The table is created if missing; the AlertStore interface is untouched.
 */
import Database from 'better-sqlite3';
import { dirname, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { createPgSchema, newPgPool, postgresLocation } from './store-location.js';
import { makeFolder } from '../util/make-folder.js';

export interface CachedAnswer {
  readonly answer: unknown;
  /** when the provider answered (ms since epoch) */
  readonly fetchedAt: number;
  readonly expiresAt: number;
}

export interface IntelCacheStore {
  readonly where: string;
  get(provider: string, ip: string, now?: number): Promise<CachedAnswer | undefined>;
  put(provider: string, ip: string, answer: unknown, ttlSeconds: number, now?: number): Promise<void>;
  /** drop expired rows; returns how many */
  purge(now?: number): Promise<number>;
  close(): Promise<void>;
}

export async function openIntelCache(location: string): Promise<IntelCacheStore> {
  if (/^postgres(ql)?:\/\//i.test(location)) return openPostgresIntelCache(location);
  return openSqliteIntelCache(location.replace(/^sqlite:/i, ''));
}

function openSqliteIntelCache(path: string): IntelCacheStore {
  const full = resolve(path);
  let db: Database.Database;
  try {
    makeFolder(dirname(full));
    db = new Database(full);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS intel_cache (
      provider TEXT NOT NULL,
      ip TEXT NOT NULL,
      fetched_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      answer TEXT NOT NULL,
      PRIMARY KEY (provider, ip)
    )`);
  } catch (e) {
    throw new UserError(`cannot open the intel cache ${path}: ${(e as Error).message}`);
  }
  const sel = db.prepare('SELECT answer, fetched_at, expires_at FROM intel_cache WHERE provider = ? AND ip = ? AND expires_at > ?');
  const ins = db.prepare(
    'INSERT INTO intel_cache (provider, ip, fetched_at, expires_at, answer) VALUES (?, ?, ?, ?, ?) ON CONFLICT(provider, ip) DO UPDATE SET fetched_at = excluded.fetched_at, expires_at = excluded.expires_at, answer = excluded.answer',
  );
  const del = db.prepare('DELETE FROM intel_cache WHERE expires_at <= ?');
  return {
    where: full,
    async get(provider, ip, now = Date.now()) {
      const r = sel.get(provider, ip, now) as { answer: string; fetched_at: number; expires_at: number } | undefined;
      return r ? { answer: JSON.parse(r.answer), fetchedAt: r.fetched_at, expiresAt: r.expires_at } : undefined;
    },
    async put(provider, ip, answer, ttlSeconds, now = Date.now()) {
      ins.run(provider, ip, now, now + Math.round(ttlSeconds * 1000), JSON.stringify(answer));
    },
    async purge(now = Date.now()) {
      return del.run(now).changes;
    },
    async close() {
      db.close();
    },
  };
}

async function openPostgresIntelCache(url: string): Promise<IntelCacheStore> {
  const { url: connectionString, schema, where: safe } = postgresLocation(url);
  const pool = newPgPool(connectionString, 2);
  try {
    await createPgSchema(pool, schema, `CREATE TABLE IF NOT EXISTS ${schema}.intel_cache (
      provider TEXT NOT NULL,
      ip TEXT NOT NULL,
      fetched_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      answer JSONB NOT NULL,
      PRIMARY KEY (provider, ip)
    )`);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new UserError(`cannot use the PostgreSQL intel cache at ${safe}: ${(e as Error).message}`);
  }
  return {
    where: safe,
    async get(provider, ip, now = Date.now()) {
      const r = await pool.query(`SELECT answer, fetched_at, expires_at FROM ${schema}.intel_cache WHERE provider = $1 AND ip = $2 AND expires_at > $3`, [provider, ip, now]);
      if (!r.rows.length) return undefined;
      const row = r.rows[0] as { answer: unknown; fetched_at: string; expires_at: string };
      return { answer: row.answer, fetchedAt: Number(row.fetched_at), expiresAt: Number(row.expires_at) };
    },
    async put(provider, ip, answer, ttlSeconds, now = Date.now()) {
      await pool.query(
        `INSERT INTO ${schema}.intel_cache (provider, ip, fetched_at, expires_at, answer) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (provider, ip) DO UPDATE SET fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at, answer = EXCLUDED.answer`,
        [provider, ip, now, now + Math.round(ttlSeconds * 1000), JSON.stringify(answer)],
      );
    },
    async purge(now = Date.now()) {
      const r = await pool.query(`DELETE FROM ${schema}.intel_cache WHERE expires_at <= $1`, [now]);
      return r.rowCount ?? 0;
    },
    async close() {
      await pool.end();
    },
  };
}
