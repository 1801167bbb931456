/** The service benchmark's figures as rows of the `npm run bench` table (targets of issue 12). */
import { availableParallelism } from 'node:os';
import type { BenchRow } from './bench-row.js';

export function serviceRows(add: (r: BenchRow) => void, notes: string[], stdout: string): void {
  let j: Record<string, number | string | boolean | undefined>;
  try {
    j = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch {
    notes.push(`service: no result (${stdout.slice(0, 200)})`);
    return;
  }
  if (j.error) notes.push(`service: ${j.error}`);
  if (j.load_average_1m !== undefined) notes.push(`service: load average (1 min) of the machine at the end of its run: ${j.load_average_1m} on ${availableParallelism()} cores shared with other work; wrk and the server each pinned to one core`);
  for (const k of ['classify_error', 'peer_error', 'batch_error', 'batch_peer_error']) if (j[k]) notes.push(`service ${k.replace('_error', '')}: ${j[k]}`);
  const n = (x: unknown) => (typeof x === 'number' ? x : undefined);
  // a peer that answered nothing is a failed measurement, not a ratio to beat
  if (j.peer_rps === 0) {
    notes.push('service: the Flask peer answered no request under wrk in this run');
    j.peer_rps = undefined;
    j.peer_p99_ms = undefined;
  }
  const flask = 'Flask seed 004 peer, same wrk';
  add({ what: 'POST /classify req/s (GBDT 100×depth 3, 1 core, wrk -c8)', ours: n(j.classify_rps), peer: n(j.peer_rps), peerName: flask, better: 'higher', factor: 20, target: '≥ 20× peer' });
  add({ what: 'POST /classify req/s, absolute', ours: n(j.classify_rps), peer: undefined, peerName: '', atLeast: 10_000, target: '≥ 10,000' });
  add({ what: 'POST /classify requests per server CPU-second', ours: n(j.classify_req_per_cpu_s), peer: n(j.peer_req_per_cpu_s), peerName: flask, better: 'higher' });
  add({ what: 'POST /classify p50 ms', ours: n(j.classify_p50_ms), peer: n(j.peer_p50_ms), peerName: flask });
  add({ what: 'POST /classify p99 ms', ours: n(j.classify_p99_ms), peer: n(j.peer_p99_ms), peerName: flask, target: '< 5 ms' });
  add({ what: 'POST /classify req/s (default GBDT 200×depth 6)', ours: n(j.classify_default_rps), peer: n(j.peer_rps), peerName: flask });
  const skPeer = 'seed 004 scikit-learn GBDT, same JSON lines in batches (no HTTP)';
  add({ what: 'POST /v1/predict flows/s (JSON lines, 1 core)', ours: n(j.batch_flows_per_s), peer: n(j.batch_peer_flows_per_s), peerName: skPeer, atLeast: 500_000, target: '≥ 500,000' });
  add({ what: 'POST /v1/predict flows per server CPU-second', ours: n(j.batch_flows_per_cpu_s), peer: n(j.batch_peer_flows_per_cpu_s), peerName: skPeer, better: 'higher', atLeast: 500_000, target: '≥ 500,000' });
  add({ what: `overload ${j.overload_s ?? 60} s + malformed stream: 5xx`, ours: n(j.overload_5xx), peer: undefined, peerName: '', target: '0' });
  add({ what: 'overload: 2xx / 4xx answered', ours: j.overload_2xx !== undefined ? `${j.overload_2xx} / ${j.overload_4xx}` : undefined, peer: undefined, peerName: '' });
  add({ what: 'overload: RSS start / after warm-up (1/6) / end / peak MB', ours: j.overload_rss_start_mb !== undefined ? `${j.overload_rss_start_mb} / ${j.overload_rss_warm_mb} / ${j.overload_rss_end_mb} / ${j.overload_rss_peak_mb}` : undefined, peer: undefined, peerName: '' });
  if (j.overload_rss_samples_mb) notes.push(`service overload: RSS every 5 s (MB): ${j.overload_rss_samples_mb}`);
}
