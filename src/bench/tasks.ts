/**
 * One benchmark measurement per process (so peak memory is the task's own): train, time, score on
 * the stated test data, print one JSON line. Run by bench/run.ts, not by hand (but you can:
 * `node dist/bench/tasks.js gbdt-nslkdd`).
 */
import { performance } from 'node:perf_hooks';
import { resourceUsage } from 'node:process';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath } from '../testing/shared-data.js';
import { trainModel, predictTable, modelMatrix, predictMatrix, type TrainedModel } from '../models/trained-model.js';
import { evaluateModel } from '../evaluate/evaluate-model.js';
import { cicSplit } from './cic-split.js';
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { encodeTarget, fitPipeline, targetColumn, transformTable } from '../features/pipeline.js';
import { getSpec } from '../models/registry.js';
import '../models/all.js'; // names any estimator (lists, comparisons), so every one is loaded
import type { ClassifierSpec, DetectorSpec } from '../models/estimator.js';

async function nslkdd(): Promise<{ train: FlowTable; test: FlowTable }> {
  const d = sharedPath('datasets', 'nsl-kdd');
  if (!d) throw new Error('../shared/datasets/nsl-kdd not found');
  return { train: await readDataset([`${d}/KDDTrain+_20Percent.txt`]), test: await readDataset([`${d}/KDDTest+.txt`]) };
}

async function cic(): Promise<{ train: FlowTable; test: FlowTable }> {
  const d = sharedPath('datasets', 'cicids2017-sample');
  if (!d) throw new Error('../shared/datasets/cicids2017-sample not found');
  return cicSplit(await readDataset([d]));
}

/** The synthetic wide multi-class set (wide-multiclass-data.ts), from the folder bench/run.ts wrote it to. */
async function wide(dir: string): Promise<{ train: FlowTable; test: FlowTable }> {
  if (!dir) throw new Error('wide: the folder holding train.csv and test.csv is missing');
  const read = { format: 'csv', label: 'attack_cat' };
  return { train: await readDataset([`${dir}/train.csv`], read), test: await readDataset([`${dir}/test.csv`], read) };
}

/** class_weight from a task's extra argument ('balanced' or 'none'); the model's default when absent. */
function classWeightParam(arg: string | undefined): Record<string, unknown> {
  return arg === undefined ? {} : { class_weight: arg === 'none' ? null : arg };
}

const rssMb = (): number => Math.round((resourceUsage().maxRSS / 1024) * 10) / 10;

async function supervised(task: string, data: { train: FlowTable; test: FlowTable }, model: string, params: Record<string, unknown> = {}, threads = 2): Promise<void> {
  const t0 = performance.now();
  const m = await trainModel(data.train, { model, params, seed: 42, threads });
  const fit = (performance.now() - t0) / 1000;
  // prediction speed on one core: transform + predict, single thread
  const X = modelMatrix(m, data.test);
  const t1 = performance.now();
  predictMatrix(m, X);
  const pred = (performance.now() - t1) / 1000;
  const e = evaluateModel(m, data.test, { how: 'bench' });
  const st = m.estimator.state as Record<string, unknown>;
  print({
    task,
    fit_s: round(fit),
    predict_s: round(pred),
    rows_per_s_core: Math.round(data.test.rowCount / pred),
    accuracy: round(e.summary.accuracy),
    macro_f1: round(e.summary.macroF1),
    trees: treesOf(st),
    depth: (m.estimator.options as Record<string, unknown>).maxDepth ?? (m.estimator.options as Record<string, unknown>).max_depth,
    rss_mb: rssMb(),
  });
}

function treesOf(st: Record<string, unknown>): number | undefined {
  for (const k of ['rounds', 'nRounds', 'iterations', 'bestIteration', 'nTrees', 'treeCount']) if (typeof st[k] === 'number') return st[k] as number;
  if (Array.isArray(st.trees)) return st.trees.length;
  return undefined;
}

