/**
 * V8 settings of the netsentinel process, set when main.ts starts (this module is its first import,
 * so they hold before any of our code runs hot, and in every worker thread, since V8's flags are
 * per process).
 *
 * Halving TurboFan's cumulative inlining budget (920 → 460 bytes of inlined bytecode per optimised
 * function). On `analyze` of a capture, V8's background threads spend ~1 CPU s of 3.3 compiling
 * optimised code (406 functions on /tmp/pk3/ordinary.pcap; --no-concurrent-recompilation moves
 * that second onto the main thread), and how much a function inlines is most of what its compile
 * costs. With half the budget the small callees are still inlined, the large chains are not:
 * CPU (user+sys of the process, all threads) medians, default vs this flag, runs alternated on a
 * shared 2-core machine (December 2026, Node 20.20):
 *   analyze ordinary.pcap (1.0 M packets, 40k flows)   3.30 → 3.17 s  (8 runs each, the build before
 *                                                       vs this one; 3.84 → 3.70 s in 6 more, the
 *                                                       flag given to node, under heavy load)
 *   analyze replay.pcap (1.0 M packets, 236k flows)     7.23 → 6.80 s  (4 runs; 8.42 → 8.01 s in 4 more)
 *   analyze the CIC-IDS2017 sample folder (self-fit)   18.23 → 18.13 s (3 runs: no change)
 *   train (gradient boosting, the CIC sample)          10.32 → 10.34 s (4 runs: no change)
 *   baseline-scoring bench, µs of CPU per flow of the whole scorer, batches of 1,000 / all:
 *                                                       8.59 / 8.08 → 8.45 / 7.96 (2 runs: no change)
 * Outputs, and trained models, are byte-identical (inlining never changes what JavaScript computes).
 * Tried and not taken: --no-turbo-inlining (analyze of ordinary.pcap -4 to -7 %, but train +16 %),
 * --max-inlined-bytecode-size=60 with cumulative 300 (train +6 %), cumulative 230 (analyze of the
 * captures -4 to -7 % beside the default, train and the CIC folder unchanged, but the whole scorer of
 * the baseline-scoring bench +3 % per flow in batches of 1,000 and +9 % in one batch: the stream
 * worker's hot path), --interrupt-budget doubled, --maglev, --single-threaded and --single-threaded-gc
 * with two CPUs (with one, --single-threaded is taken: bin/netsentinel),
 * --min-semi-space-size=16 or --max-semi-space-size=32 (no gain, or slower). Set here at run time
 * rather than on a node command line: `netsentinel` is started by its bin script, and the flag,
 * read by each optimising compile, takes effect when set this way (--trace-turbo-inlining on
 * ordinary.pcap: 841 inlinings by default, 551 with the flag given to node, 566 with it set here).
 *
 * Four times V8's interrupt budget (67,584 → 270,336 bytes of bytecode run before a function is
 * considered for TurboFan): a short run no longer pays for optimising code it is about to stop
 * running. `analyze` of a small capture (10,000 packets) optimised 87 functions, 40 with it, and a
 * third of its CPU was TurboFan's (node --no-opt: 0.66 → 0.56 s; but --no-opt on 100,000 packets:
 * 1.38 → 1.89 s). The functions a long run spends its time in still reach the budget within
 * milliseconds. CPU medians, node's default vs the flag given to node, alternated on the shared
 * 2-core machine under heavy load (December 2026):
 *   analyze small.pcap (10k packets)          0.68 → 0.61 s (5 runs; 8× the budget: 0.60)
 *   analyze 30k packets (22 MB)               0.97 → 0.88 s (5 runs; 8×: 0.89)
 *   analyze 100k packets (74 MB)              1.38 → 1.21 s (5 runs; 8×: 1.22)
 *   analyze ordinary.pcap (1.0 M packets)     3.24 → 3.28 s (5 runs: no change; 8×: 3.26)
 * and set here, the build before vs this one: small.pcap 0.70 → 0.62 s (9 runs), 100k packets
 * 1.33 → 1.20 s (5 runs), ordinary.pcap 3.44 → 3.30 s (5 runs).
 *
 * Twice the budget, not four times, when V8 runs single-threaded (bin/netsentinel gives Node
 * --single-threaded where the process may use one CPU only; why there: that script). Compiles then
 * happen in place, so a hot loop optimised later is time lost on the one core rather than on a
 * helper thread's, and an earlier compile pays sooner. Wall medians of `analyze`, confined to one
 * CPU with taskset, single-threaded, budgets alternated (December 2026, Node 20.20):
 *   budget ×               1        2        3        4
 *   ordinary.pcap       2.100    2.030    2.080    2.110 s  (5 runs each)
 *   replay.pcap         4.940    4.860        -    4.900 s  (3 runs each)
 *   small.pcap          0.580    0.580        -    0.550 s  (5 runs each)
 * (with the inlining budget at 230, 460 or 920 beside ×2: 2.115, 2.080, 2.060 s; kept at 460).
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--max-inlined-bytecode-size-cumulative=460');
const singleThreaded = process.execArgv.includes('--single-threaded');
setFlagsFromString(`--interrupt-budget=${(singleThreaded ? 2 : 4) * 67584}`);
