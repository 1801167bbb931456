/**
 * Where model versions and adaptation events persist: beside the alerts, in the same SQLite file
 * or PostgreSQL schema (the same location string as the alert store), in tables of their own.
 * A version is one baseline file: its id, the SHA-256 of its bytes, when it was made, what it was
 * trained on (window, flow count, time range), the version it replaced, and its metrics. Events
 * are what adaptation did and when: drift reported, a retrain finished, a model swapped in.
 * Both are keyed so that writing the same record twice (a worker restarted) adds nothing.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { openPgPool, openSqlite, parseStoreLocation } from '../store/store-location.js';

export interface ModelVersion {
  /** "b-" and the first 12 hex digits of the file's SHA-256 */
  readonly id: string;
  readonly sha256: string;
  /** ISO 8601 */
  readonly created: string;
  readonly parent: string | null;
  /** where the file was written */
  readonly file: string;
  /** what it was fitted on: source ("baseline file" or "stream"), flow count, time range, stream window */
  readonly trainedOn: Readonly<Record<string, unknown>>;
  readonly metrics: Readonly<Record<string, unknown>>;
  /** the worker that made or first used it */
  readonly worker: string;
}

export type ModelEventKind = 'drift' | 'retrain' | 'swap' | 'retrain-failed';

export interface ModelEvent {
  /** unique per event: a repeat of the same event (after a restart) is a no-op */
  readonly key: string;
  readonly kind: ModelEventKind;
  readonly at: string;
  readonly worker: string;
  /** the version in use when it happened (for swap: the new one) */
  readonly version: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface ModelVersionStore {
  readonly where: string;
  /** true when the version was new */
  saveVersion(v: ModelVersion): Promise<boolean>;
  listVersions(limit?: number): Promise<ModelVersion[]>;
  saveEvent(e: ModelEvent): Promise<boolean>;
  listEvents(limit?: number, kind?: ModelEventKind): Promise<ModelEvent[]>;
  close(): Promise<void>;
}

function tableSql(t: string, pg: boolean): string {
  const json = pg ? 'JSONB' : 'TEXT';
  return `
CREATE TABLE IF NOT EXISTS ${t}model_versions (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  created TEXT NOT NULL,
  parent TEXT,
  file TEXT NOT NULL,
  trained_on ${json} NOT NULL,
  metrics ${json} NOT NULL,
  worker TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ${t}model_events (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  at TEXT NOT NULL,
  worker TEXT NOT NULL,
  version TEXT NOT NULL,
  detail ${json} NOT NULL
);
CREATE INDEX IF NOT EXISTS model_events_at ON ${t}model_events(at);
`;
}

interface VersionRow {
  id: string;
  sha256: string;
  created: string;
  parent: string | null;
  file: string;
  trained_on: string | Record<string, unknown>;
  metrics: string | Record<string, unknown>;
  worker: string;
}
interface EventRow {
  key: string;
  kind: string;
  at: string;
  worker: string;
  version: string;
  detail: string | Record<string, unknown>;
}

const parsed = (x: string | Record<string, unknown>): Record<string, unknown> => (typeof x === 'string' ? (JSON.parse(x) as Record<string, unknown>) : x);
const version = (r: VersionRow): ModelVersion => ({ id: r.id, sha256: r.sha256, created: r.created, parent: r.parent, file: r.file, trainedOn: parsed(r.trained_on), metrics: parsed(r.metrics), worker: r.worker });
const event = (r: EventRow): ModelEvent => ({ key: r.key, kind: r.kind as ModelEventKind, at: r.at, worker: r.worker, version: r.version, detail: parsed(r.detail) });
const vParams = (v: ModelVersion): unknown[] => [v.id, v.sha256, v.created, v.parent, v.file, JSON.stringify(v.trainedOn), JSON.stringify(v.metrics), v.worker];
const eParams = (e: ModelEvent): unknown[] => [e.key, e.kind, e.at, e.worker, e.version, JSON.stringify(e.detail)];

export async function openModelVersionStore(location: string): Promise<ModelVersionStore> {
  const loc = parseStoreLocation(location);
  if (loc.kind === 'sqlite') return sqliteVersions(openSqlite(loc.path, tableSql('', false), 'model version'), loc.where);
  const pool = await openPgPool(loc, tableSql(`${loc.schema}.`, true), 'model version');
  return pgVersions(pool, `${loc.schema}.`, loc.where);
}

function sqliteVersions(db: Database.Database, where: string): ModelVersionStore {
  const insV = db.prepare('INSERT INTO model_versions (id, sha256, created, parent, file, trained_on, metrics, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING');
  const insE = db.prepare('INSERT INTO model_events (key, kind, at, worker, version, detail) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING');
  return {
    where,
    async saveVersion(v) {
      return insV.run(...vParams(v)).changes > 0;
    },
    async listVersions(limit = 1000) {
      return (db.prepare('SELECT * FROM model_versions ORDER BY created DESC, id LIMIT ?').all(limit) as VersionRow[]).map(version);
    },
    async saveEvent(e) {
      return insE.run(...eParams(e)).changes > 0;
    },
    async listEvents(limit = 1000, kind) {
      const rows = kind ? db.prepare('SELECT * FROM model_events WHERE kind = ? ORDER BY at DESC, key LIMIT ?').all(kind, limit) : db.prepare('SELECT * FROM model_events ORDER BY at DESC, key LIMIT ?').all(limit);
      return (rows as EventRow[]).map(event);
    },
    async close() {
      db.close();
    },
  };
}

function pgVersions(pool: pg.Pool, t: string, where: string): ModelVersionStore {
  return {
    where,
    async saveVersion(v) {
      const r = await pool.query(`INSERT INTO ${t}model_versions (id, sha256, created, parent, file, trained_on, metrics, worker) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`, vParams(v));
      return (r.rowCount ?? 0) > 0;
    },
    async listVersions(limit = 1000) {
      return (await pool.query(`SELECT * FROM ${t}model_versions ORDER BY created DESC, id LIMIT $1`, [limit])).rows.map(version);
    },
    async saveEvent(e) {
      const r = await pool.query(`INSERT INTO ${t}model_events (key, kind, at, worker, version, detail) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING`, eParams(e));
      return (r.rowCount ?? 0) > 0;
    },
    async listEvents(limit = 1000, kind) {
      const r = kind
        ? await pool.query(`SELECT * FROM ${t}model_events WHERE kind = $1 ORDER BY at DESC, key LIMIT $2`, [kind, limit])
        : await pool.query(`SELECT * FROM ${t}model_events ORDER BY at DESC, key LIMIT $1`, [limit]);
      return r.rows.map(event);
    },
    async close() {
      await pool.end();
    },
  };
}
