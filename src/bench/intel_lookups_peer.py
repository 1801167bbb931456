"""The peer for intel-lookups.ts: IP feed matching written the straightforward way in Python.

Each feed line is parsed with the standard library's ipaddress.ip_network (comments, Spamhaus
"; SBL" notes and CSV headers skipped as our reader does); networks are kept per (version, prefix
length) as sorted lists of integer network addresses. A lookup parses the address with
ipaddress.ip_address, masks it to every prefix length present and bisects that length's list,
counting every listing (duplicates included), which is what netsentinel's count() returns.

usage: /usr/bin/python3 src/bench/intel_lookups_peer.py QUERIES FEED...
prints one JSON line: load_s, load_cpu_s, lookup_s, listings_found
"""
import bisect
import csv
import ipaddress
import json
import sys
import time


def tokens(path):
    with open(path, encoding="utf-8") as f:
        if path.endswith(".csv"):
            rows = csv.reader(line for line in f if not line.startswith("#"))
            header = [h.strip().lower() for h in next(rows)]
            col = header.index("ip")
            for row in rows:
                if row:
                    yield row[col]
            return
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            yield line.split(";")[0].split("#")[0].strip()


def main():
    queries_file, feeds = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter()
    c0 = time.process_time()
    by_len = {}
    for path in feeds:
        for tok in tokens(path):
            net = ipaddress.ip_network(tok, strict=False)
            by_len.setdefault((net.version, net.prefixlen), []).append(int(net.network_address))
    for lst in by_len.values():
        lst.sort()
    lengths = {4: [], 6: []}
    for (v, p), lst in by_len.items():
        bits = 32 if v == 4 else 128
        mask = ((1 << bits) - 1) ^ ((1 << (bits - p)) - 1)
        lengths[v].append((mask, lst))
    load_s = time.perf_counter() - t0
    load_cpu_s = time.process_time() - c0

    with open(queries_file, encoding="utf-8") as f:
        queries = [q.strip() for q in f if q.strip()]
    t1 = time.perf_counter()
    found = 0
    for q in queries:
        a = ipaddress.ip_address(q)
        x = int(a)
        for mask, lst in lengths[a.version]:
            k = x & mask
            i = bisect.bisect_left(lst, k)
            while i < len(lst) and lst[i] == k:
                found += 1
                i += 1
    lookup_s = time.perf_counter() - t1
    print(json.dumps({"load_s": load_s, "load_cpu_s": load_cpu_s, "lookup_s": lookup_s, "listings_found": found}))


main()
