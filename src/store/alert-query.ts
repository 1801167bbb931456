/**
 * Reading alerts the way an API pages through them: filters, newest first, and an opaque cursor
 * (the last row id seen) so a page never repeats or skips a row while analyze keeps inserting.
 * Also what the live feed and the metrics need: rows after an id, counts by severity, per-source
 * summaries.
 *
 * A module of its own beside AlertStore, opened from the same location (a SQLite path or a
 * postgres:// URL), so the AlertStore interface stays as it is (additive, as the store contract
 * asks) and readers never hold the writer's connection.
 */
import Database from 'better-sqlite3';
import { storedAlertTime } from './alert-time-migration.js';
import { resolve } from 'node:path';
import type { StoredAlert } from './alert-store.js';
import { fromRow } from './sqlite-store.js';
import { openStore } from './open-store.js';
import { UserError } from '../util/errors.js';
import { newPgPool, postgresLocation } from './store-location.js';

export interface AlertFilter {
  readonly srcIp?: string;
  readonly destIp?: string;
  /** severities 1..maxSeverity (1 is the highest, as Suricata) */
  readonly maxSeverity?: number;
  readonly minRisk?: number;
  /** ISO timestamps, inclusive / exclusive */
  readonly since?: string;
  readonly until?: string;
  readonly signature?: string;
}

export interface AlertPageQuery extends AlertFilter {
  readonly limit: number;
  /** return rows with id < before (the previous page's cursor) */
  readonly before?: number;
}

export interface AlertWithId extends StoredAlert {
  readonly id: number;
}

export interface AlertPage {
  readonly alerts: AlertWithId[];
  /** id to pass as `before` for the next page; null at the end */
  readonly next: number | null;
}

export interface SourceSummary {
  readonly srcIp: string;
  readonly alerts: number;
  readonly maxRisk: number;
  readonly lastSeen: string;
  readonly reasons: string[];
}

