/**
 * API keys of the HTTP service, in their own table beside the alerts (same location string as
 * openStore: a SQLite path or a postgres:// URL). A key is shown once, when it is made; the table
 * keeps only its SHA-256 (the key is 32 random bytes, so a plain hash cannot be brute-forced and
 * a slow KDF would only cost latency per request), its scope (read or write, write implying read),
 * its rate limit and whether it was revoked.
 *
 * Key text: `nsk_<id>_<43 base64url characters>`; the id (8 hex digits) is what `keys list` and
 * the access log show, never the secret.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { createPgSchema, newPgPool, postgresLocation } from './store-location.js';
import { UserError } from '../util/errors.js';
import { makeFolder } from '../util/make-folder.js';

export type KeyScope = 'read' | 'write';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly scope: KeyScope;
  /** requests per second allowed (bursts up to twice that) */
  readonly ratePerSecond: number;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  /** SHA-256 of the key text, hex */
  readonly hash: string;
}

export interface KeyStore {
  readonly where: string;
  /** make a key: returns the record and the key text (shown once, never stored) */
  add(name: string, scope: KeyScope, ratePerSecond: number): Promise<{ record: ApiKeyRecord; key: string }>;
  list(): Promise<ApiKeyRecord[]>;
  /** true when a key with that id existed and was active */
  revoke(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export const DEFAULT_KEY_RATE = 100;

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The id part of a key text, or undefined when it does not have the key shape. */
export function keyId(key: string): string | undefined {
  const m = /^nsk_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$/.exec(key);
  return m ? m[1] : undefined;
}

/** Constant-time comparison of a presented key with a stored hash. */
export function keyMatches(key: string, record: ApiKeyRecord): boolean {
  const a = Buffer.from(hashKey(key), 'hex');
  const b = Buffer.from(record.hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

function newKey(): { id: string; key: string } {
  const id = randomBytes(4).toString('hex');
  return { id, key: `nsk_${id}_${randomBytes(32).toString('base64url')}` };
}

function checkScope(scope: string): KeyScope {
  if (scope !== 'read' && scope !== 'write') throw new UserError(`a key's scope is read or write, got "${scope}"`);
  return scope;
}

interface Row {
  id: string;
  name: string;
  scope: string;
  rate: number;
  created_at: string;
  revoked_at: string | null;
  hash: string;
}

function fromRow(r: Row): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    scope: checkScope(r.scope),
    ratePerSecond: Number(r.rate),
    createdAt: typeof r.created_at === 'string' ? r.created_at : new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at === null ? null : typeof r.revoked_at === 'string' ? r.revoked_at : new Date(r.revoked_at).toISOString(),
    hash: r.hash,
  };
}

export async function openKeyStore(location: string): Promise<KeyStore> {
  if (/^postgres(ql)?:\/\//i.test(location)) return openPostgresKeys(location);
  return openSqliteKeys(location.replace(/^sqlite:/i, ''));
}

function openSqliteKeys(path: string): KeyStore {
  let db: Database.Database;
  try {
    makeFolder(dirname(resolve(path)));
    db = new Database(resolve(path));
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, rate REAL NOT NULL,
      created_at TEXT NOT NULL, revoked_at TEXT, hash TEXT NOT NULL UNIQUE)`);
  } catch (e) {
    throw new UserError(`cannot open the key table in ${path}: ${(e as Error).message}`);
  }
  return {
    where: `sqlite:${path}`,
    async add(name, scope, rate) {
      const { id, key } = newKey();
      const record: ApiKeyRecord = { id, name, scope: checkScope(scope), ratePerSecond: rate, createdAt: new Date().toISOString(), revokedAt: null, hash: hashKey(key) };
      db.prepare('INSERT INTO api_keys (id, name, scope, rate, created_at, revoked_at, hash) VALUES (?, ?, ?, ?, ?, NULL, ?)').run(id, name, record.scope, rate, record.createdAt, record.hash);
      return { record, key };
    },
    async list() {
      return (db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as Row[]).map(fromRow);
    },
    async revoke(id) {
      return db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes > 0;
    },
    async close() {
      db.close();
    },
  };
}

async function openPostgresKeys(url: string): Promise<KeyStore> {
  const { url: connectionString, schema, where: safe } = postgresLocation(url);
  const pool = newPgPool(connectionString, 2);
  try {
    await createPgSchema(pool, schema, `CREATE TABLE IF NOT EXISTS ${schema}.api_keys (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, rate DOUBLE PRECISION NOT NULL,
      created_at TEXT NOT NULL, revoked_at TEXT, hash TEXT NOT NULL UNIQUE)`);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new UserError(`cannot use the PostgreSQL key table at ${safe}: ${(e as Error).message}`);
  }
  return {
    where: safe,
    async add(name, scope, rate) {
      const { id, key } = newKey();
      const record: ApiKeyRecord = { id, name, scope: checkScope(scope), ratePerSecond: rate, createdAt: new Date().toISOString(), revokedAt: null, hash: hashKey(key) };
      await pool.query(`INSERT INTO ${schema}.api_keys (id, name, scope, rate, created_at, revoked_at, hash) VALUES ($1, $2, $3, $4, $5, NULL, $6)`, [
        id, name, record.scope, rate, record.createdAt, record.hash,
      ]);
      return { record, key };
    },
    async list() {
      return (await pool.query(`SELECT * FROM ${schema}.api_keys ORDER BY created_at, id`)).rows.map(fromRow);
    },
    async revoke(id) {
      const r = await pool.query(`UPDATE ${schema}.api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, [new Date().toISOString(), id]);
      return (r.rowCount ?? 0) > 0;
    },
    async close() {
      await pool.end();
    },
  };
}
