"""The peer of the service's batch row (service-bench.ts, POST /v1/predict): seed 004's model
(scikit-learn GradientBoostingClassifier, 100 rounds, OrdinalEncoder for the three categories, as
../shared/peers/seed004_flask_classify.py builds it) scoring the very JSON lines file the bench
sends to netsentinel, in batches the straightforward way: json.loads per line, a NumPy matrix,
predict_proba, one answer line per record ({"line":N,"prediction":...,"probability":...}).
No HTTP: the peer's figure is its scoring alone, which only flatters it.

usage: /usr/bin/python3 src/bench/batch_predict_peer.py NSL_DIR FLOWS.jsonl MAX_FLOWS
prints one JSON line: flows, cpu_s, wall_s, flows_per_cpu_s
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.preprocessing import OrdinalEncoder

D, FILE, MAX = sys.argv[1], sys.argv[2], int(sys.argv[3])
NAMES = ("duration protocol service flag srcbytes dstbytes land wrongfragment urgent hot numfailedlogins loggedin "
         "numcompromised rootshell suattempted numroot numfilecreations numshells numaccessfiles numoutboundcmds "
         "ishostlogin isguestlogin count srvcount serrorrate srvserrorrate rerrorrate srvrerrorrate samesrvrate "
         "diffsrvrate srvdiffhostrate dsthostcount dsthostsrvcount dsthostsamesrvrate dsthostdiffsrvrate "
         "dsthostsamesrcportrate dsthostsrvdiffhostrate dsthostserrorrate dsthostsrvserrorrate dsthostrerrorrate "
         "dsthostsrvrerrorrate").split() + ["attack", "level"]
FEAT = ("duration srcbytes dstbytes land wrongfragment urgent hot numfailedlogins loggedin numcompromised rootshell "
        "suattempted numfilecreations numshells numaccessfiles ishostlogin count srvcount serrorrate rerrorrate "
        "samesrvrate diffsrvrate srvdiffhostrate dsthostcount dsthostsrvcount dsthostdiffsrvrate "
        "dsthostsamesrcportrate dsthostsrvdiffhostrate").split()
CAT = ["protocol", "service", "flag"]
FAM = {}
for n in "back land neptune pod smurf teardrop apache2 mailbomb processtable udpstorm worm".split(): FAM[n] = "DoS"
for n in "ipsweep nmap portsweep satan mscan saint".split(): FAM[n] = "Probe"
for n in "ftp_write guess_passwd imap multihop phf spy warezclient warezmaster sendmail named snmpgetattack snmpguess xlock xsnoop httptunnel".split(): FAM[n] = "R2L"
for n in "buffer_overflow loadmodule perl rootkit ps sqlattack xterm".split(): FAM[n] = "U2R"
FAM["normal"] = "Normal"
tr = pd.read_csv(D + "/KDDTrain+_20Percent.txt", names=NAMES)
enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(tr[CAT])
model = GradientBoostingClassifier(n_estimators=100, random_state=0).fit(np.hstack([tr[FEAT].values, enc.transform(tr[CAT])]), tr.attack.map(FAM))
classes = [str(c) for c in model.classes_]

BATCH = 8192
c0, w0 = time.process_time(), time.perf_counter()
n = 0
out = bytearray()
with open(FILE, "rb") as f:
    while n < MAX:
        recs = []
        for line in f:
            recs.append(json.loads(line))
            if len(recs) == BATCH or n + len(recs) == MAX:
                break
        if not recs:
            break
        X = np.array([[r[k] for k in FEAT] for r in recs], dtype=np.float64)
        C = enc.transform(pd.DataFrame([[r[c] for c in CAT] for r in recs], columns=CAT))
        P = model.predict_proba(np.hstack([X, C]))
        best = P.argmax(axis=1)
        for i in range(len(recs)):
            out += ('{"line":%d,"prediction":%s,"probability":%s}\n' % (n + i + 1, json.dumps(classes[best[i]]), round(float(P[i, best[i]]), 6))).encode()
        n += len(recs)
        out.clear()
cpu, wall = time.process_time() - c0, time.perf_counter() - w0
print(json.dumps({"flows": n, "cpu_s": round(cpu, 3), "wall_s": round(wall, 3), "flows_per_cpu_s": round(n / cpu)}))
