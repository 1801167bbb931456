"""The peer for rules-throughput.ts: the same behavioural rules written the way an analyst would in
pandas (the seed's own approach: `df.groupby("Src IP")["Dst Port"].nunique() > 10`), with tumbling
windows, since pandas has no streaming sliding windows or leaky buckets.

Reads the raw columns rules-throughput.ts dumps (little-endian int32/float64 files), times only the
rule computations (not the loading), prints one JSON line. Approximate by design: tumbling windows
miss bursts that straddle a boundary, and it keeps the whole input in memory.

usage: /usr/bin/python3 src/bench/rules-throughput-peer.py DUMP_DIR
"""
import json, sys, time
import numpy as np, pandas as pd

D = sys.argv[1]
col = lambda name, dt: np.fromfile(f"{D}/{name}.bin", dtype=dt)
df = pd.DataFrame({
    "src": col("src", "<i4"), "dst": col("dst", "<i4"), "dport": col("dport", "<f8"), "proto": col("proto", "<f8"),
    "t": col("time", "<f8"), "dur": col("dur", "<f8"), "fpk": col("fwdPackets", "<f8"), "fby": col("fwdBytes", "<f8"),
    "bby": col("bwdBytes", "<f8"), "syn": col("syn", "<f8"),
})
AUTH = [21, 22, 23, 25, 110, 143, 445, 465, 587, 993, 995, 1433, 1521, 2222, 3306, 3389, 5432, 5900, 6379]

t0, c0 = time.perf_counter(), time.process_time()
df = df.sort_values("t", kind="stable")
m60 = (df.t // 60000).astype("int64")
m10 = (df.t // 10000).astype("int64")
failed = (df.fby == 0) & (df.bby == 0)
ports = df.proto.isin([6, 17])
vertical = df[ports].groupby([df.src[ports], df.dst[ports], m60[ports]]).dport.nunique()
sweep_rows = ports & failed
sweep = df[sweep_rows].groupby([df.src[sweep_rows], df.dport[sweep_rows], df.proto[sweep_rows], m60[sweep_rows]]).dst.nunique()
auth = df.dport.isin(AUTH) & (df.dur <= 30)
brute = df[auth].groupby([df.src[auth], df.dst[auth], df.dport[auth], m60[auth]]).size()
w = np.where(failed & (df.syn > 0), 3.0, 1.0)
conn_src = pd.Series(w, index=df.index).groupby([df.src, m10]).sum()
conn_dst = pd.Series(w, index=df.index).groupby([df.dst, m10]).sum()
small = (df.fby / df.fpk) <= 100
pk = df.fpk.where(small, 0.0)
pk_src = pk.groupby([df.src, m10]).sum()
pk_dst = pk.groupby([df.dst, m10]).sum()
found = dict(
    vertical=int((vertical > 10).sum()), sweep=int((sweep > 20).sum()), brute=int((brute > 20).sum()),
    flood_src=int((conn_src > 1000).sum()), flood_dst=int((conn_dst > 5000).sum()),
    packets_src=int((pk_src > 100000).sum()), packets_dst=int((pk_dst > 500000).sum()),
)
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps(dict(peer="pandas groupby, tumbling windows", rows=len(df), seconds=round(elapsed, 3), cpuSeconds=round(cpu, 3), found=found)))
