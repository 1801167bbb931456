/**
 * The whole `analyze` command as a user runs it (issue 8 #2): a fresh process from start to exit,
 * with a baseline, on the CIC analysis folder of the bench; median wall time of `runs` runs, and
 * the --timings breakdown of the median run (process start, modules, model load, each stage and
 * output), so the bench says where the time goes, not only how much.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export function timeAnalyzeCommand(cli: string, dir: string, runs = 3): Record<string, string | number | null | undefined> {
  const nsb = join(dir, 'cli-baseline.nsb');
  execFileSync(process.execPath, [cli, 'baseline', join(dir, 'baseline'), '-o', nsb, '-q']);
  const all: { wall: number; timings: Record<string, number>; flows: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const out = join(dir, `cli-out-${i}`);
    const db = join(dir, `cli-${i}.db`);
    const t = performance.now();
    const r = spawnSync(process.execPath, [cli, 'analyze', join(dir, 'analyse'), '-b', nsb, '-o', out, '--store', db, '-q', '--json', '--timings'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = performance.now() - t;
    if (r.status !== 0) return { task: 'analyze-command', error: r.stderr.trim().split('\n').slice(-2).join(' | ') };
    const j = JSON.parse(r.stdout) as { timings: Record<string, number>; flows: number };
    all.push({ wall, timings: j.timings, flows: j.flows });
    rmSync(out, { recursive: true, force: true });
    rmSync(db, { force: true });
  }
  all.sort((a, b) => a.wall - b.wall);
  const med = all[runs >> 1];
  const top = Object.entries(med.timings)
    .filter(([k]) => k !== 'total')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, v]) => `${k} ${Math.round(v)}`)
    .join(', ');
  return { task: 'analyze-command', wall_s: Math.round(med.wall) / 1000, runs_s: all.map((a) => Math.round(a.wall) / 1000).join(' '), flows: med.flows, breakdown_ms: top };
}
