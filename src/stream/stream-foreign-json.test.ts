/**
 * Flows that another program publishes to the JetStream flow subjects as JSON lines (an object per
 * flow, no schema header) may spell IPv4 addresses with leading zeros (`010.000.000.001`, exporters
 * that pad each part). Every reader (files, stdin, uploads) reads them as the decimal address they
 * are written with; the JetStream worker kept them as written, so one host was two sources (its
 * scan split) and its alerts carried a spelling a search for 10.0.0.1 does not find. Now the worker
 * reads them the same way and says so once, naming the message and cell.
 * A private nats-server (tests must not use the machine's) and a SQLite store in a scratch folder.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hasProgram } from '../testing/programs.js';
import { NATS_SERVER, startPrivateNats } from '../testing/nats-server.js';
import { openBus, ensureStream } from './nats-bus.js';
import { streamUntil } from '../testing/stream-workers.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';

const inCi = process.env.CI === 'true';
const skip = !hasProgram(NATS_SERVER) && !inCi ? 'nats-server is not installed (a private server is started)' : false;

const tmp = mkdtempSync(join(tmpdir(), 'ns-stream-foreign-json-'));
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

/** one flow object as a flow exporter writes it (the names generic CSV/JSON readers know) */
function flow(src: string, port: number, ts: number): string {
  return JSON.stringify({ ts: new Date(ts).toISOString(), src_ip: src, dst_ip: '10.0.0.99', dst_port: port, proto: 'tcp', duration: 0.001, bytes: 60, packets: 1 });
}

test('stream: JSON flows another program published with zero-padded IPv4 are read as decimal, one source, said once', { skip, timeout: 120_000 }, async () => {
  const nats = await startPrivateNats(join(tmp, 'nats'));
  cleanups.push(() => nats.kill());
  const bus = await openBus(nats.url, 'test');
  await ensureStream(bus, 'PADDED', 'padded');
  // one scanner touching 60 ports, half its flows written padded, half plain, in 3 messages
  const t0 = Date.parse('2026-12-01T10:00:00Z');
  const lines = Array.from({ length: 60 }, (_, i) => flow(i % 2 ? '010.000.000.001' : '10.0.0.1', 1000 + i, t0 + i * 100));
  for (let m = 0; m < 3; m++) await bus.js.publish('padded.flows.0', new TextEncoder().encode(lines.slice(m * 20, m * 20 + 20).join('\n')));
  await bus.nc.drain();

  // a baseline of the same columns: ordinary web flows of other hosts
  const csv = join(tmp, 'normal.csv');
  const normal = Array.from({ length: 300 }, (_, i) => `${new Date(t0 - 3_600_000 + i * 1000).toISOString()},10.0.1.${1 + (i % 40)},10.0.0.99,443,tcp,${(0.05 + (i % 7) * 0.01).toFixed(3)},${900 + (i % 13) * 50},${8 + (i % 5)}`);
  writeFileSync(csv, 'ts,src_ip,dst_ip,dst_port,proto,duration,bytes,packets\n' + normal.join('\n') + '\n');
  const nsb = join(tmp, 'normal.nsb');
  await saveBaseline(nsb, await fitBaseline(await readDataset([csv], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));

  const store = join(tmp, 'alerts.db');
  const { code, out, err } = await streamUntil(['--stream', 'PADDED', '--baseline', nsb, '--store', store], { ...process.env, NETSENTINEL_NATS_URL: nats.url }, (said) => /60 flows in 3 messages/.test(said));
  assert.equal(code, 0, err);

  const notes = err.split('\n').filter((l) => l.includes('leading zeros'));
  assert.equal(notes.length, 2, err);
  assert.match(notes[0]!, /^netsentinel: stream: input: padded\.flows\.0#1: 10 addresses written with leading zeros read as decimal, in canonical form \(the first: line 2, "src_ip": "010\.000\.000\.001" read as 10\.0\.0\.1/);
  assert.match(notes[1]!, /in all, .*: 30 addresses written with leading zeros/);
  const stats = JSON.parse(out) as { flows: number };
  assert.equal(stats.flows, 60);

  // one source: the scan's alert names 10.0.0.1 and no padded spelling reached the store
  const db = new Database(store, { readonly: true });
  const sources = db.prepare("SELECT DISTINCT src_ip AS s FROM alerts").all() as { s: string | null }[];
  db.close();
  assert.ok(sources.some((r) => r.s === '10.0.0.1'), JSON.stringify(sources));
  assert.ok(!sources.some((r) => r.s?.includes('010.')), JSON.stringify(sources));
});