async function unsupervised(task: string, data: { train: FlowTable; test: FlowTable }, model: string, params: Record<string, unknown> = {}): Promise<void> {
  const t0 = performance.now();
  const m: TrainedModel = await trainModel(data.train, { model, params, seed: 42, threads: 2, normalOnly: true });
  const fit = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  predictTable(m, data.test);
  const score = (performance.now() - t1) / 1000;
  const e = evaluateModel(m, data.test, { how: 'bench' });
  print({ task, fit_s: round(fit), score_s: round(score), auc: round(e.summary.binaryRocAuc ?? NaN), rss_mb: rssMb() });
}

/**
 * The peer times its estimator on matrices it prepared beforehand (one-hot + scaling untimed) and
 * sets no threshold; time ours the same way, in a fresh process (cold JIT and WebAssembly, as a
 * user's first run), on matrices from our own pipeline fitted on the normal training rows.
 */
async function detectorAlone(task: string, data: { train: FlowTable; test: FlowTable }, model: string): Promise<void> {
  const spec = getSpec(model) as DetectorSpec;
  const normal = normalRows(data.train);
  const pipeline = fitPipeline(normal, { scaling: spec.input.scaling, categorical: spec.input.categorical });
  const Xn = transformTable(pipeline, normal);
  const Xt = transformTable(pipeline, data.test);
  const options = spec.options({});
  const t0 = performance.now();
  const state = await spec.fit(Xn, options, { seed: 42, threads: 2 });
  const t1 = performance.now();
  spec.score(state, Xt);
  const t2 = performance.now();
  print({ task, fit_s: round((t1 - t0) / 1000), score_s: round((t2 - t1) / 1000), rss_mb: rssMb() });
}

/**
 * A classifier's fit timed as the peers time theirs: on a matrix prepared beforehand by our own
 * pipeline (untimed, like the peers' one-hot + scaling), in a fresh process.
 */
async function classifierAlone(task: string, data: { train: FlowTable; test: FlowTable }, model: string, params: Record<string, unknown> = {}): Promise<void> {
  const spec = getSpec(model) as ClassifierSpec;
  const { y, classes } = encodeTarget(targetColumn(data.train));
  const pipeline = fitPipeline(data.train, { scaling: spec.input.scaling, categorical: spec.input.categorical });
  const X = transformTable(pipeline, data.train);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await spec.fit(X, y, classes.length, spec.options(params), { seed: 42, threads: 2 });
  const fit = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  print({ task, fit_s: round(fit), cpu_s: round((cpu.user + cpu.system) / 1e6), cols: X.cols, rss_mb: rssMb() });
}

/** The rows labelled normal, as trainModel's normalOnly picks them. */
function normalRows(t: FlowTable): FlowTable {
  const col = targetColumn(t, t.columns.some((c) => c.name === 'binary') ? 'binary' : undefined);
  const want = col.name === 'binary' ? 'normal' : t.normalClass;
  const code = col.dictionary.indexOf(want ?? '');
  const keep: number[] = [];
  for (let i = 0; i < t.rowCount; i++) if (col.codes[i] === code) keep.push(i);
  return takeTableRows(t, keep);
}

function print(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}
function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** DBSCAN + silhouette on the seed pipeline's matrix of the whole CIC sample; labels to a file for comparison. */
async function dbscanCic(labelsOut?: string): Promise<void> {
  const d = sharedPath('datasets', 'cicids2017-sample');
  if (!d) throw new Error('../shared/datasets/cicids2017-sample not found');
  const { seedPipelineMatrix } = await import('../models/cluster/seed-pipeline-matrix.js');
  const { dbscan } = await import('../models/cluster/dbscan.js');
  const { silhouetteScore } = await import('../models/cluster/silhouette.js');
  const X = seedPipelineMatrix(await readDataset([d]));
  const t0 = performance.now();
  const r = dbscan(X, { eps: 0.3, minSamples: 10 });
  const t1 = performance.now();
  const sil = await silhouetteScore(X, r.labels, { threads: 2 });
  const t2 = performance.now();
  if (labelsOut) (await import('node:fs')).writeFileSync(labelsOut, Array.from(r.labels).join('\n') + '\n');
  print({ task: 'dbscan-cic', dbscan_s: round((t1 - t0) / 1000), silhouette_s: round((t2 - t1) / 1000), total_s: round((t2 - t0) / 1000), clusters: r.nClusters, silhouette: sil, rss_mb: rssMb() });
}

