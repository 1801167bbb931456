"""Peer measurements for `npm run bench`: scikit-learn, XGBoost and PyTorch (Debian packages) on the
same data as netsentinel, one task per call, one JSON line out. Data preparation follows
../shared/peers/nslkdd.py (one-hot + standard scaling) so figures compare with its README.

usage: /usr/bin/python3 bench/peers.py TASK SHARED_DIR [key=value ...]
"""
import json, resource, sys, time, glob
import numpy as np, pandas as pd

TASK, SHARED = sys.argv[1], sys.argv[2]
ARGS = dict(a.split('=', 1) for a in sys.argv[3:])
out = lambda **k: print(json.dumps(k), flush=True)
def cpu_s():
    """CPU seconds of this process so far, every thread (user + system)."""
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
def rss_mb(): return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

FAM = {}
for n in "back land neptune pod smurf teardrop apache2 mailbomb processtable udpstorm worm".split(): FAM[n] = "DoS"
for n in "ipsweep nmap portsweep satan mscan saint".split(): FAM[n] = "Probe"
for n in "ftp_write guess_passwd imap multihop phf spy warezclient warezmaster sendmail named snmpgetattack snmpguess xlock xsnoop httptunnel".split(): FAM[n] = "R2L"
for n in "buffer_overflow loadmodule perl rootkit ps sqlattack xterm".split(): FAM[n] = "U2R"
FAM["normal"] = "Normal"

def nslkdd():
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    D = f"{SHARED}/datasets/nsl-kdd"
    cols = [f"f{i}" for i in range(41)] + ["label", "difficulty"]
    cat = ["f1", "f2", "f3"]
    tr = pd.read_csv(f"{D}/KDDTrain+_20Percent.txt", names=cols)
    te = pd.read_csv(f"{D}/KDDTest+.txt", names=cols)
    ytr = tr.label.map(FAM).values; yte = te.label.map(FAM).values
    enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(tr[cat])
    num = [c for c in cols[:41] if c not in cat]
    sc = StandardScaler().fit(tr[num])
    X = lambda df: np.hstack([sc.transform(df[num]), enc.transform(df[cat])]).astype(np.float32)
    return X(tr), ytr, X(te), yte, "Normal"

def cic():
    """The CIC-IDS2017 sample with the same stratified 70/30 split netsentinel's bench states (seeded
    by row order: every 10th row of each class from the 4th on; see src/bench/cic-split.ts)."""
    from sklearn.preprocessing import StandardScaler
    D = f"{SHARED}/datasets/cicids2017-sample"
    df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob(D + "/*.csv"))], ignore_index=True)
    test = np.zeros(len(df), bool)
    for lab, idx in df.groupby("Label").indices.items():
        idx = np.sort(idx)
        test[idx[np.arange(len(idx)) % 10 >= 7]] = True
    y = df["Label"].values
    X = df.drop(columns=["id", "Flow ID", "Src IP", "Src Port", "Dst IP", "Timestamp", "Label", "Attempted Category"]).replace([np.inf, -np.inf], np.nan)
    X = X.fillna(X[~test].median()).values.astype(np.float64)
    sc = StandardScaler().fit(X[~test])
    X = sc.transform(X).astype(np.float32)
    return X[~test], y[~test], X[test], y[test], "BENIGN"

def wide():
    """The synthetic wide multi-class set (src/bench/wide-multiclass-data.ts): train/test CSVs written
    by the bench; the three text columns one-hot (unseen values ignored), numbers as they are."""
    from sklearn.preprocessing import OneHotEncoder
    tr = pd.read_csv(ARGS["train"]); te = pd.read_csv(ARGS["test"])
    cat = ["proto", "service", "state"]
    num = [c for c in tr.columns if c not in cat and c != "attack_cat"]
    enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(tr[cat])
    X = lambda df: np.hstack([df[num].values, enc.transform(df[cat])]).astype(np.float32)
    return X(tr), tr.attack_cat.values, X(te), te.attack_cat.values, "Normal"

