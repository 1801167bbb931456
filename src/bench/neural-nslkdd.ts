/**
 * Benchmark of the network models against their peers on NSL-KDD, in one run so the ratio means
 * something on a noisy machine:
 *
 *   node dist/bench/neural-nslkdd.js [--epochs 50] [--seed 42] [--torch-threads 2] [--no-peers] [--only ae|mlp]
 *
 * (from the project root, with ../shared beside it). Autoencoder: 64-32-16, batch 32, fitted on
 * the normal rows of KDDTrain+_20Percent, binary ROC-AUC on KDDTest+, against PyTorch running the
 * loop of ../shared/peers/nslkdd.py. MLP: 100 ReLU units, 5 classes, against scikit-learn's
 * MLPClassifier(random_state=42, max_iter=200). Peers run with Debian's /usr/bin/python3.
 * Prints one JSON line per model, then the time ratios.
 *
 * Not a test (it takes a minute); the quality floors live in nslkdd-quality.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadNslKdd } from '../testing/datasets.js';
import { sharedPath } from '../testing/shared-data.js';
import { encodeTarget, fitPipeline, targetColumn, transformTable } from '../features/pipeline.js';
import { takeTableRows } from '../flows/table.js';
import { rocAuc } from '../evaluate/roc.js';
import { accuracy, macroF1 } from '../evaluate/metrics.js';
import { argmaxRows } from '../models/estimator.js';
import { autoencoder } from '../models/neural/autoencoder.js';
import { mlp } from '../models/neural/mlp.js';

// The peers, as ../shared/peers/nslkdd.py runs them (same features: one-hot fitted on all
// training rows + standard scaling; the autoencoder then min-max scales on the normal rows).
const PEER = String.raw`
import json, sys, time
import numpy as np, pandas as pd
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
D, what, epochs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
COLS = [f"f{i}" for i in range(41)] + ["label", "difficulty"]
CAT = ["f1", "f2", "f3"]
FAM = {"normal": "Normal"}
for n in "back land neptune pod smurf teardrop apache2 mailbomb processtable udpstorm worm".split(): FAM[n] = "DoS"
for n in "ipsweep nmap portsweep satan mscan saint".split(): FAM[n] = "Probe"
for n in "ftp_write guess_passwd imap multihop phf spy warezclient warezmaster sendmail named snmpgetattack snmpguess xlock xsnoop httptunnel".split(): FAM[n] = "R2L"
for n in "buffer_overflow loadmodule perl rootkit ps sqlattack xterm".split(): FAM[n] = "U2R"
tr = pd.read_csv(f"{D}/KDDTrain+_20Percent.txt", names=COLS); te = pd.read_csv(f"{D}/KDDTest+.txt", names=COLS)
ytr = tr.label.map(FAM).values; yte = te.label.map(FAM).values
enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(tr[CAT])
num = [c for c in COLS[:41] if c not in CAT]
sc = StandardScaler().fit(tr[num])
def X(df): return np.hstack([sc.transform(df[num]), enc.transform(df[CAT])]).astype(np.float32)
Xtr, Xte = X(tr), X(te)
bte = (yte != "Normal").astype(int)
if what == "mlp":
    from sklearn.neural_network import MLPClassifier
    m = MLPClassifier(random_state=42, max_iter=200)
    t = time.perf_counter(); m.fit(Xtr, ytr); tf = time.perf_counter() - t
    p = m.predict(Xte)
    print(json.dumps(dict(model="sklearn.MLP(100)", fit_s=round(tf, 3), epochs=m.n_iter_, acc=round(accuracy_score(yte, p), 4),
        macro_f1=round(f1_score(yte, p, average="macro"), 4))), flush=True)
else:
    import torch, torch.nn as nn
    torch.set_num_threads(threads); torch.manual_seed(0)
    Xn = Xtr[ytr == "Normal"]; d = Xn.shape[1]
    lo, hi = Xn.min(0), Xn.max(0); rng = np.where(hi - lo > 0, hi - lo, 1)
    mm = lambda a: np.clip((a - lo) / rng, 0, 1).astype(np.float32)
    t = time.perf_counter()
    net = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(),
                        nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, d), nn.Sigmoid())
    opt = torch.optim.Adam(net.parameters(), 1e-3); x = torch.from_numpy(mm(Xn))
    for ep in range(epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 32):
            b = x[perm[i:i + 32]]; opt.zero_grad(); l = ((net(b) - b) ** 2).mean(); l.backward(); opt.step()
    tf = time.perf_counter() - t
    with torch.no_grad():
        xs = torch.from_numpy(mm(Xte)); s = ((net(xs) - xs) ** 2).mean(1).numpy()
    print(json.dumps(dict(model=f"torch.Autoencoder(64-32-16,threads={threads})", fit_s=round(tf, 3), epochs=epochs,
        bin_auc=round(roc_auc_score(bte, s), 4))), flush=True)
`;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function peer(what: 'ae' | 'mlp', epochs: number, threads: number): { fit_s: number } | undefined {
  const dir = sharedPath('datasets', 'nsl-kdd');
  if (process.argv.includes('--no-peers') || !dir || !existsSync('/usr/bin/python3')) return undefined;
  try {
    const out = execFileSync('/usr/bin/python3', ['-c', PEER, dir, what, String(epochs), String(threads)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    });
    const line = out.trim().split('\n').pop()!;
    console.log(line);
    return JSON.parse(line) as { fit_s: number };
  } catch (e) {
    console.log(JSON.stringify({ model: `peer ${what}`, error: (e as Error).message.split('\n')[0] }));
    return undefined;
  }
}

async function main(): Promise<void> {
  const epochs = Number(arg('epochs', '50'));
  const seed = Number(arg('seed', '42'));
  const torchThreads = Number(arg('torch-threads', '2'));
  const only = arg('only', 'both');
  const data = await loadNslKdd();
  if (!data) {
    console.error('bench-nslkdd: ../shared/datasets/nsl-kdd not found (run from the project root)');
    process.exit(2);
  }
  const ytr = encodeTarget(targetColumn(data.train, 'family'));
  const yte = encodeTarget(targetColumn(data.test, 'family'), ytr.classes);
  const normal = ytr.classes.indexOf('Normal');
  const ratios: string[] = [];

  if (only !== 'mlp') {
    const keep: number[] = [];
    for (let i = 0; i < ytr.y.length; i++) if (ytr.y[i] === normal) keep.push(i);
    const rows = takeTableRows(data.train, keep);
    const pipeline = fitPipeline(rows, { ...autoencoder.input, clip: true });
    const X = transformTable(pipeline, rows);
    const Xte = transformTable(pipeline, data.test);
    let t = performance.now();
    const state = await autoencoder.fit(X, autoencoder.options({ epochs }), { seed, threads: 1 });
    const fit = (performance.now() - t) / 1000;
    t = performance.now();
    const scores = autoencoder.score(state, Xte);
    const scoreS = (performance.now() - t) / 1000;
    const auc = rocAuc(Int32Array.from(yte.y, (v) => (v === normal ? 0 : 1)), scores);
    console.log(JSON.stringify({ model: 'netsentinel.autoencoder', rows: X.rows, cols: X.cols, epochs, fit_s: +fit.toFixed(3), score_s: +scoreS.toFixed(3), bin_auc: +auc.toFixed(4) }));
    const p = peer('ae', epochs, torchThreads);
    if (p) ratios.push(`autoencoder fit time / PyTorch's: ${(fit / p.fit_s).toFixed(3)}`);
  }

  if (only !== 'ae') {
    const pipeline = fitPipeline(data.train, mlp.input);
    const X = transformTable(pipeline, data.train);
    const k = ytr.classes.length;
    const t = performance.now();
    const state = await mlp.fit(X, ytr.y, k, mlp.options({}), { seed, threads: 1 });
    const fit = (performance.now() - t) / 1000;
    const pred = argmaxRows(mlp.predictProba(state, transformTable(pipeline, data.test)), k);
    console.log(JSON.stringify({ model: 'netsentinel.mlp', cols: X.cols, fit_s: +fit.toFixed(3), epochs: state.epochsRun, acc: +accuracy(yte.y, pred).toFixed(4), macro_f1: +macroF1(yte.y, pred, k).toFixed(4) }));
    const p = peer('mlp', 200, 2);
    if (p) ratios.push(`mlp fit time / scikit-learn's: ${(fit / p.fit_s).toFixed(3)}`);
  }
  for (const r of ratios) console.log(r);
}

await main();