export interface RunRow {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly inputs: string[];
  readonly flows: number;
  readonly alerts: number;
  readonly summary: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function runOf(r: any): RunRow {
  const iso = (x: unknown): string => (x instanceof Date ? x.toISOString() : String(x));
  return {
    id: Number(r.id),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    inputs: typeof r.inputs === 'string' ? JSON.parse(r.inputs) : r.inputs,
    flows: Number(r.flows),
    alerts: Number(r.alerts),
    summary: typeof r.summary === 'string' ? JSON.parse(r.summary) : r.summary,
  };
}

export interface AlertReader {
  page(q: AlertPageQuery): Promise<AlertPage>;
  /** alerts with id > afterId, oldest first (the live feed) */
  after(afterId: number, limit: number): Promise<AlertWithId[]>;
  /** the highest alert id (0 when empty) */
  lastId(): Promise<number>;
  countBySeverity(): Promise<Record<string, number>>;
  topSources(limit: number): Promise<SourceSummary[]>;
  /** one source's count, highest risk and last time over all its alerts (reasons: from its riskiest) */
  source(srcIp: string): Promise<SourceSummary | undefined>;
  /** alert count and max risk per hour, for a risk-over-time chart */
  riskOverTime(hours: number): Promise<{ hour: string; alerts: number; maxRisk: number }[]>;
  /** analysis runs, newest first */
  runs(limit: number): Promise<RunRow[]>;
  close(): Promise<void>;
}

/** Open a reader; the tables are made first (through openStore) when they are not there yet. */
export async function openAlertReader(location: string): Promise<AlertReader> {
  if (/^postgres(ql)?:\/\//i.test(location)) {
    await (await openStore(location)).close();
    return postgresReader(location);
  }
  // openStore makes the file and its tables when they are not there yet (CREATE TABLE IF NOT EXISTS)
  await (await openStore(location)).close();
  return sqliteReader(location.replace(/^sqlite:/i, ''));
}

function whereOf(f: AlertFilter, ph: (v: unknown) => string): string[] {
  const w: string[] = [];
  if (f.srcIp !== undefined) w.push(`src_ip = ${ph(f.srcIp)}`);
  if (f.destIp !== undefined) w.push(`dest_ip = ${ph(f.destIp)}`);
  if (f.maxSeverity !== undefined) w.push(`severity <= ${ph(f.maxSeverity)}`);
  if (f.minRisk !== undefined) w.push(`risk >= ${ph(f.minRisk)}`);
  // compared as text in the stored form (alert-time-migration.ts), so a bound is put in it first
  if (f.since !== undefined) w.push(`ts >= ${ph(storedAlertTime(f.since))}`);
  if (f.until !== undefined) w.push(`ts < ${ph(storedAlertTime(f.until))}`);
  if (f.signature !== undefined) w.push(`signature = ${ph(f.signature)}`);
  return w;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function withId(r: any): AlertWithId {
  return { id: Number(r.id), ...fromRow(r) };
}

function summaries(rows: { src_ip: string; n: number; max_risk: number; last_seen: string }[], reasonsOf: (ip: string) => string[]): SourceSummary[] {
  return rows.map((r) => ({ srcIp: r.src_ip, alerts: Number(r.n), maxRisk: Number(r.max_risk), lastSeen: String(r.last_seen), reasons: reasonsOf(r.src_ip) }));
}

function sqliteReader(path: string): AlertReader {
  let db: Database.Database;
  try {
    db = new Database(resolve(path), { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new UserError(`cannot read alerts from ${path}: ${(e as Error).message}`);
  }
  const afterStmt = db.prepare('SELECT * FROM alerts WHERE id > ? ORDER BY id LIMIT ?');
  return {
    async page(q) {
      const params: unknown[] = [];
      const w = whereOf(q, (v) => (params.push(v), '?'));
      if (q.before !== undefined) w.push(`id < ${(params.push(q.before), '?')}`);
      params.push(q.limit + 1);
      const rows = db.prepare(`SELECT * FROM alerts ${w.length ? 'WHERE ' + w.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`).all(...params) as unknown[];
      const alerts = rows.slice(0, q.limit).map(withId);
      return { alerts, next: rows.length > q.limit ? alerts[alerts.length - 1].id : null };
    },
    async after(afterId, limit) {
      return (afterStmt.all(afterId, limit) as unknown[]).map(withId);
    },
    async lastId() {
      return Number((db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM alerts').get() as { m: number }).m);
    },
    async countBySeverity() {
      const out: Record<string, number> = {};
      for (const r of db.prepare('SELECT severity, COUNT(*) AS n FROM alerts GROUP BY severity').all() as { severity: number; n: number }[]) out[String(r.severity)] = Number(r.n);
      return out;
    },
    async topSources(limit) {
      const rows = db
        .prepare('SELECT src_ip, COUNT(*) AS n, MAX(risk) AS max_risk, MAX(ts) AS last_seen FROM alerts WHERE src_ip IS NOT NULL GROUP BY src_ip ORDER BY max_risk DESC, n DESC LIMIT ?')
        .all(limit) as { src_ip: string; n: number; max_risk: number; last_seen: string }[];
      const reasonStmt = db.prepare('SELECT reasons FROM alerts WHERE src_ip = ? ORDER BY risk DESC LIMIT 3');
      return summaries(rows, (ip) => [...new Set((reasonStmt.all(ip) as { reasons: string }[]).flatMap((r) => JSON.parse(r.reasons) as string[]))].slice(0, 5));
    },
    async source(srcIp) {
      const r = db.prepare('SELECT src_ip, COUNT(*) AS n, MAX(risk) AS max_risk, MAX(ts) AS last_seen FROM alerts WHERE src_ip = ? GROUP BY src_ip').get(srcIp) as
        | { src_ip: string; n: number; max_risk: number; last_seen: string }
        | undefined;
      if (!r) return undefined;
      const reasonStmt = db.prepare('SELECT reasons FROM alerts WHERE src_ip = ? ORDER BY risk DESC, id DESC LIMIT 10');
      return summaries([r], (ip) => [...new Set((reasonStmt.all(ip) as { reasons: string }[]).flatMap((x) => JSON.parse(x.reasons) as string[]))].slice(0, 20))[0];
    },
    async riskOverTime(hours) {
      const rows = db
        .prepare(`SELECT substr(ts, 1, 13) AS hour, COUNT(*) AS n, MAX(risk) AS max_risk FROM alerts GROUP BY hour ORDER BY hour DESC LIMIT ?`)
        .all(hours) as { hour: string; n: number; max_risk: number }[];
      return rows.reverse().map((r) => ({ hour: r.hour, alerts: Number(r.n), maxRisk: Number(r.max_risk) }));
    },
    async runs(limit) {
      return (db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit) as unknown[]).map(runOf);
    },
    async close() {
      db.close();
    },
  };
}

function postgresReader(url: string): AlertReader {
  const { url: connectionString, schema } = postgresLocation(url);
  const pool = newPgPool(connectionString, 4);
  const t = `${schema}.alerts`;
  return {
    async page(q) {
      const params: unknown[] = [];
      const ph = (v: unknown): string => (params.push(v), `$${params.length}`);
      const w = whereOf(q, ph);
      if (q.before !== undefined) w.push(`id < ${ph(q.before)}`);
      const lim = ph(q.limit + 1);
      const rows = (await pool.query(`SELECT * FROM ${t} ${w.length ? 'WHERE ' + w.join(' AND ') : ''} ORDER BY id DESC LIMIT ${lim}`, params)).rows;
      const alerts = rows.slice(0, q.limit).map(withId);
      return { alerts, next: rows.length > q.limit ? alerts[alerts.length - 1].id : null };
    },
    async after(afterId, limit) {
      return (await pool.query(`SELECT * FROM ${t} WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit])).rows.map(withId);
    },
    async lastId() {
      return Number((await pool.query(`SELECT COALESCE(MAX(id), 0) AS m FROM ${t}`)).rows[0].m);
    },
    async countBySeverity() {
      const out: Record<string, number> = {};
      for (const r of (await pool.query(`SELECT severity, COUNT(*)::int AS n FROM ${t} GROUP BY severity`)).rows) out[String(r.severity)] = Number(r.n);
      return out;
    },
    async topSources(limit) {
      const rows = (
        await pool.query(
          `SELECT src_ip, COUNT(*)::int AS n, MAX(risk) AS max_risk, MAX(ts) AS last_seen FROM ${t} WHERE src_ip IS NOT NULL GROUP BY src_ip ORDER BY max_risk DESC, n DESC LIMIT $1`,
          [limit],
        )
      ).rows;
      const reasons = new Map<string, string[]>();
      for (const r of rows) {
        const rr = (await pool.query(`SELECT reasons FROM ${t} WHERE src_ip = $1 ORDER BY risk DESC LIMIT 3`, [r.src_ip])).rows;
        reasons.set(r.src_ip, [...new Set(rr.flatMap((x) => x.reasons as string[]))].slice(0, 5));
      }
      return summaries(rows, (ip) => reasons.get(ip) ?? []);
    },
    async source(srcIp) {
      const r = (await pool.query(`SELECT src_ip, COUNT(*)::int AS n, MAX(risk) AS max_risk, MAX(ts) AS last_seen FROM ${t} WHERE src_ip = $1 GROUP BY src_ip`, [srcIp])).rows[0];
      if (!r) return undefined;
      const rr = (await pool.query(`SELECT reasons FROM ${t} WHERE src_ip = $1 ORDER BY risk DESC, id DESC LIMIT 10`, [srcIp])).rows;
      return summaries([r], () => [...new Set(rr.flatMap((x) => x.reasons as string[]))].slice(0, 20))[0];
    },
    async riskOverTime(hours) {
      const rows = (await pool.query(`SELECT substr(ts, 1, 13) AS hour, COUNT(*)::int AS n, MAX(risk) AS max_risk FROM ${t} GROUP BY hour ORDER BY hour DESC LIMIT $1`, [hours])).rows;
      return rows.reverse().map((r) => ({ hour: r.hour, alerts: Number(r.n), maxRisk: Number(r.max_risk) }));
    },
    async runs(limit) {
      return (await pool.query(`SELECT * FROM ${schema}.runs ORDER BY id DESC LIMIT $1`, [limit])).rows.map(runOf);
    },
    async close() {
      await pool.end();
    },
  };
}
