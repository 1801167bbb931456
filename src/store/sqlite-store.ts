/**
 * The embedded default store: one SQLite file through better-sqlite3 (synchronous, fast, no
 * server). WAL mode so a dashboard can read while analyze writes.
 */
import Database from 'better-sqlite3';
import { dirname, resolve } from 'node:path';
import type { AlertQuery, AlertStore, AnalysisRun, RunState, SaveResult, StoredAlert, StoredRun } from './alert-store.js';
import { UserError } from '../util/errors.js';
import { databaseFileCause } from '../util/fs-errors.js';
import { makeFolder } from '../util/make-folder.js';
import { ALERT_TIMES_KEY, UTC_ALERT_TIME_GLOB, migrationNote, noteSink, planAlertTimes, storedAlertTime } from './alert-time-migration.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  inputs TEXT NOT NULL,
  flows INTEGER NOT NULL,
  alerts INTEGER NOT NULL,
  summary TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'finished'
);
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  ts TEXT NOT NULL,
  signature TEXT NOT NULL,
  category TEXT NOT NULL,
  severity INTEGER NOT NULL,
  src_ip TEXT,
  src_port INTEGER,
  dest_ip TEXT,
  dest_port INTEGER,
  proto TEXT,
  risk REAL NOT NULL,
  reasons TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_src ON alerts(src_ip);
CREATE INDEX IF NOT EXISTS alerts_ts ON alerts(ts);
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Alert times of older versions into the UTC form, once per database (alert-time-migration.ts). */
function migrateAlertTimes(db: Database.Database, where: string): void {
  if (db.prepare('SELECT 1 FROM store_meta WHERE key = ?').get(ALERT_TIMES_KEY)) return;
  const note = db.transaction(() => {
    const rows = db.prepare('SELECT id, ts FROM alerts WHERE ts NOT GLOB ?').all(UTC_ALERT_TIME_GLOB) as { id: number; ts: string }[];
    const { updates, result } = planAlertTimes(rows);
    const set = db.prepare('UPDATE alerts SET ts = ? WHERE id = ?');
    for (const u of updates) set.run(u.ts, u.id);
    db.prepare('INSERT INTO store_meta (key, value) VALUES (?, ?)').run(ALERT_TIMES_KEY, JSON.stringify({ form: 'utc', migratedAt: new Date().toISOString(), ...result }));
    return migrationNote(where, result);
  })();
  if (note) noteSink(note);
}

interface Row {
  key: string;
  ts: string;
  signature: string;
  category: string;
  severity: number;
  src_ip: string | null;
  src_port: number | null;
  dest_ip: string | null;
  dest_port: number | null;
  proto: string | null;
  risk: number;
  reasons: string;
  record: string;
}

