/**
 * What scoring a flow with a baseline costs, per detector and per stage, beside scikit-learn on
 * the same matrices in the same run.
 *
 *   node dist/bench/baseline-scoring.js [seconds-per-figure] [--no-peer]     (from the project root)
 *   npm run bench -- script baseline-scoring
 *
 * A default baseline is fitted on the CIC-IDS2017 sample's BENIGN_2500.csv (seed 42), then every
 * flow of the sample (all files, ~25k flows) is scored in batches of 50, 1,000 and all of them.
 * For each batch size and detector: the feature transform (pipeline.ts), the estimator's score,
 * the calibration to p; then the whole flow scorer (detectors + calibration + fusion + fused
 * calibration), all in µs of CPU per flow (process.cpuUsage, user + system), on one thread
 * (setKernelThreads(1)): the streaming worker scores on its own core. Every pass scores fresh
 * copies of the batches, since the transform keeps the signed log of a batch's columns for the
 * next detector (a new message's batch always pays it once).
 *
 * Peer: Debian's python3 with scikit-learn scores our own transformed matrices (written to the
 * temp folder): IsolationForest(100 trees, 256 samples).score_samples on the forest's matrix,
 * OneClassSVM(rbf, our γ, ν = 0.05).score_samples on the SVM's matrix (exact, as ours is), and
 * OneClassSVM's approximations SGDOneClassSVM on Nystroem and on RBFSampler features (100
 * components), per batch size, CPU µs per flow of the Python process (one BLAS thread); batches of
 * 50 and 1,000 over the first 5,000 flows only (scikit-learn's per-call overhead makes a pass over
 * all of them in batches of 50 take minutes).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath } from '../testing/shared-data.js';
import { takeTableRows, type Column, type FlowTable } from '../flows/table.js';
import { fitBaseline } from '../risk/baseline.js';
import { createFlowScorer } from '../risk/flow-scorer.js';
import { calibrateAll } from '../risk/calibration.js';
import { modelMatrix } from '../models/trained-model.js';
import { getSpec } from '../models/registry.js';
import '../models/all.js'; // names any estimator (lists, comparisons), so every one is loaded
import type { DetectorSpec } from '../models/estimator.js';
import type { Matrix } from '../features/matrix.js';
import { setKernelThreads } from '../models/kernel/kernel-pool.js';

const budget = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 0.4);
/** `--no-peer`: our figures only (e.g. to time an older build beside this one) */
const withPeer = !process.argv.includes('--no-peer');
setKernelThreads(1);

function cpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

/** Copies of the batches with new column arrays (so no per-column cache survives from a pass before). */
function fresh(batches: readonly FlowTable[]): FlowTable[] {
  return batches.map((b) => ({
    ...b,
    columns: b.columns.map((c): Column => (c.kind === 'numeric' ? { ...c, values: c.values.slice() } : { ...c, codes: c.codes.slice() })),
  }));
}

/**
 * CPU µs per flow of `pass` (which handles `flows` flows), the median over passes repeated until
 * `budget` seconds of CPU (at least 3); `prepare` runs before each pass, untimed.
 */
function measure<T>(flows: number, prepare: () => T, pass: (x: T) => void): number {
  const per: number[] = [];
  let spent = 0;
  pass(prepare()); // warm-up: compile, fill caches that live with the model
  while (per.length < 3 || spent < budget * 1e6) {
    const x = prepare();
    const c0 = cpuUs();
    pass(x);
    const dt = cpuUs() - c0;
    per.push(dt / flows);
    spent += dt;
    if (per.length >= 200) break;
  }
  per.sort((a, b) => a - b);
  return per[per.length >> 1];
}

const benignPath = sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv');
const samplePath = sharedPath('datasets', 'cicids2017-sample');
if (!benignPath || !samplePath) {
  process.stderr.write('needs ../shared/datasets/cicids2017-sample\n');
  process.exit(2);
}
const benign = await readDataset([benignPath]);
const sample = await readDataset([samplePath]);
const t0 = performance.now();
const baseline = await fitBaseline(benign, { seed: 42, threads: 1 });
const fitS = (performance.now() - t0) / 1000;
const detectors = baseline.detectors;
const names = detectors.map((d) => d.model.estimator.name);
const scorer = createFlowScorer(baseline, undefined, {});

