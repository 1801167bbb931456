/**
 * Streaming throughput end to end (issue 13's target: ≥ 100,000 flows/s through one worker,
 * p50/p99 latency, a second worker ≥ 1.7 × the rate), beside analyze on the same flows in the
 * same run (the batch path is the peer: same stages, no bus, no per-message commit).
 *
 *   npm run bench -- script stream-throughput [copies] [partitions] [message-flows] [sources]   (from the project root)
 *
 * Needs `nats-server` (JetStream) and PostgreSQL on 127.0.0.1:5432 (trust auth, database `test`, or
 * STREAM_BENCH_PG=postgres://USER@HOST:PORT/DB without query parameters);
 * uses a stream and schemas of its own, deleted afterwards. The bench starts a nats-server of its
 * own on a free loopback port (its store in the temporary folder) so that the NATS CPU it reports
 * is this run's only; STREAM_BENCH_NATS=nats://127.0.0.1:4222 uses that server instead (its CPU
 * then not reported: other programs share it). PostgreSQL CPU: the backends of the workers'
 * connections only (found by application_name). STREAM_BENCH_PROFILE=DIR starts the workers and the publisher with
 * `node --cpu-prof --cpu-prof-dir DIR`; STREAM_BENCH_WORKER_CLI=PATH runs the workers, and
 * STREAM_BENCH_PUBLISH_CLI=PATH the publisher, from another build's dist/cli/main.js (before/after
 * comparisons on the same flows and servers; a worker reads only the wire layouts its build knows).
 * STREAM_BENCH_WORKER_NODE_FLAGS="--flag …" gives the workers' node those flags (V8 settings tried on workers alone).
 * The workers run with --no-publish unless STREAM_BENCH_RESULTS=1 (then each alert and finding is
 * also published to <prefix>.alerts/.findings, as `netsentinel stream` does by default).
 * STREAM_BENCH_ANALYZE=0 skips the analyze peer. STREAM_BENCH_JSON=1 adds the figures as one JSON
 * line at the end (what `npm run bench -- stream` reads, stream-rows.ts).
 *
 * After the one-worker run, the same messages are read back from the stream and decoded and scored
 * in the bench's own process (the worker's decode and BatchScorer, the stream verb's default
 * settings, alerts turned into store rows), no NATS or PostgreSQL in the timing: what scoring
 * alone costs per flow, the ceiling of a worker's flows per CPU second.
 *
 * Warm-up: before the clock starts, one more seeded copy per worker of the largest run (STREAM_BENCH_WARMUP copies, 0 for none)
 * is published and consumed, so the figures are a long-running worker's (its JIT compiled), not
 * its first seconds'. The latency figures and alert counts the workers report include it.
 *
 * Runs, each with fresh workers, stream and schema: end to end, then consume-only, each for 1 and
 * 2 workers (STREAM_BENCH_WORKERS=1, =2 or =1,2; STREAM_BENCH_PREFILL=1 only consume-only, =0
 * only end to end). Workers are started (`netsentinel stream`, one process each, the partitions
 * split between them) and wait on their consumers; the CIC-IDS2017 sample (×copies) is published
 * (`netsentinel publish`, 200 flows a message unless [message-flows] says otherwise, within the
 * server's payload limit).
 *   End to end: the clock runs from the first publish to the moment every flow message is
 *   acknowledged (alerts committed to PostgreSQL), the publisher, nats-server and PostgreSQL on
 *   the same cores as the workers. Latency per message is the stream's store time to the ack, as
 *   the workers report it.
 *   Consume-only: the workers are stopped (SIGSTOP) while the flows are published, and the clock
 *   starts when they are resumed (SIGCONT), so the rate is the workers' with no publisher beside
 *   them: on a 2-core machine the publisher otherwise takes about one worker's CPU, and two
 *   workers plus it need three. (Latency there includes the wait while stopped: not reported.)
 * Each run prints the CPU seconds of the workers, the publisher, nats-server and the workers'
 * PostgreSQL backends in its window, and what every other program on the machine took (from
 * /proc/stat); a table of every run, the second worker's factor per mode and one worker's rate
 * against 100,000 flows/s end the output, so the ×1.7 target can be judged against the cores
 * the machine had left.
 *
 * The flows are re-addressed (unless [sources] is 0): 77% of the sample's flows come from one
 * address (172.16.0.1), and publish partitions by source address, so on the sample as it is one
 * partition holds most of the work and no number of workers can share it. The bench writes, into
 * its temporary folder, `copies` copies of the sample whose `Src IP` (and the source in `Flow ID`)
 * is replaced, run by run (RUN consecutive flows of one original source keep one new address), by
 * one of [sources] (default 4096) addresses drawn with a fixed seed; each copy its own draw, so
 * copies are distinct flows to the store; and its Timestamp a week after the copy before (laterBy). analyze (the peer) reads the same files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import pg from 'pg';
import { sharedPath } from '../testing/shared-data.js';
import { readdressCopy, RUN } from './readdressed-flows.js';
import { ensureStream, openBus, resultsStream } from '../stream/nats-bus.js';
import { startPrivateNats, type PrivateNats } from '../testing/nats-server.js';
import { DEFAULT_FLOW_ALERTS_PER_SOURCE, DEFAULT_FLOW_ALERT_WINDOW_SECONDS } from '../analysis/flow-alert-limit.js';
import { PartitionScorers, partitionOfSubject } from '../stream/partition-scorers.js';
import { decodeFlowMessage } from '../stream/stream-worker.js';
import { storedAlert } from '../analysis/alerts.js';
import { loadBaseline } from '../risk/baseline.js';
import { loadAnalysisConfig } from '../config/analysis-config.js';
import type { JsMsg } from '@nats-io/jetstream';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const copies = Number(process.argv[2] ?? 1);
// CPU seconds from /proc (the machine is shared and loaded: wall time alone says little).
// utime+stime of one process, or cutime+cstime (children waited for) when `children`.
const TICK = 100; // USER_HZ on Linux
function cpuOf(pid: number | 'self', children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields after "(comm) ": state=0 … utime=11 stime=12 cutime=13 cstime=14
    return children ? (Number(f[13]) + Number(f[14])) / TICK : (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0; // exited meanwhile
  }
}
/**
 * CPU seconds of a process's main thread only (its task whose id is the pid): the rest of
 * cpuOf(pid) is other threads, in a worker V8's optimising compiler and its GC helpers (a
 * worker's closures made per message were compiled again message after message there).
 */
function mainThreadCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
}
/**
 * CPU seconds of the PostgreSQL backends serving this bench's workers: their connections carry
 * `application_name` (in the store URL), the backends' pids come from pg_stat_activity and are
 * sampled while the run goes on (a backend that exits keeps its last sample; one that starts
 * during the window counts from 0). Never the machine's other postgres processes.
 */
class BackendCpu {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  constructor(private readonly client: pg.Client, private readonly app: string) {}
  /** look up the backends (new ones start at their CPU now if `atStart`, else at 0) and sample each */
  async sample(atStart = false): Promise<void> {
    const r = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [this.app]);
    for (const { pid } of r.rows) {
      const now = cpuOf(pid);
      if (!this.first.has(pid)) this.first.set(pid, atStart ? now : 0);
      // /proc gone (exited between the query and the read): keep the last sample
      if (now > 0 || !this.last.has(pid)) this.last.set(pid, Math.max(now, this.last.get(pid) ?? 0));
    }
    for (const pid of this.last.keys()) {
      const now = cpuOf(pid);
      if (now > (this.last.get(pid) ?? 0)) this.last.set(pid, now);
    }
  }
  /** count from now on: every backend known so far starts at its CPU now */
  async rebase(): Promise<void> {
    await this.sample();
    for (const [pid, c] of this.last) this.first.set(pid, c);
  }
  get seconds(): number {
    let s = 0;
    for (const [pid, c] of this.last) s += c - (this.first.get(pid) ?? 0);
    return s;
  }
  get backends(): number {
    return this.last.size;
  }
}
const partitions = Number(process.argv[3] ?? 8);
/** the PostgreSQL database the workers store into (schemas of the bench's own in it, dropped afterwards) */
const pgBase = process.env.STREAM_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const messageFlows = Number(process.argv[4] ?? 200);
const sources = Number(process.argv[5] ?? 4096);
const readdress = (dir: string, out: string, copy: number, weeksLater: number): { flows: number; sources: number } => readdressCopy(dir, out, copy, weeksLater, sources);
async function main(): Promise<void> {
  const dir = sharedPath('datasets', 'cicids2017-sample');
  if (!dir) throw new Error('needs ../shared/datasets/cicids2017-sample');
  const tmp = mkdtempSync(join(tmpdir(), 'ns-bench-stream-'));
  let nats: PrivateNats | undefined;
  let natsPid: number | undefined;
  const sharedNats = process.env.STREAM_BENCH_NATS;
  if (!sharedNats) {
    nats = await startPrivateNats(join(tmp, 'nats'));
    natsPid = natsPidOf(nats.port);
  }
  const natsUrl = sharedNats ?? nats!.url;
  const profileDir = process.env.STREAM_BENCH_PROFILE;
  const publishResults = process.env.STREAM_BENCH_RESULTS === '1';
  // which runs: end to end and consume-only (pre-filled) by default; STREAM_BENCH_PREFILL=1 only
  // the consume-only ones, =0 only end to end. STREAM_BENCH_WORKERS=1 (or 2, or 1,2: the default).
  const modes: Mode[] = process.env.STREAM_BENCH_PREFILL === '1' ? ['prefill'] : process.env.STREAM_BENCH_PREFILL === '0' ? ['end-to-end'] : ['end-to-end', 'prefill'];
  const workerCounts = (process.env.STREAM_BENCH_WORKERS ?? '1,2').split(',').map(Number);
  if (!workerCounts.every((w) => w >= 1 && w <= partitions)) throw new Error(`STREAM_BENCH_WORKERS: worker counts from 1 to the ${partitions} partitions, got ${process.env.STREAM_BENCH_WORKERS}`);
  const withPeer = process.env.STREAM_BENCH_ANALYZE !== '0';
  // one copy of warm-up per worker of the largest run: the warm-up is shared among the workers, and
  // with one copy two workers each compiled on half of it (per-flow worker CPU 45k against one
  // worker's 61k flows per CPU s; with a copy each, 55k: the second worker's factor was the JIT's)
  const warmCopies = sources > 0 ? Number(process.env.STREAM_BENCH_WARMUP ?? Math.max(...workerCounts)) : 0;
  // another build's CLI for the workers and/or the publisher (before/after comparisons):
  // STREAM_BENCH_WORKER_CLI=/path/dist/cli/main.js, STREAM_BENCH_PUBLISH_CLI=/path/dist/cli/main.js
  const workerCli = process.env.STREAM_BENCH_WORKER_CLI ?? CLI;
  // node's own flags for the workers (V8 settings tried on them alone: STREAM_BENCH_WORKER_NODE_FLAGS="--max-semi-space-size=64")
  const workerNodeFlags = (process.env.STREAM_BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  if (workerNodeFlags.length) console.log(`workers' node flags: ${workerNodeFlags.join(' ')}`);
  if (workerCli !== CLI) console.log(`workers: ${workerCli}`);
  const publishCli = process.env.STREAM_BENCH_PUBLISH_CLI ?? CLI;
  if (publishCli !== CLI) console.log(`publisher: ${publishCli}`);
  const bus = await openBus(natsUrl, 'bench');
  const pgc = new pg.Client({ connectionString: pgBase, application_name: `nsbench-${process.pid}-control` });
  await pgc.connect();
  const schemas: string[] = [];
  const streams: string[] = [];
  try {
    const baseline = join(tmp, 'b.nsb');
    const b = spawnSync(process.execPath, [CLI, 'baseline', join(dir, 'BENIGN_2500.csv'), '-o', baseline, '-q'], { encoding: 'utf8' });
    if (b.status !== 0) throw new Error(b.stderr);
    let inputs: string[];
    if (sources > 0) {
      inputs = Array.from({ length: copies }, (_, c) => join(tmp, 'flows', `copy${c + 1}`));
      // a week apart, after the warm-up copies (published first)
      const made = inputs.map((out, c) => readdress(dir, out, c, warmCopies + c));
      console.log(
        `flows: ${copies} cop${copies === 1 ? 'y' : 'ies'} of the CIC-IDS2017 sample re-addressed (seeded) to ${made.map((m) => m.sources).join('/')} of ${sources} source addresses in runs of ${RUN} flows (the sample: 77% from one address, which partitioning by source cannot spread), in ${join(tmp, 'flows')}`,
      );
    } else {
      inputs = Array.from({ length: copies }, () => dir);
      console.log(`flows: the CIC-IDS2017 sample as it is ×${copies} (77% of its flows from one source address: one partition holds most of the work)`);
    }

    // warm-up flows (another seeded copy, distinct flows to the store), published before the clock starts
    const warmInputs = Array.from({ length: warmCopies }, (_, c) => join(tmp, 'flows', `warmup${c + 1}`));
    warmInputs.forEach((out, c) => readdress(dir, out, 1000 + c, c));
    if (warmCopies) console.log(`warm-up: ${warmCopies} more cop${warmCopies === 1 ? 'y' : 'ies'} (own seed) consumed by the workers before the clock starts (not timed; STREAM_BENCH_WARMUP=0 for none)`);

    // the peer: analyze on the same flows, same baseline, no bus
    let analyzeRate: number | undefined;
    if (withPeer) {
      const t0 = performance.now();
      const cpuChildren0 = cpuOf('self', true);
      const a = spawnSync(process.execPath, [CLI, 'analyze', ...inputs, '-b', baseline, '--store', 'none', '--no-report', '-o', join(tmp, 'an'), '--json', '-q'], { encoding: 'utf8', maxBuffer: 1 << 28 });
      if (a.status !== 0) throw new Error(a.stderr);
      const analyzeSeconds = (performance.now() - t0) / 1000;
      const analyzeCpu = cpuOf('self', true) - cpuChildren0;
      const flows = (JSON.parse(a.stdout) as { flows: number }).flows;
      analyzeRate = flows / analyzeSeconds;
      console.log(
        `analyze (peer): ${flows} flows in ${analyzeSeconds.toFixed(2)} s = ${Math.round(analyzeRate)} flows/s (process wall time, baseline load included); ` +
          `${analyzeCpu.toFixed(2)} CPU s = ${Math.round(flows / analyzeCpu)} flows per CPU second`,
      );
    }

    const results: RunResult[] = [];
    let scoredAlone: number | undefined;
    for (const mode of modes)
      for (const workers of workerCounts) {
        const prefill = mode === 'prefill';
        const tag = `${prefill ? 'c' : 'e'}${workers}`;
        const stream = `NSBENCH_${process.pid}_${tag}`;
        streams.push(stream);
        const schema = `ns_bench_${process.pid}_${tag}`;
        schemas.push(schema);
        const app = `nsbench-${process.pid}-${tag}`;
        const store = `${pgBase}?schema=${schema}&application_name=${app}`;
        const backends = new BackendCpu(pgc, app);
        // create the stream first so the workers' consumers exist before the first flow
        await ensureStream(bus, stream, stream.toLowerCase());
        const owned = Array.from({ length: workers }, (_, w) => Array.from({ length: partitions }, (_, p) => p).filter((p) => p % workers === w));
        const procs = owned.map((parts) => {
          const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
          const child = spawn(process.execPath, [...prof, ...workerNodeFlags, workerCli, 'stream', '--nats', natsUrl, '--stream', stream, '--baseline', baseline, '--store', store, '--durable', 'bench', '--partitions', parts.join(','), ...(publishResults ? [] : ['--no-publish']), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (err += d));
          const ready = new Promise<void>((resolve, reject) => {
            const check = (): void => {
              if (/consuming/.test(err)) resolve();
            };
            child.stderr.on('data', check);
            child.once('close', () => reject(new Error(`worker exited: ${err}`)));
          });
          const done = new Promise<Record<string, number>>((resolve, reject) => child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error(err)))));
          return { child, ready, done };
        });
        await Promise.all(procs.map((p) => p.ready));
        const consumers = owned.flat().map((p) => `bench-p${p}`);
        const drained = async (): Promise<void> => {
          for (;;) {
            const infos = await Promise.all(consumers.map((c) => bus.jsm.consumers.info(stream, c)));
            if (infos.every((i) => i.num_pending === 0 && i.num_ack_pending === 0)) break;
            await backends.sample();
            await new Promise((r) => setTimeout(r, 50));
          }
        };
        let warmMessages = 0;
        if (warmCopies) {
          const w = spawnSync(process.execPath, [publishCli, 'publish', ...warmInputs, '--nats', natsUrl, '--stream', stream, '--partitions', String(partitions), '--message-flows', String(messageFlows), '--json', '-q'], { encoding: 'utf8' });
          if (w.status !== 0) throw new Error(w.stderr);
          warmMessages = (JSON.parse(w.stdout) as { messages: number }).messages;
          await drained();
        }
        // consume-only: the workers are stopped (SIGSTOP) while the flows are published, and the
        // clock starts when they are resumed: the publisher then takes none of the cores the
        // workers use (on a 2-core machine it otherwise needs about one worker's CPU)
        if (prefill) for (const p of procs) process.kill(p.child.pid!, 'SIGSTOP');
        let start = performance.now();
        let workerCpu0 = procs.map((p) => cpuOf(p.child.pid!));
        let mainCpu0 = procs.map((p) => mainThreadCpu(p.child.pid!));
        let natsCpu0 = natsPid ? cpuOf(natsPid) : NaN;
        let machine0 = machineCpu();
        await backends.sample(true);
        const pubCpu0 = cpuOf('self', true);
        const pub = spawnSync(process.execPath, [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), publishCli, 'publish', ...inputs, '--nats', natsUrl, '--stream', stream, '--partitions', String(partitions), '--message-flows', String(messageFlows), '--json', '-q'], { encoding: 'utf8' });
        if (pub.status !== 0) throw new Error(pub.stderr);
        const published = JSON.parse(pub.stdout) as { flows: number; messages: number; bytes: number; seconds: number; perPartition: number[] };
        const pubCpu = cpuOf('self', true) - pubCpu0;
        if (prefill) {
          start = performance.now();
          workerCpu0 = procs.map((p) => cpuOf(p.child.pid!));
          mainCpu0 = procs.map((p) => mainThreadCpu(p.child.pid!));
          natsCpu0 = natsPid ? cpuOf(natsPid) : NaN;
          machine0 = machineCpu();
          await backends.rebase();
          for (const p of procs) process.kill(p.child.pid!, 'SIGCONT');
        }
        await drained();
        const seconds = (performance.now() - start) / 1000;
        const workerCpu = procs.map((p, i) => cpuOf(p.child.pid!) - workerCpu0[i]);
        const mainCpu = procs.map((p, i) => mainThreadCpu(p.child.pid!) - mainCpu0[i]);
        const natsCpu = natsPid ? cpuOf(natsPid) - natsCpu0 : NaN;
        const machine = machineCpu() - machine0;
        await backends.sample();
        const pgCpu = backends.seconds;
        for (const p of procs) p.child.kill('SIGTERM');
        const stats = await Promise.all(procs.map((p) => p.done));
        const rate = published.flows / seconds;
        const perWorker = owned.map((parts) => parts.reduce((s, p) => s + published.perPartition[p], 0));
        console.log(
          `${workers} worker(s)${warmMessages ? ` (warmed up on ${warmMessages} messages)` : ''}, ${partitions} partitions, ${published.messages} messages (${Math.round(published.bytes / published.messages / 1024)} KiB each): ${published.flows} flows in ${seconds.toFixed(2)} s = ${Math.round(rate)} flows/s ${prefill ? 'consumed (the stream pre-filled, the workers resumed when the clock started)' : 'end to end'} ` +
            `(publish alone ${Math.round(published.flows / published.seconds)} flows/s); latency per message${warmMessages ? ' (warm-up included)' : ''}${prefill ? ' (includes the wait while stopped: not a latency figure)' : ''} p50 ${stats.map((s) => s.latencyP50Ms).join('/')} ms, ` +
            `p99 ${stats.map((s) => s.latencyP99Ms).join('/')} ms; flows per worker ${perWorker.join('/')}; ${analyzeRate ? `ratio to analyze ${(rate / analyzeRate).toFixed(2)}; ` : ''}` +
            `alerts committed ${stats.map((s) => s.alerts).join('/')}${warmMessages ? ' (warm-up included)' : ''} (${publishResults ? 'also published to the results stream' : 'not published: --no-publish'})`,
        );
        const sum = workerCpu.reduce((a, b) => a + b, 0);
        if (workers === 1 && scoredAlone === undefined) scoredAlone = await scoreInProcess(bus, stream, warmMessages, published.messages, baseline, stats[0].alerts);
        const ours = sum + (prefill ? 0 : pubCpu) + (natsPid ? natsCpu : 0) + pgCpu;
        console.log(
          `  CPU s in that window: worker(s) ${workerCpu.map((c) => c.toFixed(2)).join('/')} (${Math.round(published.flows / sum)} flows per worker CPU second; main thread ${mainCpu.map((c) => c.toFixed(2)).join('/')}, the rest V8's compiler and GC threads), ` +
            `publisher ${pubCpu.toFixed(2)}${prefill ? ' (before the window, not counted)' : ''}, ${natsPid ? `nats-server (the bench's own) ${natsCpu.toFixed(2)}` : 'nats-server not measured (shared)'}, ` +
            `postgres backends of the workers (${backends.backends}) ${pgCpu.toFixed(2)}; all of these ${ours.toFixed(2)} CPU s over ${seconds.toFixed(2)} s wall on ${availableParallelism()} cores; ` +
            `the machine's other programs ${Math.max(0, machine - ours).toFixed(2)} CPU s (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`,
        );
        results.push({ mode, workers, rate, seconds, workerCpu: sum, flows: published.flows, others: (prefill ? 0 : pubCpu) + (natsPid ? natsCpu : 0) + pgCpu, elsewhere: Math.max(0, machine - ours), p50: stats.map((s) => s.latencyP50Ms).join('/'), p99: stats.map((s) => s.latencyP99Ms).join('/') });
      }
    summary(results, scoredAlone);
    // STREAM_BENCH_JSON=1: the figures as one JSON line last, for `npm run bench` (stream-rows.ts)
    if (process.env.STREAM_BENCH_JSON === '1') {
      const of = (mode: Mode, workers: number): RunResult | undefined => results.find((r) => r.mode === mode && r.workers === workers);
      const e1 = of('end-to-end', 1);
      const e2 = of('end-to-end', 2);
      const c1 = of('prefill', 1);
      const c2 = of('prefill', 2);
      console.log(
        JSON.stringify({
          cores: availableParallelism(),
          analyze_flows_per_s: analyzeRate,
          e2e_1_flows_per_s: e1?.rate,
          e2e_2_flows_per_s: e2?.rate,
          consume_1_flows_per_s: c1?.rate,
          consume_2_flows_per_s: c2?.rate,
          e2e_1_flows_per_worker_cpu_s: e1 && e1.flows / e1.workerCpu,
          consume_1_flows_per_worker_cpu_s: c1 && c1.flows / c1.workerCpu,
          scoring_alone_flows_per_cpu_s: scoredAlone,
          e2e_1_p50_ms: e1 && Number(e1.p50),
          e2e_1_p99_ms: e1 && Number(e1.p99),
          e2e_1_others_cpu_s: e1?.others,
          e2e_2_cores_busy: e2 && (e2.workerCpu + e2.others + e2.elsewhere) / e2.seconds,
          e2e_2_rest_of_machine_cpu_s: e2?.elsewhere,
          consume_2_rest_of_machine_cpu_s: c2?.elsewhere,
          load_average_1m: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
        }),
      );
    }
  } finally {
    for (const s of streams) for (const n of [s, resultsStream(s)]) await bus.jsm.streams.delete(n).catch(() => undefined);
    await bus.close();
    for (const s of schemas) await pgc.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await pgc.end();
    await nats?.kill();
    rmSync(tmp, { recursive: true, force: true });
  }
}

