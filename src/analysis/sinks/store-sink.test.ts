/**
 * One store run per analysis (issue 9 #9), on both back ends: created 'running' at the start and
 * updated at the end ('finished', 'interrupted' or 'failed'), every alert pointing at it; repeated
 * findings within one run all stored on a fresh database, none "already there". PostgreSQL at
 * 127.0.0.1:5432 when it answers; under CI=true its absence is a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDataset } from '../../sources/read-dataset.js';
import { fitBaseline, type Baseline } from '../../risk/baseline.js';
import { runAnalysis, AnalysisInterrupted } from '../run-analysis.js';
import { openStore } from '../../store/open-store.js';
import type { Finding } from '../../detect/finding.js';
import type { FlowSource } from '../flow-source.js';
import { UserError } from '../../util/errors.js';
import { dropPgSchemas, pgReachable } from '../../testing/local-services.js';
import { runRowSummary, RUN_ROW_RISKY_SOURCES } from './store-sink.js';

const sample = resolve('samples', 'loopback');
const schema = `ns_runs_${process.pid}`;
const PG_URL = `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`;

const pgSkip = !(await pgReachable()) && process.env.CI !== 'true' ? 'PostgreSQL is not running on 127.0.0.1:5432 (runs when CI=true)' : false;

let baseline: Baseline | undefined;
async function base(): Promise<Baseline> {
  baseline ??= await fitBaseline(await readDataset([join(sample, 'normal.csv')]), { seed: 1, threads: 1 });
  return baseline;
}

/** alert run ids, straight from the database */
async function alertRunIds(backend: 'sqlite' | 'postgres', loc: string): Promise<number[]> {
  if (backend === 'sqlite') {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(loc, { readonly: true });
    try {
      return (db.prepare('SELECT run_id FROM alerts').all() as { run_id: number }[]).map((r) => Number(r.run_id));
    } finally {
      db.close();
    }
  }
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await c.connect();
  try {
    return (await c.query(`SELECT run_id FROM ${schema}.alerts`)).rows.map((r) => Number(r.run_id));
  } finally {
    await c.end();
  }
}

const twin: Finding = {
  ruleId: 'test.twin',
  title: 'test finding',
  category: 'reconnaissance',
  severity: 3,
  srcIp: '127.0.0.10',
  targets: { ips: [], ipCount: 0, ports: [], portCount: 0, countsCapped: false },
  firstSeen: null,
  lastSeen: null,
  count: 1,
  evidence: {},
  rows: [],
  reason: 'the same thing seen twice, without timestamps',
};