const n = sample.rowCount;
const describe = detectors.map((d) => {
  const st = d.model.estimator.state as Record<string, unknown>;
  const cols = d.model.pipeline.outputNames.length;
  if (d.model.estimator.name === 'one-class-svm') return `one-class-svm: ${st.supportCount} support vectors × ${cols} columns, γ ${Number(st.gamma).toPrecision(3)}`;
  if (d.model.estimator.name === 'isolation-forest') return `isolation-forest: ${(st.roots as ArrayLike<number>)?.length ?? '?'} trees, ${cols} columns`;
  return `${d.model.estimator.name}: ${cols} columns`;
});
console.log(`baseline on BENIGN_2500.csv (${baseline.fitRows} fit + ${baseline.calibrationRows} calibration rows, fitted in ${fitS.toFixed(1)} s); scoring ${n} flows of the CIC sample, one thread`);
for (const d of describe) console.log(`  ${d}`);

const sizes = [50, 1000, n];
const table: Record<string, Record<string, number>> = {};
const cell = (row: string, size: number, v: number): void => {
  (table[row] ??= {})[String(size)] = v;
};
for (const size of sizes) {
  const batches: FlowTable[] = [];
  for (let s = 0; s < n; s += size) batches.push(takeTableRows(sample, Int32Array.from({ length: Math.min(size, n - s) }, (_, i) => s + i)));
  // transform: detectors in the scorer's order on each fresh batch, as one scoring call does (the
  // first logs the batch's columns, the later ones find them logged: the logged slab is shared by
  // every table and holds the last slice only, so detector j's figure is the cost of detectors
  // 0..j on each batch in turn less that of detectors 0..j−1)
  let sum = 0;
  let before = 0;
  for (let j = 0; j < detectors.length; j++) {
    const d = detectors[j];
    const upTo = measure(
      n,
      () => fresh(batches),
      (bs) => {
        for (const b of bs) for (let k = 0; k <= j; k++) modelMatrix(detectors[k].model, b);
      },
    );
    const us = Math.max(0, upTo - before);
    before = upTo;
    cell(`${names[j]}: transform`, size, us);
    sum += us;
    const mats: Matrix[] = batches.map((b) => modelMatrix(d.model, b));
    const spec = getSpec(d.model.estimator.name) as DetectorSpec;
    const est = measure(
      n,
      () => mats,
      (ms) => {
        for (const m of ms) spec.score(d.model.estimator.state, m);
      },
    );
    cell(`${names[j]}: estimator`, size, est);
    sum += est;
    const scores = mats.map((m) => spec.score(d.model.estimator.state, m));
    const cal = measure(
      n,
      () => scores,
      (ss) => {
        for (const s of ss) calibrateAll(d.calibration, s);
      },
    );
    cell(`${names[j]}: calibration`, size, cal);
    sum += cal;
  }
  cell('sum of the stages above', size, sum);
  const whole = measure(
    n,
    () => fresh(batches),
    (bs) => {
      for (const b of bs) scorer.score(b);
    },
  );
  cell('flow scorer, whole', size, whole);
}

