/**
 * The one location string every store module opens (as openStore does): a postgres:// URL (with
 * an optional `?schema=`, default "netsentinel") or a SQLite path (optionally `sqlite:PATH`).
 * Shared by the decision and outbox stores so they land beside the alerts, in the same file or
 * database, without changing the alert store's interface.
 */
import Database from 'better-sqlite3';
import { existsSync} from 'node:fs';
import { dirname, resolve } from 'node:path';
import pg from 'pg';
import { UserError } from '../util/errors.js';
import { databaseFileCause } from '../util/fs-errors.js';
import { parseStoreLocation } from './store-url.js';

import type { StoreLocation } from './store-url.js';
import { makeFolder } from '../util/make-folder.js';
export type { StoreLocation } from './store-url.js';
export { parseStoreLocation, postgresLocation } from './store-url.js';

/** A SQLite connection in WAL mode that waits (rather than fails) while another writer holds the lock. */
/**
 * For verbs that only read (or change what is there): a SQLite store that does not exist yet is
 * a mistyped path or a store nothing has written to, so say that instead of creating an empty file
 * and answering "nothing here". PostgreSQL locations pass (their schema is created on use).
 */
export function requireExistingStore(location: string, verb: string, writtenBy: string): void {
  const loc = parseStoreLocation(location);
  if (loc.kind === 'sqlite' && !existsSync(resolve(loc.path))) {
    throw new UserError(`${verb}: no store at ${loc.path} (no such file; ${writtenBy} writes it). Give the one in use with --store PATH or postgres://URL`);
  }
}

export function openSqlite(path: string, schemaSql: string, what: string): Database.Database {
  const full = resolve(path);
  try {
    makeFolder(dirname(full));
    const db = new Database(full);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    db.exec(schemaSql);
    return db;
  } catch (e) {
    throw new UserError(`cannot open the ${what} database ${path}: ${databaseFileCause(full, e) ?? (e as Error).message}`);
  }
}

/**
 * Every PostgreSQL pool netsentinel opens. A connection the server (or the network) drops is
 * reported as an 'error' event, on the pool when idle, on the client when checked out between
 * queries; without a listener either would end the process (a restarted PostgreSQL took `serve`
 * down through the key table's pool). The query fails instead, the broken client leaves the pool,
 * the caller retries or reports.
 */
export function newPgPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5000 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export async function openPgPool(loc: Extract<StoreLocation, { kind: 'postgres' }>, schemaSql: string, what: string): Promise<pg.Pool> {
  const pool = newPgPool(loc.url, 4);
  try {
    await createPgSchema(pool, loc.schema, schemaSql);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new UserError(`cannot use the PostgreSQL ${what} store at ${loc.where}: ${(e as Error).message}`);
  }
  return pool;
}

/** advisory lock class of netsentinel's schema creation (any int4 other programs are unlikely to use) */
const SCHEMA_LOCK = 0x4e5353;

/**
 * Create a schema and its tables once, however many processes do it at the same moment.
 * PostgreSQL's CREATE … IF NOT EXISTS is not safe against a concurrent twin: both see no table, the
 * second fails on the catalog's unique index ("duplicate key value violates unique constraint
 * pg_type_typname_nsp_index"), which is what two workers started together on a new database met.
 * One transaction holding an advisory lock per schema makes them take turns; the later one finds
 * everything there.
 */
export async function createPgSchema(pool: pg.Pool, schema: string, tablesSql: string): Promise<void> {
  await inPgTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SCHEMA_LOCK, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(tablesSql);
  });
}

/** `work` on one pooled connection inside BEGIN … COMMIT, rolled back when it throws; the connection goes back either way. */
export async function inPgTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