def data():
    d = ARGS.get("data")
    return cic() if d == "cic" else wide() if d == "wide" else nslkdd()

def balanced_weights(y):
    """scikit-learn's 'balanced' class weights as per-row weights (n / (k * count of the row's class))."""
    from sklearn.utils.class_weight import compute_sample_weight
    return compute_sample_weight("balanced", y)

def supervised(make):
    from sklearn.metrics import accuracy_score, f1_score
    Xtr, ytr, Xte, yte, normal = data()
    m = make(ytr)
    c = cpu_s(); t = time.perf_counter(); m.fit(Xtr, ytr); fit = time.perf_counter() - t; fit_cpu = cpu_s() - c
    t = time.perf_counter(); p = m.predict(Xte); pred = time.perf_counter() - t
    out(task=TASK, fit_s=round(fit, 3), predict_s=round(pred, 3), accuracy=round(accuracy_score(yte, p), 4),
        macro_f1=round(f1_score(yte, p, average="macro"), 4), rows=len(Xte), cols=Xtr.shape[1], fit_cpu_s=round(fit_cpu, 3), rss_mb=rss_mb())

def unsupervised(fit, score):
    from sklearn.metrics import roc_auc_score
    Xtr, ytr, Xte, yte, normal = data()
    Xn = Xtr[ytr == normal]
    t = time.perf_counter(); m = fit(Xn); tf = time.perf_counter() - t
    t = time.perf_counter(); s = score(m, Xte); ts = time.perf_counter() - t
    out(task=TASK, fit_s=round(tf, 3), score_s=round(ts, 3), auc=round(roc_auc_score((yte != normal).astype(int), s), 4), rss_mb=rss_mb())

if TASK == "xgboost":
    import xgboost as xgb
    from sklearn.preprocessing import LabelEncoder
    class X2:
        def __init__(s, y):
            s.le = LabelEncoder().fit(y)
            s.m = xgb.XGBClassifier(n_estimators=int(ARGS.get("trees", 200)), max_depth=int(ARGS.get("depth", 6)), tree_method="hist", n_jobs=2, random_state=42)
        def fit(s, a, y):
            w = balanced_weights(y) if ARGS.get("class_weight") == "balanced" else None
            s.m.fit(a, s.le.transform(y), sample_weight=w); return s
        def predict(s, a): return s.le.inverse_transform(s.m.predict(a))
    supervised(X2)
elif TASK == "sklearn-hgb":
    # scikit-learn's histogram GBDT with XGBoost's budget: same rounds and depth, no early stopping
    from sklearn.ensemble import HistGradientBoostingClassifier
    cw = "balanced" if ARGS.get("class_weight") == "balanced" else None
    supervised(lambda y: HistGradientBoostingClassifier(max_iter=int(ARGS.get("trees", 200)), max_depth=int(ARGS.get("depth", 6)), max_leaf_nodes=None, early_stopping=False, class_weight=cw, random_state=42))
elif TASK == "sklearn-gb":
    from sklearn.ensemble import GradientBoostingClassifier
    supervised(lambda y: GradientBoostingClassifier(n_estimators=100, random_state=42))
elif TASK == "sklearn-rf":
    from sklearn.ensemble import RandomForestClassifier
    supervised(lambda y: RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=42))
elif TASK == "sklearn-lr":
    from sklearn.linear_model import LogisticRegression
    supervised(lambda y: LogisticRegression(max_iter=1000))
elif TASK == "sklearn-dt":
    from sklearn.tree import DecisionTreeClassifier
    supervised(lambda y: DecisionTreeClassifier(random_state=42))
elif TASK == "sklearn-mlp":
    from sklearn.neural_network import MLPClassifier
    supervised(lambda y: MLPClassifier(random_state=42, max_iter=200))
elif TASK == "sklearn-svc":
    from sklearn.svm import SVC
    supervised(lambda y: SVC(probability=True, random_state=42))
elif TASK == "sklearn-linearsvc":
    from sklearn.svm import LinearSVC
    supervised(lambda y: LinearSVC(random_state=42))