/**
 * The main job on the CIC sample: a baseline fitted on a stated half of the BENIGN flows (seeded
 * shuffle, seed 42), everything else analysed from files in `dir` (written by bench/run.ts).
 */
async function analyzeCic(dir: string): Promise<void> {
  const { fitBaseline } = await import('../risk/baseline.js');
  const { runAnalysis } = await import('../analysis/run-analysis.js');
  const t0 = performance.now();
  const base = await readDataset([`${dir}/baseline`]);
  const b = await fitBaseline(base, { seed: 42, threads: 2 });
  const fit = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const r = await runAnalysis({ inputs: [`${dir}/analyse`], read: {}, baseline: b, flowThreshold: 0.999, ipThreshold: 0.99, outDir: `${dir}/out`, threads: 2 });
  const analyse = (performance.now() - t1) / 1000;
  print({ task: 'analyze-cic', baseline_s: round(fit), analyze_s: round(analyse), flows: r.flows, flows_per_s: Math.round(r.flows / analyse), auc: round(r.quality?.rocAuc ?? NaN), verdict_accuracy: round(r.quality?.accuracyAtVerdict ?? NaN), risky_ips: r.riskyIps.length, findings: r.findings.length, rss_mb: rssMb() });
}

/** NSL-KDD: a classifier plus the baseline together, the normal/attack verdict on KDDTest+. */
async function analyzeKdd(dir: string): Promise<void> {
  const d = sharedPath('datasets', 'nsl-kdd');
  if (!d) throw new Error('../shared/datasets/nsl-kdd not found');
  const { fitBaseline } = await import('../risk/baseline.js');
  const { runAnalysis } = await import('../analysis/run-analysis.js');
  const train = await readDataset([`${d}/KDDTrain+_20Percent.txt`]);
  const b = await fitBaseline(train, { seed: 42, threads: 2 });
  const clf = await trainModel(train, { model: 'gradient-boosting', seed: 42, threads: 2 });
  const t1 = performance.now();
  const r = await runAnalysis({ inputs: [`${d}/KDDTest+.txt`], read: {}, baseline: b, classifier: clf, flowThreshold: 0.999, ipThreshold: 0.99, outDir: `${dir}/out-kdd`, threads: 2 });
  const analyse = (performance.now() - t1) / 1000;
  const onlyBaseline = await runAnalysis({ inputs: [`${d}/KDDTest+.txt`], read: {}, baseline: b, flowThreshold: 0.999, ipThreshold: 0.99, outDir: `${dir}/out-kdd-b`, threads: 2 });
  print({ task: 'analyze-kdd', analyze_s: round(analyse), verdict_accuracy: round(r.quality?.accuracyAtVerdict ?? NaN), fpr: round(r.quality?.falsePositiveRateAtVerdict ?? NaN), recall: round(r.quality?.recallAtVerdict ?? NaN), auc: round(r.quality?.rocAuc ?? NaN), baseline_only_accuracy: round(onlyBaseline.quality?.accuracyAtVerdict ?? NaN), rss_mb: rssMb() });
}

