/**
 * `netsentinel cluster`: DBSCAN over flows, the seeds' "novel attack" clustering made checkable:
 * labels for core, border and noise points, the silhouette score, the k-distance curve with a
 * suggested eps (its knee), and the clusters drawn on the first two PCA components with noise in
 * red. Features are prepared like the rest of netsentinel (standard scaling, one-hot categories),
 * optionally reduced by PCA first (--pca 0.95), as seed 003 did.
 */
import { writeFileAtomic } from '../../util/atomic-output.js';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { guardOutputs } from '../output-guard.js';
import { CLUSTER_FILES } from '../../report/plot-files.js';
import { DATA_OPTIONS, readWithProgress, skippedFilesJson } from '../data-options.js';
import { fitPipeline, transformTable } from '../../features/pipeline.js';
import { fitPca, transformPca } from '../../features/pca.js';
import { dbscan, POINT_KIND_NAMES } from '../../models/cluster/dbscan.js';
import { silhouetteScore } from '../../models/cluster/silhouette.js';
import { kDistanceCurve } from '../../models/cluster/k-distance.js';
import { UserError } from '../../util/errors.js';
import { csvCell } from '../../report/csv.js';

export const cluster: Command = {
  spec: {
    name: 'cluster',
    summary: 'DBSCAN clusters of flows: core/border/noise, silhouette, k-distance curve, plots',
    usage: 'DATA... [options]',
    positionals: { min: 1, name: 'DATA' },
    description: `Without --eps, the eps at the knee of the k-distance curve (k = --min-samples) is used and printed.
Writes clusters.csv (file, line, cluster, kind) and, with --plots, k_distance.png and clusters.png.`,
    options: [
      { name: 'eps', type: 'number', range: { min: 0, minOpen: true }, description: 'neighbourhood radius (default: the knee of the k-distance curve)' },
      { name: 'min-samples', type: 'integer', range: { min: 1 }, description: 'points within eps (the point itself included) that make a core point', default: 10 },
      { name: 'pca', type: 'number', value: 'SHARE', range: { min: 0, max: 1, minOpen: true }, description: 'reduce to the PCA components keeping this share of variance first (e.g. 0.95)' },
      { name: 'silhouette-sample', type: 'integer', value: 'N', range: { min: 2 }, description: 'compute the silhouette on a seeded sample of N points (default: exact, all points)' },
      { name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'output folder', default: 'netsentinel-clusters' },
      { name: 'plots', type: 'boolean', description: 'draw k_distance.png and clusters.png' },
      { name: 'seed', type: 'integer', range: { min: 0 }, description: 'random seed (samples)', default: 42 },
      ...DATA_OPTIONS,
    ],
    examples: ['netsentinel cluster cic/ --eps 0.3 --min-samples 10 --plots', 'netsentinel cluster flows.csv --pca 0.95 --plots --json | jq .silhouette'],
  },
  async run({ args, progress, out, json }) {
    const v = args.values;
    await guardOutputs('cluster', { data: args.positionals }, { folders: [{ dir: v.out as string, names: CLUSTER_FILES }] });
    const table = await readWithProgress(args.positionals, v, progress, 'reading');
    if (table.rowCount < 2) throw new UserError('cluster: needs at least 2 rows');
    const pipe = fitPipeline(table, { scaling: 'standard', categorical: 'onehot' });
    let X = transformTable(pipe, table);
    let pcaNote = '';
    if (v.pca !== undefined) {
      const pca = fitPca(X, { varianceShare: v.pca as number });
      X = transformPca(pca, X);
      pcaNote = `PCA to ${X.cols} components (${Math.round((v.pca as number) * 100)} % of variance)`;
    }
    const minSamples = v.minSamples as number;
    // said with the flag's name (the model's "lower minSamples" named nothing a user can type);
    // a small capture gives a few flows
    if (minSamples > X.rows) throw new UserError(`cluster: --min-samples ${minSamples} is more than the ${X.rows} ${X.rows === 1 ? 'row' : 'rows'} of the input; give --min-samples ${X.rows} or less, or more flows`);
    progress.start('k-distance curve');
    const curve = kDistanceCurve(X, minSamples, { sampleSize: Math.min(X.rows, 20000), seed: v.seed as number });
    progress.done('k-distance curve');
    const eps = (v.eps as number | undefined) ?? curve.suggestedEps;
    if (!(eps > 0)) throw new UserError(`cluster: --eps must be > 0, got ${eps}`);
    progress.start('DBSCAN');
    const r = dbscan(X, { eps, minSamples });
    progress.done(`DBSCAN: ${r.nClusters} clusters`);
    let silhouette: number | null = null;
    if (r.nClusters >= 1 && new Set(r.labels).size > 1) {
      progress.start('silhouette');
      silhouette = await silhouetteScore(X, r.labels, { sampleSize: v.silhouetteSample as number | undefined, seed: v.seed as number, threads: 2 });
      progress.done('silhouette');
    }
    const dir = v.out as string;
    const lines = ['file,line,cluster,kind'];
    for (let i = 0; i < X.rows; i++) {
      const file = table.origin ? table.origin.files[table.origin.file[i]] : '';
      const line = table.origin ? table.origin.line[i] : i + 1;
      lines.push(`${csvCell(file)},${line},${r.labels[i]},${POINT_KIND_NAMES[r.kind[i]]}`);
    }
    await writeFileAtomic(join(dir, 'clusters.csv'), lines.join('\n') + '\n', 'cluster', { makeDirs: true });
    const counts = { core: 0, border: 0, noise: 0 };
    for (const k of r.kind) counts[POINT_KIND_NAMES[k]]++;
    const plots: string[] = [];
    if (v.plots) {
      const charts = await import('../../report/charts/index.js');
      const kd = charts.kDistanceSpec(curve.distances, curve.suggestedEps, { title: `k-distance curve (k = ${minSamples})` });
      await charts.renderPng(kd, join(dir, 'k_distance.png'));
      const two = X.cols >= 2 ? transformPca(fitPca(X, { nComponents: 2 }), X) : X;
      const sc = charts.clusterScatterSpec(two, r.labels, r.kind, { title: `DBSCAN clusters (eps ${eps.toPrecision(3)}, min_samples ${minSamples})` });
      await charts.renderPng(sc, join(dir, 'clusters.png'));
      plots.push(join(dir, 'k_distance.png'), join(dir, 'clusters.png'));
    }
    const summary = { rows: X.rows, features: X.cols, pca: pcaNote || undefined, eps, epsSuggested: curve.suggestedEps, minSamples, clusters: r.nClusters, ...counts, silhouette, output: join(dir, 'clusters.csv'), plots };
    if (json) out(JSON.stringify({ ...summary, ...skippedFilesJson() }, null, 2));
    else
      out(
        [
          `DBSCAN on ${X.rows.toLocaleString('en-US')} rows × ${X.cols} features${pcaNote ? ` (${pcaNote})` : ''}: eps ${eps.toPrecision(4)}${v.eps === undefined ? ' (the knee of the k-distance curve)' : ` (the knee suggests ${curve.suggestedEps.toPrecision(4)})`}, min_samples ${minSamples}`,
          `  ${r.nClusters} clusters; ${counts.core.toLocaleString('en-US')} core, ${counts.border.toLocaleString('en-US')} border, ${counts.noise.toLocaleString('en-US')} noise points`,
          `  silhouette ${silhouette === null ? 'n/a (one cluster)' : silhouette.toFixed(4)}${v.silhouetteSample ? ` (sample of ${v.silhouetteSample})` : ''}`,
          `  labels: ${join(dir, 'clusters.csv')}${plots.length ? `; charts: ${plots.join(', ')}` : ''}`,
        ].join('\n'),
      );
    return 0;
  },
};
