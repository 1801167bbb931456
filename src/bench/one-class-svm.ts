/**
 * One-class SVM beside scikit-learn's OneClassSVM, on the same matrices in the same run.
 *
 *   node dist/bench/one-class-svm.js [repeats]      (from the project root)
 *
 * NSL-KDD through our feature pipeline (standard scaling + one-hot, 118 columns); both fit on the
 * 13,449 normal rows of KDDTrain+_20Percent with nu = 0.05, gamma 'scale', and score the 22,544
 * rows of KDDTest+. The matrices are written to the temp folder and read by Debian's
 * /usr/bin/python3, so the peer sees exactly our numbers. Prints wall and CPU seconds of fit and
 * scoring, ROC-AUC, and the ratio of our total to scikit-learn's (target: at most 0.5), with one
 * thread and with the machine's threads. The machine is shared: compare the ratios of one run,
 * and prefer CPU time when the load is high.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { takeRows, type Matrix } from '../features/matrix.js';
import { rocAuc } from '../evaluate/roc.js';
import { nslKddMatrices, rowsOfClass } from '../models/linear/nsl-kdd-fixture.test-util.js';
import { setKernelThreads } from '../models/kernel/kernel-pool.js';
import { oneClassSvm } from '../models/kernel/one-class-svm.js';

interface Run {
  who: string;
  fitWall: number;
  fitCpu: number;
  scoreWall: number;
  scoreCpu: number;
  auc: number;
}

function cpuNow(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

function sklearn(dir: string, train: Matrix, test: Matrix, labels: Int32Array): Run | undefined {
  writeFileSync(join(dir, 'train.f64'), train.data);
  writeFileSync(join(dir, 'test.f64'), test.data);
  writeFileSync(join(dir, 'labels.i32'), labels);
  const code = `import sys,time,resource,numpy as np
from sklearn.svm import OneClassSVM
from sklearn.metrics import roc_auc_score
d=sys.argv[1];c=${train.cols}
A=np.fromfile(d+'/train.f64').reshape(-1,c);B=np.fromfile(d+'/test.f64').reshape(-1,c);y=np.fromfile(d+'/labels.i32',dtype=np.int32)
cpu=lambda:sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
t=time.perf_counter();u=cpu();m=OneClassSVM(kernel='rbf',gamma='scale',nu=0.05).fit(A);fw=time.perf_counter()-t;fc=cpu()-u
t=time.perf_counter();u=cpu();s=-m.score_samples(B);sw=time.perf_counter()-t;sc=cpu()-u
print(fw,fc,sw,sc,roc_auc_score(y,s))`;
  const r = spawnSync('/usr/bin/python3', ['-c', code, dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`scikit-learn peer not run: ${r.stderr.trim().split('\n').pop() ?? 'python3 failed'}\n`);
    return undefined;
  }
  const [fitWall, fitCpu, scoreWall, scoreCpu, auc] = r.stdout.trim().split(/\s+/).map(Number);
  return { who: 'scikit-learn', fitWall, fitCpu, scoreWall, scoreCpu, auc };
}

async function ours(threads: number, train: Matrix, test: Matrix, labels: Int32Array): Promise<Run> {
  setKernelThreads(threads);
  let t = performance.now();
  let c = cpuNow();
  const state = await oneClassSvm.fit(train, oneClassSvm.options({}), { seed: 42, threads });
  const fitWall = (performance.now() - t) / 1000;
  const fitCpu = cpuNow() - c;
  t = performance.now();
  c = cpuNow();
  const score = oneClassSvm.score(state, test);
  const scoreWall = (performance.now() - t) / 1000;
  const scoreCpu = cpuNow() - c;
  return { who: `netsentinel, ${threads} thread${threads > 1 ? 's' : ''}`, fitWall, fitCpu, scoreWall, scoreCpu, auc: rocAuc(labels, score) };
}

const repeats = Number(process.argv[2] ?? 2);
const d = await nslKddMatrices();
if (!d) {
  process.stderr.write('needs ../shared/datasets/nsl-kdd\n');
  process.exit(2);
}
const train = takeRows(d.Xtrain, rowsOfClass(d.ytrain, d.normal));
const labels = Int32Array.from(d.ytest, (v) => (v === d.normal ? 0 : 1));
const dir = mkdtempSync(join(tmpdir(), 'ns-ocsvm-bench-'));
const threads = Math.max(1, Math.min(8, availableParallelism()));
console.log(`one-class SVM, NSL-KDD: fit on ${train.rows} normal rows x ${train.cols} columns, score ${d.Xtest.rows} rows`);
const f = (x: number): string => x.toFixed(3).padStart(7);
for (let rep = 0; rep < repeats; rep++) {
  const peer = sklearn(dir, train, d.Xtest, labels);
  const runs = [await ours(1, train, d.Xtest, labels)];
  if (threads > 1) runs.push(await ours(threads, train, d.Xtest, labels));
  for (const r of peer ? [peer, ...runs] : runs) {
    const total = r.fitWall + r.scoreWall;
    const totalCpu = r.fitCpu + r.scoreCpu;
    const ratio = peer && r !== peer ? `  ratio wall ${(total / (peer.fitWall + peer.scoreWall)).toFixed(2)}, cpu ${(totalCpu / (peer.fitCpu + peer.scoreCpu)).toFixed(2)}` : '';
    console.log(
      `${r.who.padEnd(26)} fit ${f(r.fitWall)} s (cpu ${f(r.fitCpu)})  score ${f(r.scoreWall)} s (cpu ${f(r.scoreCpu)})  AUC ${r.auc.toFixed(4)}${ratio}`,
    );
  }
}
