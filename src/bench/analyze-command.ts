/**
 * The whole `analyze` command as a user runs it (issue 8 #2): a fresh process from start to exit,
 * with a baseline, on the CIC analysis folder of the bench; median wall time of `runs` runs, the
 * process's CPU time (user + system, all threads) of that run, and the --timings breakdown of the
 * median run (process start, modules, model load, each stage and output), so the bench says where
 * the time goes, not only how much. CPU time is reported because the machine is shared: wall time
 * grows with other jobs' load, CPU time much less.
 *
 * The peer is timed the same way (timePeerCommand): its whole command, wall and CPU.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export function timeAnalyzeCommand(cli: string, dir: string, runs = 3): Record<string, string | number | null | undefined> {
  const nsb = join(dir, 'cli-baseline.nsb');
  execFileSync(process.execPath, [cli, 'baseline', join(dir, 'baseline'), '-o', nsb, '-q']);
  const all: { wall: number; cpu: number; timings: Record<string, number>; flows: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const out = join(dir, `cli-out-${i}`);
    const db = join(dir, `cli-${i}.db`);
    const t = performance.now();
    const r = spawnSync(process.execPath, [cli, 'analyze', join(dir, 'analyse'), '-b', nsb, '-o', out, '--store', db, '-q', '--json', '--timings'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = performance.now() - t;
    if (r.status !== 0) return { task: 'analyze-command', error: r.stderr.trim().split('\n').slice(-2).join(' | ') };
    const j = JSON.parse(r.stdout) as { timings: Record<string, number>; flows: number };
    all.push({ wall, cpu: j.timings.cpu, timings: j.timings, flows: j.flows });
    rmSync(out, { recursive: true, force: true });
    rmSync(db, { force: true });
  }
  all.sort((a, b) => a.wall - b.wall);
  const med = all[runs >> 1];
  const top = Object.entries(med.timings)
    .filter(([k]) => k !== 'total' && k !== 'cpu')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, v]) => `${k} ${Math.round(v)}`)
    .join(', ');
  return {
    task: 'analyze-command',
    wall_s: Math.round(med.wall) / 1000,
    cpu_s: Math.round(med.cpu) / 1000,
    runs_s: all.map((a) => Math.round(a.wall) / 1000).join(' '),
    cpu_runs_s: all.map((a) => Math.round(a.cpu) / 1000).join(' '),
    flows: med.flows,
    breakdown_ms: top,
  };
}

/**
 * A Python peer's whole command, wall and CPU (user + system of the interpreter and its threads):
 * the script runs under a small wrapper that reads its own resource usage when the script is done,
 * and adds wall_s / cpu_s to the JSON line the script prints last. Its own figures stay as they are.
 */
export function timePeerCommand(python: string, script: string, args: readonly string[]): Record<string, unknown> {
  const wrapper = [
    'import io, json, resource, runpy, sys, contextlib',
    'script = sys.argv[1]; sys.argv = sys.argv[1:]',
    'buf = io.StringIO()',
    'with contextlib.redirect_stdout(buf): runpy.run_path(script, run_name="__main__")',
    'r = resource.getrusage(resource.RUSAGE_SELF)',
    'last = json.loads(buf.getvalue().strip().splitlines()[-1])',
    'last["cpu_s"] = round(r.ru_utime + r.ru_stime, 3)',
    'print(json.dumps(last))',
  ].join('\n');
  const t = performance.now();
  const r = spawnSync(python, ['-c', wrapper, script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = performance.now() - t;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...(JSON.parse(line) as Record<string, unknown>), wall_s: Math.round(wall) / 1000 };
  } catch {
    return { task: 'seed-pipeline', error: (r.stderr || 'no output').trim().split('\n').slice(-2).join(' | ') };
  }
}
