/**
 * Benchmark: DBSCAN (eps 0.3, minSamples 10) + exact silhouette on the 25,127 CIC-IDS2017 sample
 * flows, prepared exactly as the seed pipeline prepares them, beside scikit-learn doing the same
 * in the same run. Prints both times, the ratio, and whether the labels agree (exactly, numbering
 * included) and how far apart the silhouettes are.
 *
 *     node dist/bench/dbscan-silhouette.js [--repeat N] [--threads T] [--json]
 *
 * Needs ../shared (the dataset) and Debian's python3-sklearn at /usr/bin/python3. Run from the
 * project root. The peer reads the CSVs itself (its own pandas preprocessing, untimed) so it is
 * the seed's code path, not our matrix handed over.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCicSample } from '../testing/datasets.js';
import { sharedPath } from '../testing/shared-data.js';
import { dbscan } from '../models/cluster/dbscan.js';
import { seedPipelineMatrix } from '../models/cluster/seed-pipeline-matrix.js';
import { silhouetteScore } from '../models/cluster/silhouette.js';

const PEER = `
import glob, json, sys, time
import numpy as np, pandas as pd
from sklearn.preprocessing import StandardScaler
from sklearn.cluster import DBSCAN
from sklearn.metrics import silhouette_score
df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob(sys.argv[1] + "/*.csv"))], ignore_index=True)
X = df.drop(columns=["id", "Flow ID", "Src IP", "Dst IP", "Timestamp", "Label", "Attempted Category"]).replace([np.inf, -np.inf], 0).fillna(0)
X = StandardScaler().fit_transform(X.values.astype(np.float64)).astype(np.float32)
t0 = time.perf_counter()
lab = DBSCAN(eps=0.3, min_samples=10).fit_predict(X)
t1 = time.perf_counter()
sil = silhouette_score(X, lab)
t2 = time.perf_counter()
np.asarray(lab, dtype=np.int32).tofile(sys.argv[2])
print(json.dumps(dict(dbscan_s=t1 - t0, silhouette_s=t2 - t1, silhouette=float(sil))))
`;

interface Run {
  dbscanS: number;
  silhouetteS: number;
  totalS: number;
  silhouette: number;
  labels: Int32Array;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function runPeer(dir: string, work: string): Run {
  const script = join(work, 'peer.py');
  const labelsFile = join(work, 'labels.i32');
  writeFileSync(script, PEER);
  const out = execFileSync('/usr/bin/python3', [script, dir, labelsFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { dbscan_s: number; silhouette_s: number; silhouette: number };
  const buf = readFileSync(labelsFile);
  const labels = new Int32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { dbscanS: r.dbscan_s, silhouetteS: r.silhouette_s, totalS: r.dbscan_s + r.silhouette_s, silhouette: r.silhouette, labels };
}

async function runOurs(X: ReturnType<typeof seedPipelineMatrix>, threads: number | undefined): Promise<Run> {
  const t0 = performance.now();
  const r = dbscan(X, { eps: 0.3, minSamples: 10 });
  const t1 = performance.now();
  const silhouette = await silhouetteScore(X, r.labels, { threads });
  const t2 = performance.now();
  return { dbscanS: (t1 - t0) / 1000, silhouetteS: (t2 - t1) / 1000, totalS: (t2 - t0) / 1000, silhouette, labels: r.labels };
}

/** Same partition with the same numbering, and same partition up to renumbering. */
function agreement(a: Int32Array, b: Int32Array): { identical: number; samePartition: boolean } {
  let identical = 0;
  const map = new Map<number, number>();
  const back = new Map<number, number>();
  let same = a.length === b.length;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) identical++;
    const m = map.get(a[i]);
    const k = back.get(b[i]);
    if ((m !== undefined && m !== b[i]) || (k !== undefined && k !== a[i])) same = false;
    map.set(a[i], b[i]);
    back.set(b[i], a[i]);
  }
  return { identical, samePartition: same };
}

async function main(): Promise<void> {
  const dir = sharedPath('datasets', 'cicids2017-sample');
  if (!dir) {
    process.stderr.write('dbscan-silhouette bench: ../shared/datasets/cicids2017-sample not found\n');
    process.exit(2);
  }
  const repeat = arg('--repeat', 1);
  const threadsArg = arg('--threads', 0);
  const threads = threadsArg > 0 ? threadsArg : undefined;
  const table = await loadCicSample();
  const X = seedPipelineMatrix(table!);
  const work = mkdtempSync(join(tmpdir(), 'ns-bench-dbscan-'));
  const rows: { peer: Run; ours: Run }[] = [];
  try {
    for (let i = 0; i < repeat; i++) {
      const peer = runPeer(dir, work);
      const ours = await runOurs(X, threads);
      rows.push({ peer, ours });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const report = rows.map(({ peer, ours }) => {
    const agree = agreement(ours.labels, peer.labels);
    return {
      peerDbscanS: +peer.dbscanS.toFixed(3),
      peerSilhouetteS: +peer.silhouetteS.toFixed(3),
      peerTotalS: +peer.totalS.toFixed(3),
      oursDbscanS: +ours.dbscanS.toFixed(3),
      oursSilhouetteS: +ours.silhouetteS.toFixed(3),
      oursTotalS: +ours.totalS.toFixed(3),
      ratio: +(ours.totalS / peer.totalS).toFixed(3),
      labelsIdentical: agree.identical === peer.labels.length,
      labelsDiffering: peer.labels.length - agree.identical,
      samePartition: agree.samePartition,
      silhouettePeer: peer.silhouette,
      silhouetteOurs: ours.silhouette,
      silhouetteAbsDiff: Math.abs(peer.silhouette - ours.silhouette),
    };
  });
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ rows: X.rows, cols: X.cols, runs: report })}\n`);
  else {
    process.stdout.write(`DBSCAN(eps 0.3, minSamples 10) + silhouette on ${X.rows} x ${X.cols} CIC-IDS2017 flows\n`);
    for (const r of report) {
      process.stdout.write(
        `  scikit-learn ${r.peerTotalS.toFixed(2)} s (dbscan ${r.peerDbscanS.toFixed(2)}, silhouette ${r.peerSilhouetteS.toFixed(2)})` +
          `  netsentinel ${r.oursTotalS.toFixed(2)} s (dbscan ${r.oursDbscanS.toFixed(2)}, silhouette ${r.oursSilhouetteS.toFixed(2)})` +
          `  ratio ${r.ratio.toFixed(2)}  labels ${r.labelsIdentical ? 'identical' : `${r.labelsDiffering} differ`}` +
          `  silhouette ${r.silhouetteOurs.toFixed(6)} vs ${r.silhouettePeer.toFixed(6)}\n`,
      );
    }
  }
}

await main();