elif TASK == "sklearn-bagging":
    from sklearn.ensemble import BaggingClassifier
    from sklearn.tree import DecisionTreeClassifier
    supervised(lambda y: BaggingClassifier(DecisionTreeClassifier(random_state=42), n_estimators=10, random_state=42, n_jobs=2))
elif TASK == "sklearn-voting":
    from sklearn.ensemble import VotingClassifier, RandomForestClassifier, GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    supervised(lambda y: VotingClassifier([("lr", LogisticRegression(max_iter=1000)), ("rf", RandomForestClassifier(100, n_jobs=2, random_state=42)), ("gb", GradientBoostingClassifier(n_estimators=100, random_state=42))], voting="soft"))
elif TASK == "sklearn-lof":
    from sklearn.neighbors import LocalOutlierFactor
    unsupervised(lambda X: LocalOutlierFactor(n_neighbors=20, novelty=True).fit(X), lambda m, X: -m.score_samples(X))
elif TASK == "sklearn-iforest":
    from sklearn.ensemble import IsolationForest
    unsupervised(lambda X: IsolationForest(n_estimators=100, random_state=42, n_jobs=2).fit(X), lambda m, X: -m.score_samples(X))
elif TASK == "sklearn-ocsvm":
    from sklearn.svm import OneClassSVM
    unsupervised(lambda X: OneClassSVM(kernel="rbf", gamma="scale", nu=0.05).fit(X), lambda m, X: -m.score_samples(X))
elif TASK == "torch-autoencoder":
    import torch, torch.nn as nn
    torch.set_num_threads(2); torch.manual_seed(0)
    epochs = int(ARGS.get("epochs", 50))
    def fit(Xn):
        d = Xn.shape[1]
        lo, hi = Xn.min(0), Xn.max(0); rng = np.where(hi - lo > 0, hi - lo, 1)
        mm = lambda a: np.clip((a - lo) / rng, 0, 1).astype(np.float32)
        net = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(),
                            nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, d), nn.Sigmoid())
        opt = torch.optim.Adam(net.parameters(), 1e-3); x = torch.from_numpy(mm(Xn))
        for ep in range(epochs):
            perm = torch.randperm(len(x))
            for i in range(0, len(x), 32):
                b = x[perm[i:i + 32]]; opt.zero_grad(); l = ((net(b) - b) ** 2).mean(); l.backward(); opt.step()
        return net, mm
    def score(m, X):
        net, mm = m
        with torch.no_grad():
            x = torch.from_numpy(mm(X)); return ((net(x) - x) ** 2).mean(1).numpy()
    unsupervised(fit, score)
elif TASK == "sklearn-dbscan":
    from sklearn.preprocessing import StandardScaler
    from sklearn.cluster import DBSCAN
    from sklearn.metrics import silhouette_score
    D = f"{SHARED}/datasets/cicids2017-sample"
    df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob(D + "/*.csv"))], ignore_index=True)
    X = df.drop(columns=["id", "Flow ID", "Src IP", "Dst IP", "Timestamp", "Label", "Attempted Category"]).replace([np.inf, -np.inf], 0).fillna(0)
    X = StandardScaler().fit_transform(X.values.astype(np.float64)).astype(np.float32)
    t = time.perf_counter(); lab = DBSCAN(eps=float(ARGS.get("eps", 0.3)), min_samples=int(ARGS.get("min_samples", 10))).fit_predict(X); td = time.perf_counter() - t
    t = time.perf_counter(); sil = silhouette_score(X, lab) if len(set(lab)) > 1 else None; ts = time.perf_counter() - t
    if "labels_out" in ARGS: np.savetxt(ARGS["labels_out"], lab, fmt="%d")
    out(task=TASK, dbscan_s=round(td, 3), silhouette_s=round(ts, 3), total_s=round(td + ts, 3), clusters=int(lab.max() + 1), noise=int((lab == -1).sum()), silhouette=None if sil is None else float(sil), rss_mb=rss_mb())
else:
    out(task=TASK, error="unknown task")