/** Throughput and peak memory of analyze on a big file (made by bench/run.ts by repeating CIC rows). */
async function analyzeBig(dir: string): Promise<void> {
  const { loadBaseline } = await import('../risk/baseline.js');
  const { runAnalysis } = await import('../analysis/run-analysis.js');
  const { statSync } = await import('node:fs');
  const b = await loadBaseline(`${dir}/baseline.nsb`);
  const t1 = performance.now();
  const r = await runAnalysis({ inputs: [`${dir}/big.csv`], read: {}, baseline: b, flowThreshold: 0.999, ipThreshold: 0.99, outDir: `${dir}/out-big`, threads: 1, maxFlowAlerts: 10000 });
  const secs = (performance.now() - t1) / 1000;
  print({ task: 'analyze-big', bytes: statSync(`${dir}/big.csv`).size, flows: r.flows, analyze_s: round(secs), flows_per_s: Math.round(r.flows / secs), rss_mb: rssMb() });
}

const TASKS: Record<string, () => Promise<void>> = {
  'dbscan-cic': async () => dbscanCic(process.argv[3]),
  'analyze-cic': async () => analyzeCic(process.argv[3]),
  'analyze-kdd': async () => analyzeKdd(process.argv[3]),
  'analyze-big': async () => analyzeBig(process.argv[3]),
  'gbdt-nslkdd': async () => supervised('gbdt-nslkdd', await nslkdd(), 'gradient-boosting'),
  'rf-nslkdd': async () => supervised('rf-nslkdd', await nslkdd(), 'random-forest'),
  'rf-nslkdd-alone': async () => classifierAlone('rf-nslkdd-alone', await nslkdd(), 'random-forest'),
  'gbdt-nslkdd-alone': async () => classifierAlone('gbdt-nslkdd-alone', await nslkdd(), 'gradient-boosting'),
  'dt-nslkdd': async () => supervised('dt-nslkdd', await nslkdd(), 'decision-tree'),
  'lr-nslkdd': async () => supervised('lr-nslkdd', await nslkdd(), 'logistic-regression'),
  'mlp-nslkdd': async () => supervised('mlp-nslkdd', await nslkdd(), 'mlp'),
  'svm-nslkdd': async () => supervised('svm-nslkdd', await nslkdd(), 'svm'),
  'linear-svm-nslkdd': async () => supervised('linear-svm-nslkdd', await nslkdd(), 'linear-svm'),
  'bagging-nslkdd': async () => supervised('bagging-nslkdd', await nslkdd(), 'bagging'),
  'voting-nslkdd': async () => supervised('voting-nslkdd', await nslkdd(), 'voting'),
  'lof-nslkdd': async () => unsupervised('lof-nslkdd', await nslkdd(), 'lof'),
  'iforest-nslkdd': async () => unsupervised('iforest-nslkdd', await nslkdd(), 'isolation-forest'),
  'iforest-nslkdd-alone': async () => detectorAlone('iforest-nslkdd-alone', await nslkdd(), 'isolation-forest'),
  'iforest-cic-alone': async () => detectorAlone('iforest-cic-alone', await cic(), 'isolation-forest'),
  'ocsvm-nslkdd': async () => unsupervised('ocsvm-nslkdd', await nslkdd(), 'one-class-svm'),
  'autoencoder-nslkdd': async () => unsupervised('autoencoder-nslkdd', await nslkdd(), 'autoencoder'),
  // argv: DIR [balanced|none]
  'gbdt-wide': async () => supervised('gbdt-wide', await wide(process.argv[3]), 'gradient-boosting', classWeightParam(process.argv[4])),
  'gbdt-wide-alone': async () => classifierAlone('gbdt-wide-alone', await wide(process.argv[3]), 'gradient-boosting', classWeightParam(process.argv[4])),
  'gbdt-cic': async () => supervised('gbdt-cic', await cic(), 'gradient-boosting'),
  'rf-cic': async () => supervised('rf-cic', await cic(), 'random-forest'),
  'iforest-cic': async () => unsupervised('iforest-cic', await cic(), 'isolation-forest'),
};

const name = process.argv[2];
const run = TASKS[name];
if (!run) {
  process.stderr.write(`unknown task ${name}; tasks: ${Object.keys(TASKS).join(', ')}\n`);
  process.exit(2);
}
run().then(
  () => process.exit(0),
  (e) => {
    print({ task: name, error: (e as Error).message });
    process.exit(0);
  },
);
