/**
 * Where decisions persist: beside the alerts, in the same SQLite file or PostgreSQL database
 * (the same location string as openStore), in a table of their own. Decisions are what `block
 * apply` enforces and `decisions list` shows; a person adds and deletes them by hand with
 * `decisions add|delete`. The policy reads the recent ones to suppress repeats.
 *
 * It stores; it neither decides (src/respond/policy.ts) nor enforces (src/respond/blocking/).
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Decision, DecisionType } from '../respond/decision.js';
import { inPgTransaction, openPgPool, openSqlite, parseStoreLocation } from './store-location.js';

export interface DecisionQuery {
  /** only decisions that still hold at this time (ms); default: all */
  readonly activeAt?: number;
  readonly value?: string;
  readonly type?: DecisionType;
  /** true: only simulated; false: only real; undefined: both */
  readonly simulated?: boolean;
  /** only decisions that no longer hold at this time (ms) */
  readonly expiredAt?: number;
  readonly origin?: string;
  /** keyset cursor: only decisions listed after this one in the (created desc, id) order */
  readonly after?: { readonly created: string; readonly id: string };
  readonly limit?: number;
}

export interface DecisionStore {
  readonly where: string;
  /** insert decisions; an id already stored is left alone. Returns how many were new. */
  save(decisions: readonly Decision[]): Promise<number>;
  list(q?: DecisionQuery): Promise<Decision[]>;
  /** decisions created at or after `sinceIso`, or still holding at `nowIso` (for suppression) */
  recent(sinceIso: string, nowIso: string): Promise<Decision[]>;
  /** delete by id, or every decision about an address/range; returns what was deleted */
  delete(idOrValue: string): Promise<Decision[]>;
  /** delete decisions that expired before `nowIso`; returns them */
  deleteExpired(nowIso: string): Promise<Decision[]>;
  close(): Promise<void>;
}

const COLUMNS = 'id, scope, value, type, severity, reason, reason_key, origin, created, expires, simulated, risk';

function tableSql(prefix: string, pg: boolean): string {
  return `
CREATE TABLE IF NOT EXISTS ${prefix}decisions (
  id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  value TEXT NOT NULL,
  type TEXT NOT NULL,
  severity TEXT NOT NULL,
  reason TEXT NOT NULL,
  reason_key TEXT NOT NULL,
  origin TEXT NOT NULL,
  created TEXT NOT NULL,
  expires TEXT NOT NULL,
  simulated ${pg ? 'BOOLEAN' : 'INTEGER'} NOT NULL,
  risk ${pg ? 'DOUBLE PRECISION' : 'REAL'}
);
CREATE INDEX IF NOT EXISTS decisions_value ON ${prefix}decisions(value);
CREATE INDEX IF NOT EXISTS decisions_expires ON ${prefix}decisions(expires);
`;
}

interface Row {
  id: string;
  scope: string;
  value: string;
  type: string;
  severity: string;
  reason: string;
  reason_key: string;
  origin: string;
  created: string;
  expires: string;
  simulated: number | boolean;
  risk: number | null;
}

function fromRow(r: Row): Decision {
  return {
    id: r.id,
    scope: r.scope as Decision['scope'],
    value: r.value,
    type: r.type as Decision['type'],
    severity: r.severity as Decision['severity'],
    reason: r.reason,
    reasonKey: r.reason_key,
    origin: r.origin,
    created: r.created,
    expires: r.expires,
    simulated: Boolean(r.simulated),
    ...(r.risk === null || r.risk === undefined ? {} : { risk: Number(r.risk) }),
  };
}

function toParams(d: Decision, pg: boolean): unknown[] {
  return [d.id, d.scope, d.value, d.type, d.severity, d.reason, d.reasonKey, d.origin, d.created, d.expires, pg ? d.simulated : d.simulated ? 1 : 0, d.risk ?? null];
}

