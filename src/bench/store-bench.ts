/**
 * CPU of saving alerts to the SQLite store alone, in process: the alerts of an analysis
 * (its alerts.jsonl) saved into a fresh database in the store sink's chunks, then saved again
 * (every one "already there", as a re-run finds them). Keys are hashes of the lines: random
 * 40-hex keys like the real ones, so the key index sees the same random inserts.
 *
 *   node dist/bench/store-bench.js ALERTS.jsonl [copies] [db]
 *
 * `copies` repeats the alerts with other keys (a bigger run from a small sample). Prints JSON.
 */
import { hash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredAlert } from '../store/alert-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';

/** the StoredAlert analyze makes for one EVE line (as storedAlert), with key `key` */
export function storedFromLine(line: string, key: string): StoredAlert {
  const r = JSON.parse(line) as Record<string, unknown>;
  const al = r.alert as { signature: string; category: string; severity: number };
  const ns = r.netsentinel as { risk?: number; reasons?: string[] };
  return {
    key,
    timestamp: r.timestamp as string,
    signature: al.signature,
    category: al.category,
    severity: al.severity,
    srcIp: (r.src_ip as string | undefined) ?? null,
    srcPort: (r.src_port as number | undefined) ?? null,
    destIp: (r.dest_ip as string | undefined) ?? null,
    destPort: (r.dest_port as number | undefined) ?? null,
    proto: (r.proto as string | undefined) ?? null,
    risk: Number(ns.risk ?? 0),
    reasons: ns.reasons ?? [],
    record: r,
    recordJson: line,
  };
}

export function alertsOfJsonl(path: string, copies = 1): StoredAlert[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const out: StoredAlert[] = [];
  for (let c = 0; c < copies; c++) for (const l of lines) out.push(storedFromLine(l, hash('sha256', `${c}|${l}`, 'hex').slice(0, 40)));
  return out;
}

/** the store sink's chunk */
const CHUNK = 20_000;

async function main(): Promise<void> {
  const [file, copiesArg, dbArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: store-bench.js ALERTS.jsonl [copies] [db]');
  const alerts = alertsOfJsonl(file, Number(copiesArg ?? 1));
  const db = dbArg ?? join(tmpdir(), `ns-store-bench-${process.pid}.db`);
  for (const s of ['', '-wal', '-shm']) rmSync(db + s, { force: true });
  const pass = async (): Promise<{ cpu: number; wall: number; inserted: number }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const store = openSqliteStore(db);
    const run = await store.saveRun({ state: 'running', startedAt: 'x', finishedAt: 'x', inputs: [file], flows: 0, alerts: 0, summary: {} });
    let inserted = 0;
    for (let i = 0; i < alerts.length; i += CHUNK) inserted += (await store.saveAlerts(run, alerts.slice(i, i + CHUNK))).inserted;
    await store.close();
    const c = process.cpuUsage(c0);
    return { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000, inserted };
  };
  const fresh = await pass();
  const again = await pass();
  if (!dbArg) for (const s of ['', '-wal', '-shm']) rmSync(db + s, { force: true });
  console.log(JSON.stringify({ alerts: alerts.length, fresh_cpu_s: fresh.cpu, fresh_wall_s: fresh.wall, fresh_inserted: fresh.inserted, rerun_cpu_s: again.cpu, rerun_wall_s: again.wall, rerun_inserted: again.inserted }));
}

if (process.argv[1]?.endsWith('store-bench.js')) await main();
