/**
 * The same store on PostgreSQL (node-postgres), for a deployment where several workers and the
 * dashboard share one database. Tables live in a schema of their own (default "netsentinel",
 * or the URL's `?schema=` parameter) so they never collide with an application's.
 */
import type { AlertQuery, AlertStore, AnalysisRun, RunState, SaveResult, StoredAlert, StoredRun } from './alert-store.js';
import { fromRow } from './sqlite-store.js';
import { UserError } from '../util/errors.js';
import { createPgSchema, inPgTransaction, newPgPool, postgresLocation } from './store-location.js';
import { ALERT_TIMES_KEY, UTC_ALERT_TIME_PG, migrationNote, noteSink, planAlertTimes, storedAlertTime } from './alert-time-migration.js';

/** alerts a statement of saveAlerts carries (bounded statement size) */
const CHUNK = 1000;

/** Alert times of older versions into the UTC form, once per schema (alert-time-migration.ts). */
async function migrateAlertTimes(pool: ReturnType<typeof newPgPool>, schema: string, where: string): Promise<void> {
  const done = await pool.query(`SELECT 1 FROM ${schema}.store_meta WHERE key = $1`, [ALERT_TIMES_KEY]);
  if (done.rowCount) return;
  let note: string | null = null;
  await inPgTransaction(pool, async (client) => {
    // one migrating process per schema; the others find its record once it commits
    await client.query(`LOCK TABLE ${schema}.store_meta IN EXCLUSIVE MODE`);
    const again = await client.query(`SELECT 1 FROM ${schema}.store_meta WHERE key = $1`, [ALERT_TIMES_KEY]);
    if (!again.rowCount) {
      const rows = await client.query(`SELECT id, ts FROM ${schema}.alerts WHERE ts !~ $1`, [UTC_ALERT_TIME_PG]);
      const { updates, result } = planAlertTimes(rows.rows as { id: string; ts: string }[]);
      if (updates.length) {
        await client.query(`UPDATE ${schema}.alerts AS a SET ts = u.ts FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, ts text) WHERE a.id = u.id`, [JSON.stringify(updates)]);
      }
      await client.query(`INSERT INTO ${schema}.store_meta (key, value) VALUES ($1, $2)`, [ALERT_TIMES_KEY, JSON.stringify({ form: 'utc', migratedAt: new Date().toISOString(), ...result })]);
      note = migrationNote(where, result);
    }
  });
  if (note) noteSink(note);
}

