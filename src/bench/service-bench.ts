/**
 * The service's benchmark (a row group of `npm run bench`, or `node dist/bench/service-bench.js`):
 *
 *   classify   POST /classify with seed 004's design of GBDT (100 rounds of depth-3 trees, as the
 *              scikit-learn peer) served by `netsentinel serve` pinned to one core, loaded by Debian
 *              wrk on the other (`wrk -t1 -c8 -d10s --latency -s classify.wrk.lua`), beside the
 *              Flask peer (/work/shared/peers/seed004_flask_classify.py) under the same wrk, same
 *              run, same core; also the default netsentinel GBDT (200 rounds, depth 6).
 *   batch      POST /v1/predict with JSON lines of NSL-KDD test records (1,000,000 flows), flows/s on
 *              the server's one core, and flows per CPU-second of the server process (/proc), the
 *              figure a loaded machine does not bend (requests per CPU-second too for /classify and
 *              for the peer); beside it seed 004's scikit-learn model scoring the same JSON lines in
 *              batches (batch_predict_peer.py, no HTTP), same core, same run.
 *              NETSENTINEL_BENCH_SERVICE=batch runs this row alone.
 *   overload   60 s (NETSENTINEL_BENCH_OVERLOAD_S) of 256 connections on /classify plus a stream
 *              of malformed requests; 5xx counted from the service's own /metrics; RSS sampled every
 *              second (start, after warm-up, end, every fifth sample) and peak RSS.
 *
 * Prints one JSON line. Loopback only; every process it starts is stopped by its pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { readDataset } from '../sources/read-dataset.js';
import { saveTrainedModel, trainModel } from '../models/trained-model.js';
import { sharedPath } from '../testing/shared-data.js';
import { SEED_GBDT_PARAMS } from '../testing/service-model.js';
import { SEED_FIELDS } from '../server/seed-fields.js';
import { cellText, getColumn } from '../flows/table.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-bench-svc-'));
const PY = '/usr/bin/python3';
const SERVER_CPU = '0';
const LOAD_CPU = '1';
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitFor(url: string, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      await fetch(url);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

function start(cmd: string, args: string[], log: string): ChildProcess {
  // stderr straight into a file: a pipe would fill while this process waits in spawnSync(wrk), and
  // the peer (which logs every request) would stall on it
  const c = spawn('taskset', ['-c', SERVER_CPU, cmd, ...args], { stdio: ['ignore', 'ignore', openSync(join(dir, log), 'w')] });
  children.push(c);
  return c;
}

function stop(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
  });
}

interface WrkResult {
  rps?: number;
  p99ms?: number;
  p50ms?: number;
  non2xx?: number;
  error?: string;
}

function toMs(v: string, unit: string): number {
  return Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
}

function wrk(url: string, script: string, seconds: number, conns = 8): WrkResult {
  const r = spawnSync('taskset', ['-c', LOAD_CPU, 'wrk', '-t1', `-c${conns}`, `-d${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8', timeout: (seconds + 60) * 1000 });
  if (r.status !== 0) return { error: (r.stderr || r.stdout || 'wrk failed').trim().split('\n')[0] };
  const out = r.stdout;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p50 = /50%\s+([\d.]+)(us|ms|s)/.exec(out);
  const non = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  return { rps: rps ? Number(rps[1]) : undefined, p99ms: p99 ? toMs(p99[1], p99[2]) : undefined, p50ms: p50 ? toMs(p50[1], p50[2]) : undefined, non2xx: non ? Number(non[1]) : 0 };
}

async function serve(model: string, port: number, extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
  const c = spawn('taskset', ['-c', SERVER_CPU, process.execPath, main, 'serve', '--model', model, '--store', join(dir, `ns-${port}.db`), '--port', String(port), '-q'], {
    stdio: ['ignore', 'ignore', openSync(join(dir, `serve-${port}.err`), 'w')],
    env: { ...process.env, NETSENTINEL_SERVER_ACCESS_LOG: join(dir, `access-${port}.log`), NETSENTINEL_SERVER_WATCH_MODELS: 'false', ...extraEnv },
  });
  children.push(c);
  if (!(await waitFor(`http://127.0.0.1:${port}/healthz`, 60))) throw new Error(`netsentinel serve did not start: ${readFileSync(join(dir, `serve-${port}.err`), 'utf8').slice(0, 300)}`);
  return c;
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc: the machine is shared, so
 * requests or flows per CPU-second of the server are the figure that load does not bend.
 */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** wrk against a pid, with that pid's CPU seconds over the run */