/** WHERE clause and parameters for a query; `p(i)` renders the i-th placeholder */
function filter(q: DecisionQuery, p: (i: number) => string, pg: boolean): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (cond: (ph: string) => string, v: unknown): void => {
    params.push(v);
    where.push(cond(p(params.length)));
  };
  // ISO 8601 UTC strings of one form compare as text in both databases
  if (q.activeAt !== undefined) add((ph) => `expires > ${ph}`, new Date(q.activeAt).toISOString());
  if (q.value !== undefined) add((ph) => `value = ${ph}`, q.value);
  if (q.type !== undefined) add((ph) => `type = ${ph}`, q.type);
  if (q.simulated !== undefined) add((ph) => `simulated = ${ph}`, pg ? q.simulated : q.simulated ? 1 : 0);
  if (q.expiredAt !== undefined) add((ph) => `expires <= ${ph}`, new Date(q.expiredAt).toISOString());
  if (q.origin !== undefined) add((ph) => `origin = ${ph}`, q.origin);
  if (q.after !== undefined) {
    // each placeholder its own parameter: SQLite's ? are positional
    const ph = [q.after.created, q.after.created, q.after.id].map((v) => {
      params.push(v);
      return p(params.length);
    });
    where.push(`(created < ${ph[0]} OR (created = ${ph[1]} AND id > ${ph[2]}))`);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

export async function openDecisionStore(location: string): Promise<DecisionStore> {
  const loc = parseStoreLocation(location);
  if (loc.kind === 'sqlite') return sqliteDecisions(openSqlite(loc.path, tableSql('', false), 'decision'), loc.where);
  const pool = await openPgPool(loc, tableSql(`${loc.schema}.`, true), 'decision');
  return pgDecisions(pool, `${loc.schema}.`, loc.where);
}

function sqliteDecisions(db: Database.Database, where: string): DecisionStore {
  const insert = db.prepare(`INSERT INTO decisions (${COLUMNS}) VALUES (${COLUMNS.split(',').map(() => '?').join(', ')}) ON CONFLICT(id) DO NOTHING`);
  const insertMany = db.transaction((ds: readonly Decision[]) => ds.reduce((n, d) => n + insert.run(...toParams(d, false)).changes, 0));
  const select = (sql: string, params: unknown[]): Decision[] => (db.prepare(sql).all(...params) as Row[]).map(fromRow);
  const deleteRows = db.transaction((sel: string, params: unknown[]) => {
    const rows = select(`SELECT ${COLUMNS} FROM decisions ${sel}`, params);
    db.prepare(`DELETE FROM decisions ${sel}`).run(...params);
    return rows;
  });
  return {
    where,
    async save(ds) {
      return insertMany(ds);
    },
    async list(q = {}) {
      const f = filter(q, () => '?', false);
      return select(`SELECT ${COLUMNS} FROM decisions ${f.sql} ORDER BY created DESC, id LIMIT ?`, [...f.params, q.limit ?? 100000]);
    },
    async recent(sinceIso, nowIso) {
      return select(`SELECT ${COLUMNS} FROM decisions WHERE created >= ? OR expires > ?`, [sinceIso, nowIso]);
    },
    async delete(idOrValue) {
      return deleteRows('WHERE id = ? OR value = ?', [idOrValue, idOrValue]);
    },
    async deleteExpired(nowIso) {
      return deleteRows('WHERE expires <= ?', [nowIso]);
    },
    async close() {
      db.close();
    },
  };
}

function pgDecisions(pool: pg.Pool, t: string, where: string): DecisionStore {
  const select = async (sql: string, params: unknown[]): Promise<Decision[]> => (await pool.query(sql, params)).rows.map(fromRow);
  return {
    where,
    async save(ds) {
      let n = 0;
      await inPgTransaction(pool, async (client) => {
        for (let i = 0; i < ds.length; i += 500) {
          const chunk = ds.slice(i, i + 500);
          const values: unknown[] = [];
          const rows = chunk.map((d, j) => {
            values.push(...toParams(d, true));
            return `(${Array.from({ length: 12 }, (_, k) => `$${j * 12 + k + 1}`).join(', ')})`;
          });
          const r = await client.query(`INSERT INTO ${t}decisions (${COLUMNS}) VALUES ${rows.join(', ')} ON CONFLICT (id) DO NOTHING`, values);
          n += r.rowCount ?? 0;
        }
      });
      return n;
    },
    async list(q = {}) {
      const f = filter(q, (i) => `$${i}`, true);
      return select(`SELECT ${COLUMNS} FROM ${t}decisions ${f.sql} ORDER BY created DESC, id LIMIT $${f.params.length + 1}`, [...f.params, q.limit ?? 100000]);
    },
    async recent(sinceIso, nowIso) {
      return select(`SELECT ${COLUMNS} FROM ${t}decisions WHERE created >= $1 OR expires > $2`, [sinceIso, nowIso]);
    },
    async delete(idOrValue) {
      return select(`DELETE FROM ${t}decisions WHERE id = $1 OR value = $1 RETURNING ${COLUMNS}`, [idOrValue]);
    },
    async deleteExpired(nowIso) {
      return select(`DELETE FROM ${t}decisions WHERE expires <= $1 RETURNING ${COLUMNS}`, [nowIso]);
    },
    async close() {
      await pool.end();
    },
  };
}