export async function openPostgresStore(url: string): Promise<AlertStore> {
  const { url: connectionString, schema, where: safe } = postgresLocation(url);
  const pool = newPgPool(connectionString, 4);
  try {
    await createPgSchema(pool, schema, `
      CREATE TABLE IF NOT EXISTS ${schema}.runs (
        id BIGSERIAL PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL,
        inputs JSONB NOT NULL,
        flows BIGINT NOT NULL,
        alerts BIGINT NOT NULL,
        summary JSONB NOT NULL
      );
      ALTER TABLE ${schema}.runs ADD COLUMN IF NOT EXISTS state TEXT NOT NULL DEFAULT 'finished';
      CREATE TABLE IF NOT EXISTS ${schema}.alerts (
        id BIGSERIAL PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        run_id BIGINT NOT NULL REFERENCES ${schema}.runs(id),
        ts TEXT NOT NULL,
        signature TEXT NOT NULL,
        category TEXT NOT NULL,
        severity INTEGER NOT NULL,
        src_ip TEXT,
        src_port INTEGER,
        dest_ip TEXT,
        dest_port INTEGER,
        proto TEXT,
        risk DOUBLE PRECISION NOT NULL,
        reasons JSONB NOT NULL,
        record JSONB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS alerts_src ON ${schema}.alerts(src_ip);
      CREATE INDEX IF NOT EXISTS alerts_ts ON ${schema}.alerts(ts);
      CREATE TABLE IF NOT EXISTS ${schema}.store_meta (key TEXT PRIMARY KEY, value JSONB NOT NULL);
    `);
    await migrateAlertTimes(pool, schema, safe);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new UserError(`cannot use the PostgreSQL store at ${safe}: ${(e as Error).message}`);
  }
  // rows of a saveAlerts chunk: [key, ts, signature, category, severity, src_ip, src_port, dest_ip,
  // dest_port, proto, risk, reasons, record], in order (ids follow the array's order); reasons null
  // when they are the record's own netsentinel.reasons (taken from the record, not sent twice)
  const insertRows = `INSERT INTO ${schema}.alerts (key, run_id, ts, signature, category, severity, src_ip, src_port, dest_ip, dest_port, proto, risk, reasons, record)
    SELECT r->>0, $1, r->>1, r->>2, r->>3, (r->>4)::int, r->>5, (r->>6)::int, r->>7, (r->>8)::int, r->>9, (r->>10)::float8, COALESCE(NULLIF(r->11, 'null'::jsonb), r->12->'netsentinel'->'reasons'), r->12
    FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(r, n) ORDER BY n
    ON CONFLICT (key) DO NOTHING`;
  // a named statement: each connection has the server parse and analyse it once, then only binds
  // and runs it (a stream worker sends it once per commit group, and the parse of the unnamed
  // statement was PostgreSQL's work each time); the name is per connection, and this pool's only
  const insert = (values: unknown[]) => ({ name: 'netsentinel_save_alerts', text: insertRows, values });
  return {
    where: safe,
    async saveRun(run: AnalysisRun) {
      const r = await pool.query(
        `INSERT INTO ${schema}.runs (started_at, finished_at, inputs, flows, alerts, summary, state) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [run.startedAt, run.finishedAt, JSON.stringify(run.inputs), run.flows, run.alerts, JSON.stringify(run.summary), run.state ?? 'finished'],
      );
      return Number(r.rows[0].id);
    },
    async finishRun(runId: number, run: AnalysisRun & { readonly state: RunState }) {
      await pool.query(`UPDATE ${schema}.runs SET started_at = $1, finished_at = $2, inputs = $3, flows = $4, alerts = $5, summary = $6, state = $7 WHERE id = $8`, [
        run.startedAt,
        run.finishedAt,
        JSON.stringify(run.inputs),
        run.flows,
        run.alerts,
        JSON.stringify(run.summary),
        run.state,
        runId,
      ]);
    },
    async listRuns(limit = 100): Promise<StoredRun[]> {
      const r = await pool.query(`SELECT * FROM ${schema}.runs ORDER BY id DESC LIMIT $1`, [limit]);
      return r.rows.map((x) => ({
        id: Number(x.id),
        state: x.state as RunState,
        startedAt: new Date(x.started_at).toISOString(),
        finishedAt: new Date(x.finished_at).toISOString(),
        inputs: x.inputs,
        flows: Number(x.flows),
        alerts: Number(x.alerts),
        summary: x.summary,
      }));
    },
    async saveAlerts(runId, alerts): Promise<SaveResult> {
      let inserted = 0;
      // the rows travel as one JSON array parameter (each alert's record spliced in as the JSON
      // text it already is) and are spread into columns by the server: one parameter instead of
      // 14 a row, no placeholder list to build, the record never parsed or re-serialised here
      const chunk = (i: number): string => {
        const end = Math.min(alerts.length, i + CHUNK);
        const parts: string[] = new Array(end - i);
        for (let j = i; j < end; j++) {
          const a = alerts[j];
          // the same array as the record's (storedAlert's alerts): its JSON is in the record already
          const inRecord = a.reasons === (a.record.netsentinel as { reasons?: unknown } | undefined)?.reasons;
          const head = JSON.stringify([a.key, storedAlertTime(a.timestamp), a.signature, a.category, a.severity, a.srcIp, a.srcPort, a.destIp, a.destPort, a.proto, Number.isFinite(a.risk) ? a.risk : String(a.risk), inRecord ? null : a.reasons]);
          parts[j - i] = `${head.slice(0, -1)},${a.recordJson ?? JSON.stringify(a.record)}]`;
        }
        return `[${parts.join(',')}]`;
      };
      if (!alerts.length) return { inserted: 0, duplicates: 0 };
      if (alerts.length <= CHUNK) {
        // one statement is a transaction of its own: no BEGIN and COMMIT round trips (a stream
        // worker commits a group of messages at a time, most of them one chunk or less)
        const r = await pool.query(insert([runId, chunk(0)]));
        return { inserted: r.rowCount ?? 0, duplicates: alerts.length - (r.rowCount ?? 0) };
      }
      await inPgTransaction(pool, async (client) => {
        for (let i = 0; i < alerts.length; i += CHUNK) {
          const r = await client.query(insert([runId, chunk(i)]));
          inserted += r.rowCount ?? 0;
        }
      });
      return { inserted, duplicates: alerts.length - inserted };
    },
    async listAlerts(q: AlertQuery = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.srcIp) {
        params.push(q.srcIp);
        where.push(`src_ip = $${params.length}`);
      }
      if (q.minSeverity !== undefined) {
        params.push(q.minSeverity);
        where.push(`severity <= $${params.length}`);
      }
      if (q.since) {
        params.push(storedAlertTime(q.since));
        where.push(`ts >= $${params.length}`);
      }
      params.push(q.limit ?? 1000);
      const r = await pool.query(
        `SELECT * FROM ${schema}.alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY risk DESC, id LIMIT $${params.length}`,
        params,
      );
      return r.rows.map((row) => fromRow({ ...row, reasons: row.reasons, record: row.record }));
    },
    async countAlerts() {
      const r = await pool.query(`SELECT COUNT(*)::int AS n FROM ${schema}.alerts`);
      return r.rows[0].n as number;
    },
    async close() {
      await pool.end();
    },
  };
}
