/**
 * The streaming benchmark's figures (stream-throughput.ts, STREAM_BENCH_JSON=1) as rows of the
 * `npm run bench` table: issue 13's targets, one worker end to end against 100,000 flows/s and the
 * second worker's factor against 1.7, each beside the consume-only figure (the workers with no
 * publisher on their cores) and the CPU the rest of the machine took, so a factor measured on a
 * machine with no core left is read as such.
 */
import type { BenchRow } from './bench-row.js';

export function streamRows(add: (r: BenchRow) => void, notes: string[], stdout: string, stderr: string): void {
  let j: Record<string, number | undefined>;
  try {
    j = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch {
    notes.push(`stream: no result (${(stderr || stdout).trim().split('\n').slice(-2).join(' | ').slice(0, 300)})`);
    return;
  }
  const n = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  const ratio = (a: unknown, b: unknown): number | undefined => (n(a) !== undefined && n(b) ? Number((n(a)! / n(b)!).toFixed(2)) : undefined);
  const analyze = 'analyze on the same flows (no bus)';
  add({ what: 'stream: 1 worker flows/s end to end (publish → score → commit)', ours: n(j.e2e_1_flows_per_s), peer: n(j.analyze_flows_per_s), peerName: analyze, atLeast: 100_000, target: '≥ 100,000' });
  add({ what: 'stream: 1 worker flows/s consuming a pre-filled stream', ours: n(j.consume_1_flows_per_s), peer: undefined, peerName: '' });
  add({ what: 'stream: 1 worker p50 ms per message, stream store → ack (end to end)', ours: n(j.e2e_1_p50_ms), peer: undefined, peerName: '' });
  add({ what: 'stream: 1 worker p99 ms per message, stream store → ack (end to end)', ours: n(j.e2e_1_p99_ms), peer: undefined, peerName: '' });
  add({ what: 'stream: flows per worker CPU s (1 worker, end to end)', ours: n(j.e2e_1_flows_per_worker_cpu_s), peer: n(j.scoring_alone_flows_per_cpu_s), peerName: 'scoring alone, no bus or store', better: 'higher', factor: 0.9, target: '≥ 0.9× scoring alone' });
  add({ what: 'stream: second worker × end to end', ours: ratio(j.e2e_2_flows_per_s, j.e2e_1_flows_per_s), peer: undefined, peerName: '', atLeast: 1.7, target: '≥ 1.7' });
  add({ what: 'stream: second worker × consuming a pre-filled stream', ours: ratio(j.consume_2_flows_per_s, j.consume_1_flows_per_s), peer: undefined, peerName: '', atLeast: 1.7, target: '≥ 1.7' });
  notes.push(
    `stream: ${j.cores} cores; end to end with 2 workers the run's processes and the rest of the machine kept ${n(j.e2e_2_cores_busy)?.toFixed(2) ?? '?'} cores busy (the rest of the machine ${n(j.e2e_2_rest_of_machine_cpu_s)?.toFixed(1) ?? '?'} CPU s; 1 worker's publisher, nats-server and PostgreSQL ${n(j.e2e_1_others_cpu_s)?.toFixed(1) ?? '?'} CPU s): ` +
      `a second worker can only scale by the cores left; load average ${j.load_average_1m} at the end (script stream-throughput for every figure)`,
  );
}