// the peer, on our matrices
const dir = mkdtempSync(join(tmpdir(), 'ns-baseline-scoring-'));
const peerRows: Record<string, Record<string, number>> = {};
try {
  const mat = (name: string): { fit: Matrix; all: Matrix } | undefined => {
    const d = detectors.find((x) => x.model.estimator.name === name);
    return d && { fit: modelMatrix(d.model, benign), all: modelMatrix(d.model, sample) };
  };
  const iso = mat('isolation-forest');
  const svm = mat('one-class-svm');
  const svmState = detectors.find((x) => x.model.estimator.name === 'one-class-svm')?.model.estimator.state as { gamma: number } | undefined;
  if (iso && svm && svmState && withPeer) {
    writeFileSync(join(dir, 'iso_fit.f64'), iso.fit.data);
    writeFileSync(join(dir, 'iso_all.f64'), iso.all.data);
    writeFileSync(join(dir, 'svm_fit.f64'), svm.fit.data);
    writeFileSync(join(dir, 'svm_all.f64'), svm.all.data);
    const code = `import sys,json,resource,os
os.environ.setdefault('OMP_NUM_THREADS','1')
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.svm import OneClassSVM
from sklearn.linear_model import SGDOneClassSVM
from sklearn.kernel_approximation import Nystroem, RBFSampler
d=sys.argv[1];ci=${iso.fit.cols};cs=${svm.fit.cols};g=${svmState.gamma};budget=${budget}
ld=lambda f,c:np.fromfile(d+'/'+f).reshape(-1,c)
Xi,Ai,Xs,As=ld('iso_fit.f64',ci),ld('iso_all.f64',ci),ld('svm_fit.f64',cs),ld('svm_all.f64',cs)
cpu=lambda:sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
def per(f,A,size):
    # batches of 50 and 1,000 over the first 5,000 flows: IsolationForest.score_samples takes ~1 ms
    # a flow in batches of 50 (per-call overhead), and the whole sample would take minutes a pass
    if size<len(A): A=A[:5000]
    bs=[A[s:s+size] for s in range(0,len(A),size)]
    for b in bs: f(b)
    runs=[];spent=0
    while len(runs)<3 or spent<budget:
        u=cpu()
        for b in bs: f(b)
        t=cpu()-u;runs.append(t*1e6/len(A));spent+=t
        if len(runs)>=200: break
    return sorted(runs)[len(runs)//2]
sizes=[50,1000,len(As)]
out={}
iso=IsolationForest(n_estimators=100,max_samples=256,random_state=42).fit(Xi)
out['isolation-forest: IsolationForest.score_samples']=[per(iso.score_samples,Ai,s) for s in sizes]
oc=OneClassSVM(kernel='rbf',gamma=g,nu=0.05).fit(Xs)
out['one-class-svm: OneClassSVM.score_samples (exact, %d SVs)'%len(oc.support_)]=[per(oc.score_samples,As,s) for s in sizes]
for name,M in (('Nystroem',Nystroem),('RBFSampler',RBFSampler)):
    mp=M(gamma=g,n_components=100,random_state=42).fit(Xs);sg=SGDOneClassSVM(nu=0.05,random_state=42).fit(mp.transform(Xs))
    out['one-class-svm: %s(100) + SGDOneClassSVM'%name]=[per(lambda b:sg.score_samples(mp.transform(b)),As,s) for s in sizes]
print(json.dumps(out))`;
    const r = spawnSync('/usr/bin/python3', ['-c', code, dir], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } });
    if (r.status === 0) {
      const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number[]>;
      for (const [k, v] of Object.entries(got)) sizes.forEach((s, i) => ((peerRows[k] ??= {})[String(s)] = v[i]));
    } else process.stderr.write(`scikit-learn peer not run: ${r.stderr.trim().split('\n').pop() ?? 'python3 failed'}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const head = ['µs of CPU per flow, batch of', ...sizes.map((s) => (s === n ? `all ${n}` : String(s)))];
const lines: string[][] = [];
for (const [k, v] of Object.entries(table)) lines.push([`netsentinel ${k}`, ...sizes.map((s) => v[String(s)].toFixed(2))]);
for (const [k, v] of Object.entries(peerRows)) lines.push([`scikit-learn ${k}`, ...sizes.map((s) => v[String(s)].toFixed(2))]);
const iso = table['isolation-forest: estimator'];
const pIso = Object.entries(peerRows).find(([k]) => k.startsWith('isolation-forest'))?.[1];
const svm = table['one-class-svm: estimator'];
const pSvm = Object.entries(peerRows).find(([k]) => k.startsWith('one-class-svm: OneClassSVM'))?.[1];
if (iso && pIso) lines.push(['ratio isolation forest (ours / scikit-learn)', ...sizes.map((s) => `${(iso[String(s)] / pIso[String(s)]).toFixed(2)}×`)]);
if (svm && pSvm) lines.push(['ratio one-class SVM exact (ours / scikit-learn)', ...sizes.map((s) => `${(svm[String(s)] / pSvm[String(s)]).toFixed(2)}×`)]);
const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
console.log([fmt(head), fmt(w.map((x) => '-'.repeat(x))), ...lines.map(fmt)].join('\n'));