for (const backend of ['sqlite', 'postgres'] as const) {
  test(`${backend}: one run row per analysis, alerts point at it, end state recorded`, { skip: backend === 'postgres' ? pgSkip : false, timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ns-runs-'));
    const loc = backend === 'sqlite' ? join(dir, 'a.db') : PG_URL;
    const common = { inputs: [join(sample, 'traffic.csv')], read: {}, baseline: await base(), flowThreshold: 0.999, ipThreshold: 0.99, threads: 1, batchRows: 100 };
    try {
      // 1. a fresh database: one run, finished; two identical findings both stored
      let store = await openStore(loc);
      const r1 = await runAnalysis({ ...common, outDir: join(dir, 'o1'), store, evidence: [{ name: 'twins', finish: async () => ({ findings: [twin, twin] }) }] });
      let runs = await store.listRuns!();
      assert.equal(runs.length, 1, 'one run row per analysis');
      assert.equal(runs[0].state, 'finished');
      assert.equal(runs[0].flows, r1.flows);
      assert.equal(runs[0].alerts, r1.alerts.written);
      assert.equal((runs[0].summary as { flows: number }).flows, r1.flows);
      assert.equal(r1.alerts.stored, r1.alerts.written, 'a fresh database has nothing "already there"');
      assert.equal(r1.alerts.duplicates, 0);
      await store.close();
      let ids = await alertRunIds(backend, loc);
      assert.equal(ids.length, r1.alerts.written);
      assert.ok(ids.every((i) => i === runs[0].id), 'every alert points at the run');

      // 2. the same input again: a second run, its alerts all already there
      store = await openStore(loc);
      const r2 = await runAnalysis({ ...common, outDir: join(dir, 'o2'), store, evidence: [{ name: 'twins', finish: async () => ({ findings: [twin, twin] }) }] });
      assert.equal(r2.alerts.stored, 0);
      assert.equal(r2.alerts.duplicates, r2.alerts.written);
      runs = await store.listRuns!();
      assert.deepEqual(runs.map((r) => r.state), ['finished', 'finished']);

      // 3. interrupted after the first batch: state recorded, no output left, none half-written
      const stop = new AbortController();
      // the signal arrives while the first batch is being written
      const trigger = { name: 'trigger', batch: async () => stop.abort('SIGTERM') };
      const e = await runAnalysis({ ...common, outDir: join(dir, 'o3'), store, signal: stop.signal, sinks: [trigger] }).then(
        () => assert.fail('should have stopped'),
        (x: unknown) => x,
      );
      assert.ok(e instanceof AnalysisInterrupted);
      assert.equal(e.exitCode, 143);
      assert.match(e.message, /^interrupted by SIGTERM: stopped after [0-9,]+ flows; no output written \(unfinished files removed\); store run \d+ marked interrupted$/);
      assert.ok(e.flows > 0 && e.flows <= 100 && e.flows < r1.flows, `stopped after the first batch (${e.flows} flows)`);
      assert.deepEqual(readdirSync(join(dir, 'o3')), []);
      runs = await store.listRuns!();
      assert.equal(runs.length, 3);
      // a stop requested before anything started: no run row, nothing written
      await assert.rejects(runAnalysis({ ...common, outDir: join(dir, 'o3b'), store, signal: stop.signal }), /^UserError: interrupted by SIGTERM before analysis started; no output written$/);
      assert.equal((await store.listRuns!()).length, 3);
      assert.equal(runs[0].state, 'interrupted');
      assert.equal(runs[0].flows, e.flows);

      // 4. failed half way
      const table = await readDataset([join(sample, 'traffic.csv')]);
      const failing: FlowSource = {
        inputs: ['test:failing'],
        batches: async function* () {
          yield table;
          throw new UserError('test:failing: the feed broke');
        },
      };
      // (rule chunks the size of the first table: that batch is judged and written before the feed
      // breaks; a failure inside the first chunk has written nothing, so it leaves no run row, as a
      // failure before the first batch does)
      await assert.rejects(runAnalysis({ ...common, outDir: join(dir, 'o4'), store, source: failing, rulesChunkRows: table.rowCount }), /the feed broke/);
      assert.deepEqual(readdirSync(join(dir, 'o4')), []);
      runs = await store.listRuns!();
      assert.equal(runs[0].state, 'failed');
      assert.match(String((runs[0].summary as { note: string }).note), /failed: test:failing: the feed broke/);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (backend === 'postgres' && !pgSkip) await dropPgSchemas(schema);
    }
  });
}

test('the run row keeps the riskiest sources only and says how many it left out (summary.json keeps them all)', () => {
  const riskyIps = Array.from({ length: RUN_ROW_RISKY_SOURCES + 37 }, (_, i) => ({ ip: `10.0.${i >> 8}.${i & 255}`, risk: 1 - i / 1000 }));
  const full = { flows: 5, riskyIps };
  const row = runRowSummary(full) as { flows: number; riskyIps: { ip: string }[]; riskyIpsLeftOut: number };
  assert.equal(row.flows, 5);
  assert.equal(row.riskyIps.length, RUN_ROW_RISKY_SOURCES);
  assert.deepEqual(row.riskyIps.map((r) => r.ip), riskyIps.slice(0, RUN_ROW_RISKY_SOURCES).map((r) => r.ip), 'the first (riskiest) ones, in order');
  assert.equal(row.riskyIpsLeftOut, 37);
  assert.equal(full.riskyIps.length, RUN_ROW_RISKY_SOURCES + 37, 'the summary itself untouched');
  const few = { riskyIps: riskyIps.slice(0, 3) };
  assert.equal(runRowSummary(few), few, 'a short list is kept whole, with no note');
});