type Mode = 'end-to-end' | 'prefill';
interface RunResult {
  readonly mode: Mode;
  readonly workers: number;
  readonly rate: number;
  readonly seconds: number;
  readonly flows: number;
  /** worker CPU seconds in the window (all workers) */
  readonly workerCpu: number;
  /** CPU seconds of this run's other processes in the window: publisher (end to end only), nats-server, PostgreSQL backends */
  readonly others: number;
  /** CPU seconds of every other program on the machine in the window */
  readonly elsewhere: number;
  readonly p50: string;
  readonly p99: string;
}

/** Busy CPU seconds of the whole machine (every core) from /proc/stat: user+nice+system+irq+softirq+steal. */
function machineCpu(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / TICK;
}

/**
 * One table of every run, then the second worker's factor per mode. The consume-only rows say what
 * workers do with the cores to themselves: on a 2-core machine the end-to-end second worker shares
 * them with the publisher, nats-server and PostgreSQL (the "others" column), so its factor there
 * says more about the machine than about the worker.
 */
function summary(results: readonly RunResult[], scoredAlone: number | undefined): void {
  const cores = availableParallelism();
  const head = ['mode', 'workers', 'flows/s', 'flows per worker CPU s', 'worker CPU s', 'others CPU s', 'rest of machine CPU s', 'wall s', 'cores busy', 'p50 ms', 'p99 ms'];
  const rows = results.map((r) => [
    r.mode === 'prefill' ? 'consume-only' : 'end to end',
    String(r.workers),
    String(Math.round(r.rate)),
    String(Math.round(r.flows / r.workerCpu)),
    r.workerCpu.toFixed(2),
    r.others.toFixed(2),
    r.elsewhere.toFixed(2),
    r.seconds.toFixed(2),
    `${((r.workerCpu + r.others + r.elsewhere) / r.seconds).toFixed(2)} of ${cores}`,
    r.mode === 'prefill' ? '(n/a)' : r.p50,
    r.mode === 'prefill' ? '(n/a)' : r.p99,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 2 && i <= 8 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ');
  console.log(`\nsummary (${cores} cores; "others": this run's publisher (end to end only), nats-server and PostgreSQL backends; "rest of machine": every other program, from /proc/stat):`);
  console.log([line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n'));
  if (scoredAlone !== undefined) console.log(`scoring alone (no bus or store): ${Math.round(scoredAlone)} flows per CPU second; the one-worker runs: ${results.filter((r) => r.workers === 1).map((r) => `${(r.flows / r.workerCpu / scoredAlone).toFixed(2)} of it (${r.mode})`).join(', ')}`);
  for (const mode of ['end-to-end', 'prefill'] as const) {
    const one = results.find((r) => r.mode === mode && r.workers === 1);
    const two = results.find((r) => r.mode === mode && r.workers === 2);
    if (one && two) console.log(`second worker ${mode === 'prefill' ? 'consuming a pre-filled stream' : 'end to end'}: × ${(two.rate / one.rate).toFixed(2)} (target ≥ 1.7)`);
    if (one) console.log(`one worker ${mode === 'prefill' ? 'consuming a pre-filled stream' : 'end to end'} vs target 100,000 flows/s: ${(one.rate / 100_000).toFixed(3)}`);
  }
}

/** Read the stream's messages back and decode and score them here, timing CPU (see the top comment). */
async function scoreInProcess(bus: Awaited<ReturnType<typeof openBus>>, stream: string, warmMessages: number, messages: number, baselineFile: string, workerAlerts: number): Promise<number> {
  const oc = await bus.js.consumers.get(stream);
  const all: JsMsg[] = [];
  while (all.length < warmMessages + messages) {
    const m = await oc.next({ expires: 5000 });
    if (!m) break;
    all.push(m);
  }
  const config = await loadAnalysisConfig();
  // the stream verb's defaults, its per-source flow-alert limit included
  const flowAlertLimit = { perSource: config.flowAlertsPerSource ?? DEFAULT_FLOW_ALERTS_PER_SOURCE, windowSeconds: config.flowAlertWindowSeconds ?? DEFAULT_FLOW_ALERT_WINDOW_SECONDS };
  // as a worker scores them: each partition's messages by that partition's rule state
  const scorers = new PartitionScorers({ baseline: await loadBaseline(baselineFile), rules: config.rules, weights: config.weights, flowThreshold: config.thresholds.flow, ipThreshold: config.thresholds.ip, flowAlertLimit: flowAlertLimit.perSource > 0 ? flowAlertLimit : undefined });
  // a throwaway set of scorers taken through the warm-up messages AND finish(): the workers' closing
  // code (finish: rules, source windows, source alerts) ran compiled in them, but here it ran cold
  // inside the clock, ~10 % of the figure (13.5 against 15.0 µs a flow, 6 alternated pairs)
  const rehearsal = new PartitionScorers({ baseline: await loadBaseline(baselineFile), rules: config.rules, weights: config.weights, flowThreshold: config.thresholds.flow, ipThreshold: config.thresholds.ip, flowAlertLimit: flowAlertLimit.perSource > 0 ? flowAlertLimit : undefined });
  for (const m of all.slice(0, warmMessages)) rehearsal.of(partitionOfSubject(m.subject)).scoreBatch(decodeFlowMessage(m), Date.now());
  rehearsal.finish(Date.now());
  let alerts = 0;
  // the warm-up messages first, untimed, as the workers had them
  for (const m of all.slice(0, warmMessages)) alerts += scorers.of(partitionOfSubject(m.subject)).scoreBatch(decodeFlowMessage(m), Date.now()).alerts.map(storedAlert).length;
  const gc = gcWatch();
  const c0 = process.cpuUsage();
  let flows = 0;
  let decodeUs = 0;
  for (const m of all.slice(warmMessages)) {
    const d0 = process.cpuUsage();
    const batch = decodeFlowMessage(m);
    const d = process.cpuUsage(d0);
    decodeUs += d.user + d.system;
    const r = scorers.of(partitionOfSubject(m.subject)).scoreBatch(batch, Date.now());
    alerts += r.alerts.map(storedAlert).length;
    flows += batch.rowCount;
  }
  const last = scorers.finish(Date.now());
  alerts += last.alerts.length;
  const c = process.cpuUsage(c0);
  const gcs = await gc.stop();
  const cpu = (c.user + c.system) / 1e6;
  console.log(
    `  scoring alone in this process (the same ${all.length - warmMessages} messages read back after the ${warmMessages} of the warm-up, decode + rules + scores + alerts, no bus or store): ${flows} flows, ${alerts} alerts (the worker: ${workerAlerts}) in ${cpu.toFixed(2)} CPU s = ` +
      `${Math.round(flows / cpu)} flows per CPU second (decode ${(decodeUs / 1e6).toFixed(2)} s of it; garbage collection ${gcs})`,
  );
  return flows / cpu;
}

/**
 * Garbage collections from now to stop(): count and pause milliseconds per kind. Node hands the
 * observer its entries a little later (a task after the collection), so stop() waits for them.
 */
function gcWatch(): { stop(): Promise<string> } {
  const names: Record<number, string> = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental' };
  const seen = new Map<string, { n: number; ms: number }>();
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = names[(e as PerformanceEntry & { detail?: { kind: number } }).detail?.kind ?? -1] ?? 'other';
      const s = seen.get(kind) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += e.duration;
      seen.set(kind, s);
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 100));
      obs.disconnect();
      return [...seen].map(([k, s]) => `${s.n} ${k} ${Math.round(s.ms)} ms`).join(', ') || 'none';
    },
  };
}

/** the pid of the nats-server listening on `port` (the private one: its command line names the port) */
function natsPidOf(port: number): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'nats-server') continue;
      const args = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (args[args.indexOf('-p') + 1] === String(port)) return Number(d);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

main().catch((e) => {
  process.stderr.write(`stream-throughput: ${(e as Error).message}\n`);
  process.exit(1);
});