function wrkCpu(pid: number | undefined, url: string, script: string, seconds: number): WrkResult & { cpuS?: number; perCpuS?: number } {
  const c0 = cpuSeconds(pid);
  const r = wrk(url, script, seconds);
  const c1 = cpuSeconds(pid);
  if (c0 === undefined || c1 === undefined || !r.rps || c1 <= c0) return r;
  const cpuS = Math.round((c1 - c0) * 100) / 100;
  return { ...r, cpuS, perCpuS: Math.round((r.rps * seconds) / cpuS) };
}

function rssPeakMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}
function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

async function main_(): Promise<void> {
  const out: Record<string, unknown> = { task: 'service' };
  const nsl = sharedPath('datasets', 'nsl-kdd');
  const peerScript = sharedPath('peers', 'seed004_flask_classify.py');
  const lua = sharedPath('peers', 'classify.wrk.lua');
  if (!nsl || !peerScript || !lua) throw new Error('../shared (nsl-kdd, peers/seed004_flask_classify.py, classify.wrk.lua) not found');
  if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed (apt-get install wrk)');
  const seconds = Number(process.env.NETSENTINEL_BENCH_WRK_S ?? 10);
  const only = (process.env.NETSENTINEL_BENCH_SERVICE ?? 'classify,peer,default,batch,overload').split(',');

  const train = await readDataset([join(nsl, 'KDDTrain+_20Percent.txt')], { warn: () => {} });
  const seedModel = join(dir, 'gbdt-seed.nsm');
  await saveTrainedModel(seedModel, await trainModel(train, { model: 'gradient-boosting', params: SEED_GBDT_PARAMS, threads: 2 }));

  if (only.includes('classify')) {
    const port = await freePort();
    const s = await serve(seedModel, port);
    wrk(`http://127.0.0.1:${port}/classify`, lua, 2); // warm-up
    const r = wrkCpu(s.pid, `http://127.0.0.1:${port}/classify`, lua, seconds);
    out.classify_rps = r.rps;
    out.classify_p99_ms = r.p99ms;
    out.classify_p50_ms = r.p50ms;
    out.classify_non2xx = r.non2xx;
    out.classify_cpu_s = r.cpuS;
    out.classify_req_per_cpu_s = r.perCpuS;
    if (r.error) out.classify_error = r.error;
    await stop(s);
  }
  if (only.includes('default')) {
    const model = join(dir, 'gbdt-default.nsm');
    await saveTrainedModel(model, await trainModel(train, { model: 'gradient-boosting', threads: 2 }));
    const port = await freePort();
    const s = await serve(model, port);
    wrk(`http://127.0.0.1:${port}/classify`, lua, 2);
    const r = wrk(`http://127.0.0.1:${port}/classify`, lua, seconds);
    out.classify_default_rps = r.rps;
    out.classify_default_p99_ms = r.p99ms;
    await stop(s);
  }
  if (only.includes('peer')) {
    const ok = spawnSync(PY, ['-c', 'import flask, sklearn, pandas'], { stdio: 'pipe' }).status === 0;
    if (!ok) out.peer_error = 'Debian python3-flask, python3-sklearn, python3-pandas are not installed';
    else {
      const port = await freePort();
      const p = start(PY, [peerScript, nsl, String(port)], 'peer.err');
      if (!(await waitFor(`http://127.0.0.1:${port}/`, 300))) out.peer_error = 'the Flask peer did not start: ' + readFileSync(join(dir, 'peer.err'), 'utf8').slice(-300);
      else {
        // no warm-up run: Python has no JIT to warm, and Werkzeug's development server was seen to stop
        // answering new connections after wrk dropped the warm-up's in-flight ones
        const r = wrkCpu(p.pid, `http://127.0.0.1:${port}/classify`, lua, seconds);
        out.peer_rps = r.rps;
        out.peer_p99_ms = r.p99ms;
        out.peer_p50_ms = r.p50ms;
        out.peer_cpu_s = r.cpuS;
        out.peer_req_per_cpu_s = r.perCpuS;
        if (r.error) out.peer_error = r.error;
      }
      await stop(p);
    }
  }
  if (only.includes('batch')) {
    // JSON lines of NSL-KDD test records with seed 004's field names, 1,000,000 flows
    const test = await readDataset([join(nsl, 'KDDTest+.txt')], { warn: () => {} });
    const kddName: Record<string, string> = {};
    for (const c of test.columns) kddName[c.name.replace(/_/g, '').replace(/^protocoltype$/, 'protocol')] = c.name;
    const cols = SEED_FIELDS.map(([n, t]) => [n, getColumn(test, kddName[n])!, t] as const);
    const lines: string[] = [];
    for (let r = 0; r < test.rowCount; r++) {
      const o: Record<string, unknown> = {};
      for (const [n, c, t] of cols) o[n] = t === 'string' ? cellText(c, r) : Number(cellText(c, r));
      lines.push(JSON.stringify(o));
    }
    const flows = Number(process.env.NETSENTINEL_BENCH_BATCH_FLOWS ?? 1_000_000);
    const file = join(dir, 'flows.jsonl');
    const ws = createWriteStream(file);
    for (let i = 0; i < flows; i += lines.length) ws.write(lines.slice(0, Math.min(lines.length, flows - i)).join('\n') + '\n');
    await new Promise((r) => ws.end(r));
    const port = await freePort();
    // KDDTest+ has services KDDTrain+_20Percent never saw (e.g. tftp_u): encoded as no known
    // category, as the peer's OrdinalEncoder(handle_unknown=...) does, instead of refusing the batch
    const s = await serve(seedModel, port, { NETSENTINEL_SERVER_CLASSIFY_UNKNOWN_CATEGORY: 'ignore' });
    const times: number[] = [];
    const cpus: number[] = [];
    for (let k = 0; k < 3; k++) {
      const c0 = cpuSeconds(s.pid);
      const r = spawnSync('taskset', ['-c', LOAD_CPU, 'curl', '-s', '-o', join(dir, 'batch.out'), '-w', '%{time_total}', '-H', 'Content-Type: application/x-ndjson', '--data-binary', `@${file}`, `http://127.0.0.1:${port}/v1/predict`], { encoding: 'utf8' });
      times.push(Number(r.stdout));
      const c1 = cpuSeconds(s.pid);
      if (c0 !== undefined && c1 !== undefined) cpus.push(c1 - c0);
    }
    cpus.sort((a, b) => a - b);
    if (cpus.length === 3) {
      out.batch_cpu_s = Math.round(cpus[1] * 100) / 100;
      out.batch_flows_per_cpu_s = Math.round(flows / cpus[1]);
    }
    const outLines = readFileSync(join(dir, 'batch.out'), 'utf8').trimEnd().split('\n');
    if (outLines.length !== flows || /"error"/.test(outLines.at(-1)!)) out.batch_error = `expected ${flows} answers, got ${outLines.length}: ${outLines.at(-1)!.slice(0, 200)}`;
    times.sort((a, b) => a - b);
    out.batch_flows = flows;
    out.batch_s = times[1];
    out.batch_flows_per_s = Math.round(flows / times[1]);
    out.batch_mb = Math.round(readFileSync(file).length / 1e5) / 10;
    await stop(s);
    // the peer: seed 004's scikit-learn model scoring the same file's first flows in batches
    // (src/bench/batch_predict_peer.py), pinned to the server's core, in this run
    const peerFlows = Math.min(flows, Number(process.env.NETSENTINEL_BENCH_BATCH_PEER_FLOWS ?? 200_000));
    const script = fileURLToPath(new URL('../../src/bench/batch_predict_peer.py', import.meta.url));
    const pr = spawnSync('taskset', ['-c', SERVER_CPU, PY, script, nsl, file, String(peerFlows)], { encoding: 'utf8', timeout: 1_200_000 });
    try {
      const pj = JSON.parse(pr.stdout.trim().split('\n').pop() ?? '');
      out.batch_peer_flows = pj.flows;
      out.batch_peer_cpu_s = pj.cpu_s;
      out.batch_peer_flows_per_cpu_s = pj.flows_per_cpu_s;
      out.batch_peer_flows_per_s = Math.round(pj.flows / pj.wall_s);
    } catch {
      out.batch_peer_error = `the scikit-learn batch peer failed: ${(pr.stderr || pr.stdout || String(pr.error)).trim().split('\n').pop()?.slice(0, 200)}`;
    }
  }
  if (only.includes('overload')) {
    const secs = Number(process.env.NETSENTINEL_BENCH_OVERLOAD_S ?? 60);
    const port = await freePort();
    const s = await serve(seedModel, port);
    const bad = join(dir, 'malformed.wrk.lua');
    writeFileSync(
      bad,
      `local bodies = { '{"duration": 1', '{"duration": "x"}', '[1,2,3]', '', '{"duration": 1e999}', string.rep("x", 70000), '{"protocol": null}', 'NaN' }
local types = { "application/json", "application/json", "application/json", "application/json", "application/json", "application/json", "text/plain", "application/json" }
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/classify", { ["Content-Type"] = types[i] }, bodies[i])
end
`,
    );
    const samples: number[] = [];
    const timer = setInterval(() => {
      const m = rssMb(s.pid!);
      if (m !== undefined) samples.push(m);
    }, 1000);
    const good = spawn('taskset', ['-c', LOAD_CPU, 'wrk', '-t1', '-c256', `-d${secs}s`, '-s', lua, `http://127.0.0.1:${port}/classify`], { stdio: 'ignore' });
    const badLoad = spawn('taskset', ['-c', LOAD_CPU, 'wrk', '-t1', '-c16', `-d${secs}s`, '-s', bad, `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
    children.push(good, badLoad);
    await Promise.all([new Promise((r) => good.once('exit', r)), new Promise((r) => badLoad.once('exit', r))]);
    clearInterval(timer);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let n5xx = 0;
    let n4xx = 0;
    let n2xx = 0;
    for (const m of metrics.matchAll(/^netsentinel_http_requests_total\{[^}]*status="(\d)\d\d"\} (\d+)/gm)) {
      if (m[1] === '5') n5xx += Number(m[2]);
      else if (m[1] === '4') n4xx += Number(m[2]);
      else if (m[1] === '2') n2xx += Number(m[2]);
    }
    out.overload_s = secs;
    out.overload_5xx = n5xx;
    out.overload_4xx = n4xx;
    out.overload_2xx = n2xx;
    out.overload_rss_start_mb = samples[0];
    // RSS a sixth of the way in (the heap grown to what 256 connections need) against the end: flat
    // memory is the second not above the first by more than noise; the whole curve is printed too
    out.overload_rss_warm_mb = samples[Math.floor(samples.length / 6)];
    out.overload_rss_end_mb = samples.at(-1);
    out.overload_rss_samples_mb = samples.filter((_, i) => i % 5 === 0).join(' ');
    out.overload_rss_peak_mb = rssPeakMb(s.pid!);
    out.overload_still_serving = (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
    await stop(s);
  }
  out.load_average_1m = Math.round(loadavg()[0] * 10) / 10;
  process.stdout.write(JSON.stringify(out) + '\n');
}

main_()
  .catch((e) => {
    process.stdout.write(JSON.stringify({ task: 'service', error: (e as Error).message }) + '\n');
    process.exitCode = 1;
  })
  .finally(async () => {
    await Promise.all(children.map((c) => stop(c)));
    // the flows file and the batch answers are over a gigabyte together
    rmSync(dir, { recursive: true, force: true });
  });