export function openSqliteStore(path: string): AlertStore {
  const full = resolve(path);
  let db: Database.Database;
  try {
    makeFolder(dirname(full));
    db = new Database(full);
    // 16 KiB pages for a new database (an existing one keeps its own: a WAL database cannot change
    // it). Alert rows are ~1.5 KB with their record and every chunk rewrites the key index pages it
    // touched: with 4 KiB pages saving 106k CIC alerts took 1.35 CPU s (a third of it write/read
    // system calls), with 16 KiB 1.02 s; the rows stored are the same, only the file's page size differs
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL: never corrupt, and no fsync per transaction (a power cut may lose the last chunk)
    db.pragma('synchronous = NORMAL');
    // 64 MiB page cache (default 2 MiB): alert keys are hashes, so every insert lands on a random
    // page of the key index; with the small default cache a large run re-reads and rewrites those
    // pages chunk after chunk (measured: 395k alerts 10.8 -> 6.4 CPU s with bigger transactions)
    db.pragma('cache_size = -65536');
    db.exec(SCHEMA);
    // databases made before runs had a state
    const cols = db.prepare('PRAGMA table_info(runs)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'state')) db.exec("ALTER TABLE runs ADD COLUMN state TEXT NOT NULL DEFAULT 'finished'");
    migrateAlertTimes(db, `sqlite:${path}`);
  } catch (e) {
    throw new UserError(`cannot open the alert database ${path}: ${databaseFileCause(full, e) ?? (e as Error).message}`);
  }
  const insertRun = db.prepare(
    'INSERT INTO runs (started_at, finished_at, inputs, flows, alerts, summary, state) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const updateRun = db.prepare('UPDATE runs SET started_at = ?, finished_at = ?, inputs = ?, flows = ?, alerts = ?, summary = ?, state = ? WHERE id = ?');
  const insertAlert = db.prepare(
    `INSERT INTO alerts (key, run_id, ts, signature, category, severity, src_ip, src_port, dest_ip, dest_port, proto, risk, reasons, record)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(key) DO NOTHING`,
  );
  const insertMany = db.transaction((runId: number, alerts: readonly StoredAlert[]) => {
    let inserted = 0;
    for (const a of alerts) {
      // positional parameters: binding by name built and walked an object per alert (analyze saves thousands)
      const r = insertAlert.run(
        a.key,
        runId,
        storedAlertTime(a.timestamp),
        a.signature,
        a.category,
        a.severity,
        a.srcIp,
        a.srcPort,
        a.destIp,
        a.destPort,
        a.proto,
        a.risk,
        JSON.stringify(a.reasons),
        a.recordJson ?? JSON.stringify(a.record),
      );
      inserted += r.changes;
    }
    return inserted;
  });
  return {
    where: `sqlite:${path}`,
    async saveRun(run: AnalysisRun) {
      const r = insertRun.run(run.startedAt, run.finishedAt, JSON.stringify(run.inputs), run.flows, run.alerts, JSON.stringify(run.summary), run.state ?? 'finished');
      return Number(r.lastInsertRowid);
    },
    async finishRun(runId: number, run: AnalysisRun & { readonly state: RunState }) {
      updateRun.run(run.startedAt, run.finishedAt, JSON.stringify(run.inputs), run.flows, run.alerts, JSON.stringify(run.summary), run.state, runId);
    },
    async listRuns(limit = 100): Promise<StoredRun[]> {
      const rows = db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit) as { id: number; started_at: string; finished_at: string; inputs: string; flows: number; alerts: number; summary: string; state: RunState }[];
      return rows.map((r) => ({ id: Number(r.id), state: r.state, startedAt: r.started_at, finishedAt: r.finished_at, inputs: JSON.parse(r.inputs), flows: Number(r.flows), alerts: Number(r.alerts), summary: JSON.parse(r.summary) }));
    },
    async saveAlerts(runId, alerts): Promise<SaveResult> {
      const inserted = insertMany(runId, alerts);
      return { inserted, duplicates: alerts.length - inserted };
    },
    async listAlerts(q: AlertQuery = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.srcIp) {
        where.push('src_ip = ?');
        params.push(q.srcIp);
      }
      if (q.minSeverity !== undefined) {
        where.push('severity <= ?');
        params.push(q.minSeverity);
      }
      if (q.since) {
        where.push('ts >= ?');
        params.push(storedAlertTime(q.since));
      }
      const sql = `SELECT * FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY risk DESC, id LIMIT ?`;
      params.push(q.limit ?? 1000);
      return (db.prepare(sql).all(...params) as Row[]).map(fromRow);
    },
    async countAlerts() {
      return (db.prepare('SELECT COUNT(*) AS n FROM alerts').get() as { n: number }).n;
    },
    async close() {
      db.close();
    },
  };
}

export function fromRow(r: Row): StoredAlert {
  return {
    key: r.key,
    timestamp: r.ts,
    signature: r.signature,
    category: r.category,
    severity: Number(r.severity),
    srcIp: r.src_ip,
    srcPort: r.src_port === null ? null : Number(r.src_port),
    destIp: r.dest_ip,
    destPort: r.dest_port === null ? null : Number(r.dest_port),
    proto: r.proto,
    risk: Number(r.risk),
    reasons: typeof r.reasons === 'string' ? JSON.parse(r.reasons) : r.reasons,
    record: typeof r.record === 'string' ? JSON.parse(r.record) : r.record,
  };
}
