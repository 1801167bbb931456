/**
 * Benchmark: the tree models on NSL-KDD (train KDDTrain+_20Percent, test KDDTest+, five families)
 * beside their peers in the same run, alternating, so the machine's load hits both alike:
 *
 *   gradient-boosting (defaults)  vs  XGBoost hist, the same number of rounds and depth, n_jobs=T
 *   random-forest (defaults)      vs  scikit-learn RandomForestClassifier(100), n_jobs=T
 *
 * Each peer runs twice per repeat: on the matrix ../shared/peers/nslkdd.py builds (one-hot and
 * standard scaling: the published reference figures) and on exactly the matrix our model saw.
 * Prints fit times (median over repeats), the ratio to each peer, accuracy and macro-F1.
 *
 *     node dist/bench/trees-nslkdd.js [--repeat N] [--threads T] [--only gb|rf] [--json]
 *
 * Needs ../shared and Debian's python3-sklearn / python3-xgboost at /usr/bin/python3; run from the
 * project root.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNslKdd } from '../testing/datasets.js';
import { sharedPath } from '../testing/shared-data.js';
import { encodeTarget, fitPipeline, targetColumn, transformTable } from '../features/pipeline.js';
import { accuracy, macroF1 } from '../evaluate/metrics.js';
import { argmaxRows, type ClassifierSpec } from '../models/estimator.js';
import type { Matrix } from '../features/matrix.js';
import { gradientBoosting } from '../models/trees/gbdt.js';
import { randomForest } from '../models/trees/random-forest.js';

const PEER = `
import json, sys, time
import numpy as np, pandas as pd
from sklearn.metrics import f1_score
cfg = json.loads(sys.argv[1])
if cfg["matrix"]:
    m = cfg["matrix"]
    Xtr = np.fromfile(m + "/xtr.f64").reshape(-1, cfg["cols"]).astype(np.float32)
    Xte = np.fromfile(m + "/xte.f64").reshape(-1, cfg["cols"]).astype(np.float32)
    ytr = np.fromfile(m + "/ytr.i32", dtype=np.int32); yte = np.fromfile(m + "/yte.i32", dtype=np.int32)
else:
    # as ../shared/peers/nslkdd.py prepares it
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    D = cfg["nsl"]
    COLS = [f"f{i}" for i in range(41)] + ["label", "difficulty"]
    CAT = ["f1", "f2", "f3"]
    FAM = {}
    for n in "back land neptune pod smurf teardrop apache2 mailbomb processtable udpstorm worm".split(): FAM[n] = "DoS"
    for n in "ipsweep nmap portsweep satan mscan saint".split(): FAM[n] = "Probe"
    for n in "ftp_write guess_passwd imap multihop phf spy warezclient warezmaster sendmail named snmpgetattack snmpguess xlock xsnoop httptunnel".split(): FAM[n] = "R2L"
    for n in "buffer_overflow loadmodule perl rootkit ps sqlattack xterm".split(): FAM[n] = "U2R"
    FAM["normal"] = "Normal"
    tr = pd.read_csv(f"{D}/KDDTrain+_20Percent.txt", names=COLS); te = pd.read_csv(f"{D}/KDDTest+.txt", names=COLS)
    classes = sorted(set(FAM.values()))
    ytr = np.array([classes.index(FAM[v]) for v in tr.label]); yte = np.array([classes.index(FAM[v]) for v in te.label])
    enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(tr[CAT])
    num = [c for c in COLS[:41] if c not in CAT]
    sc = StandardScaler().fit(tr[num])
    X = lambda df: np.hstack([sc.transform(df[num]), enc.transform(df[CAT])]).astype(np.float32)
    Xtr, Xte = X(tr), X(te)
if cfg["model"] == "xgb":
    import xgboost as xgb
    m = xgb.XGBClassifier(n_estimators=cfg["rounds"], max_depth=cfg["depth"], tree_method="hist", n_jobs=cfg["threads"], random_state=42)
else:
    from sklearn.ensemble import RandomForestClassifier
    m = RandomForestClassifier(n_estimators=100, n_jobs=cfg["threads"], random_state=42)
t = time.perf_counter(); m.fit(Xtr, ytr); fit = time.perf_counter() - t
p = m.predict(Xte)
print(json.dumps(dict(fit_s=fit, acc=float((p == yte).mean()), f1=float(f1_score(yte, p, average="macro")))))
`;

interface Run {
  fitS: number;
  acc: number;
  f1: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function peer(work: string, cfg: Record<string, unknown>): Run {
  const out = execFileSync('/usr/bin/python3', [join(work, 'peer.py'), JSON.stringify(cfg)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { fit_s: number; acc: number; f1: number };
  return { fitS: r.fit_s, acc: r.acc, f1: r.f1 };
}

function writeMatrix(dir: string, name: string, m: Matrix): void {
  writeFileSync(join(dir, name), m.data);
}

async function main(): Promise<void> {
  const repeat = Number(arg('--repeat', '3'));
  const threads = Number(arg('--threads', '2'));
  const only = arg('--only', '');
  const json = process.argv.includes('--json');
  const data = await loadNslKdd();
  const nsl = sharedPath('datasets', 'nsl-kdd');
  if (!data || !nsl) throw new Error('needs ../shared/datasets/nsl-kdd; run from the project root');
  const ytr = encodeTarget(targetColumn(data.train, 'family'));
  const yte = encodeTarget(targetColumn(data.test, 'family'), ytr.classes);
  const k = ytr.classes.length;
  const work = mkdtempSync(join(tmpdir(), 'ns-trees-bench-'));
  writeFileSync(join(work, 'peer.py'), PEER);
  writeFileSync(join(work, 'ytr.i32'), ytr.y);
  writeFileSync(join(work, 'yte.i32'), yte.y);
  const report: Record<string, unknown>[] = [];
  try {
    const cases: { key: string; spec: ClassifierSpec<object, unknown>; peer: string }[] = [
      { key: 'gb', spec: gradientBoosting as ClassifierSpec<object, unknown>, peer: 'xgb' },
      { key: 'rf', spec: randomForest as ClassifierSpec<object, unknown>, peer: 'rf' },
    ];
    for (const c of cases) {
      if (only && only !== c.key) continue;
      const pipeline = fitPipeline(data.train, c.spec.input);
      const Xtr = transformTable(pipeline, data.train);
      const Xte = transformTable(pipeline, data.test);
      writeMatrix(work, 'xtr.f64', Xtr);
      writeMatrix(work, 'xte.f64', Xte);
      const ours: Run[] = [];
      const peerStd: Run[] = [];
      const peerSame: Run[] = [];
      let rounds = 0;
      for (let i = 0; i < repeat; i++) {
        const t0 = performance.now();
        const state = await c.spec.fit(Xtr, ytr.y, k, c.spec.options({}), { seed: 42, threads });
        const fitS = (performance.now() - t0) / 1000;
        const pred = argmaxRows(c.spec.predictProba(state, Xte), k);
        ours.push({ fitS, acc: accuracy(yte.y, pred), f1: macroF1(yte.y, pred, k) });
        // the peer builds as many trees as we did: every round we ran, early-stopped ones included
        rounds = (c.spec.history?.(state)?.[0]?.values.length ?? 0) || 100;
        const cfg = { model: c.peer, rounds, depth: gradientBoosting.defaults.max_depth, threads, nsl, cols: Xtr.cols };
        peerStd.push(peer(work, { ...cfg, matrix: null }));
        peerSame.push(peer(work, { ...cfg, matrix: work }));
      }
      const o = median(ours.map((r) => r.fitS));
      const ps = median(peerStd.map((r) => r.fitS));
      const pm = median(peerSame.map((r) => r.fitS));
      const peerName = c.peer === 'xgb' ? `XGBoost hist (${rounds} rounds, depth ${gradientBoosting.defaults.max_depth})` : 'scikit-learn RandomForest(100)';
      const row = {
        model: c.spec.name,
        threads,
        repeat,
        oursFitS: o,
        oursAccuracy: ours[0].acc,
        oursMacroF1: ours[0].f1,
        peer: peerName,
        peerOneHotFitS: ps,
        peerOneHotAccuracy: peerStd[0].acc,
        peerOneHotMacroF1: peerStd[0].f1,
        peerSameMatrixFitS: pm,
        peerSameMatrixAccuracy: peerSame[0].acc,
        peerSameMatrixMacroF1: peerSame[0].f1,
        ratioToOneHotPeer: o / ps,
        ratioToSameMatrixPeer: o / pm,
        columns: Xtr.cols,
      };
      report.push(row);
      if (!json) {
        console.log(`${c.spec.name} (${Xtr.cols} columns, ${threads} threads, median of ${repeat}):`);
        console.log(`  ours            fit ${o.toFixed(3)} s   accuracy ${ours[0].acc.toFixed(4)}   macro-F1 ${ours[0].f1.toFixed(4)}`);
        console.log(`  ${peerName}, peers' one-hot matrix: fit ${ps.toFixed(3)} s   accuracy ${peerStd[0].acc.toFixed(4)}   macro-F1 ${peerStd[0].f1.toFixed(4)}   ratio ours/peer ${(o / ps).toFixed(2)}`);
        console.log(`  ${peerName}, our matrix:            fit ${pm.toFixed(3)} s   accuracy ${peerSame[0].acc.toFixed(4)}   macro-F1 ${peerSame[0].f1.toFixed(4)}   ratio ours/peer ${(o / pm).toFixed(2)}`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (json) console.log(JSON.stringify(report));
}

await main();
