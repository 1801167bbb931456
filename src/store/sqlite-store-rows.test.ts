/**
 * The SQLite store's tuning (page size, pragmas) changes how the file is laid out, never what it
 * holds: the alerts of real analyses saved through the store give exactly the rows (every column,
 * id order, dedup by key) of a plain row-by-row reference insert into a default-page database,
 * with duplicates within one batch and across runs; and an existing 4 KiB-page database opened by
 * the store keeps its page size and gets the same rows too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline } from '../risk/baseline.js';
import { runAnalysis } from '../analysis/run-analysis.js';
import { openSqliteStore } from './sqlite-store.js';
import type { AlertStore, StoredAlert } from './alert-store.js';

const sample = resolve('samples', 'loopback');

/** a store that hands every call on and remembers the saveAlerts batches */
function recording(store: AlertStore, calls: { runId: number; alerts: StoredAlert[] }[]): AlertStore {
  return {
    ...store,
    where: store.where,
    saveRun: (r) => store.saveRun(r),
    finishRun: (id, r) => store.finishRun!(id, r),
    saveAlerts: async (runId, alerts) => {
      calls.push({ runId, alerts: [...alerts] });
      return store.saveAlerts(runId, alerts);
    },
  };
}

/** the reference: the store's own schema, default pages, one INSERT ... ON CONFLICT DO NOTHING per row */
function referenceInsert(path: string, schemaFrom: string, runs: unknown[][], calls: { runId: number; alerts: StoredAlert[] }[]): number[] {
  const src = new Database(schemaFrom, { readonly: true });
  const ddl = (src.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid").all() as { sql: string }[]).map((r) => r.sql);
  src.close();
  const db = new Database(path);
  for (const s of ddl) db.exec(s);
  const ph = (n: number): string => Array(n).fill('?').join(', ');
  for (const r of runs) db.prepare(`INSERT INTO runs VALUES (${ph(r.length)})`).run(...r);
  const ins = db.prepare(
    `INSERT INTO alerts (key, run_id, ts, signature, category, severity, src_ip, src_port, dest_ip, dest_port, proto, risk, reasons, record) VALUES (${ph(14)}) ON CONFLICT(key) DO NOTHING`,
  );
  const inserted: number[] = [];
  for (const c of calls) {
    let n = 0;
    for (const a of c.alerts) {
      n += ins.run(a.key, c.runId, a.timestamp, a.signature, a.category, a.severity, a.srcIp, a.srcPort, a.destIp, a.destPort, a.proto, a.risk, JSON.stringify(a.reasons), JSON.stringify(a.record)).changes;
    }
    inserted.push(n);
  }
  db.close();
  return inserted;
}

function rows(path: string, table: string): unknown[][] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM ${table} ORDER BY id`).raw().all() as unknown[][];
  } finally {
    db.close();
  }
}

function pageSize(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
}

test('sqlite store: rows of real analyses equal a row-by-row reference insert (duplicates in a batch and across runs)', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-rows-'));
  try {
    const baseline = await fitBaseline(await readDataset([join(sample, 'normal.csv')]), { seed: 1, threads: 1 });
    const common = { inputs: [join(sample, 'traffic.csv')], read: {}, baseline, flowThreshold: 0.99, ipThreshold: 0.99, threads: 1, batchRows: 100 };
    const dbPath = join(dir, 'store.db');
    const calls: { runId: number; alerts: StoredAlert[] }[] = [];
    const results: number[] = [];
    const store = openSqliteStore(dbPath);
    const rec = recording(store, calls);
    // 1. a first analysis, 2. the same again (every alert already there)
    for (const o of ['o1', 'o2']) {
      const r = await runAnalysis({ ...common, outDir: join(dir, o), store: rec });
      results.push(r.alerts.stored ?? -1);
    }
    const all = calls.flatMap((c) => c.alerts);
    assert.ok(all.length >= 40, `the sample raises alerts (${all.length})`);
    assert.ok(results[0] > 0 && results[1] === 0, `run 1 stores, run 2 finds them there (${results})`);
    // 3. one batch with duplicates inside it (the same alert twice, one changed but for its key)
    // and new ones, under a third run
    const run3 = await rec.saveRun({ startedAt: 'a', finishedAt: 'b', inputs: ['x'], flows: 0, alerts: 0, summary: {} });
    const fresh = all.slice(0, 20).map((a, i) => ({ ...a, key: `fresh-${i}`, recordJson: undefined }));
    const batch: StoredAlert[] = [fresh[0], fresh[0], ...fresh.slice(1, 10), { ...fresh[3], risk: 0.5 }, all[5], ...fresh.slice(10), fresh[19]];
    const got = await rec.saveAlerts(run3, batch);
    assert.deepEqual(got, { inserted: 20, duplicates: batch.length - 20 });
    await store.close();

    const refPath = join(dir, 'reference.db');
    const runRows = rows(dbPath, 'runs');
    assert.equal(runRows.length, 3);
    const refInserted = referenceInsert(refPath, dbPath, runRows, calls);
    const saved = rows(dbPath, 'alerts');
    assert.equal(saved.length, refInserted.reduce((a, b) => a + b, 0));
    assert.deepEqual(saved, rows(refPath, 'alerts'), 'every column of every alert row, in id order');
    assert.equal(pageSize(dbPath), 16384);
    assert.equal(pageSize(refPath), 4096);

    // an existing default-page database opened by the store: page size kept, same rows again
    const again = openSqliteStore(refPath);
    const run4 = await again.saveRun({ startedAt: 'c', finishedAt: 'd', inputs: ['y'], flows: 0, alerts: 0, summary: {} });
    const more = fresh.map((a, i) => ({ ...a, key: `more-${i}` }));
    assert.deepEqual(await again.saveAlerts(run4, [...more, ...fresh, more[2]]), { inserted: 20, duplicates: 21 });
    await again.close();
    assert.equal(pageSize(refPath), 4096);
    const db = new Database(refPath, { readonly: true });
    const lastId = Math.max(...saved.map((r) => Number(r[0])));
    const last = db.prepare('SELECT key, run_id, record FROM alerts WHERE id > ? ORDER BY id').raw().all(lastId) as unknown[][];
    db.close();
    assert.deepEqual(last, more.map((a) => [a.key, run4, JSON.stringify(a.record)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
