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
 * CPU (user+sys of the process) medians, old vs this flag, alternated on a shared 2-core machine:
 *   analyze ordinary.pcap (1.0 M packets, 40k flows)   3.84 → 3.70 s  (6 runs each)
 *   analyze replay.pcap (1.0 M packets, 236k flows)     XR
 *   analyze the CIC-IDS2017 sample folder (self-fit)    XC
 *   train (gradient boosting, the CIC sample)          10.32 → 10.34 s (4 runs each: no change)
 *   baseline-scoring bench, µs per flow (whole scorer)  XS
 * Tried and not taken: --no-turbo-inlining (analyze -4 to -7 %, but train +12 to +16 %),
 * --max-inlined-bytecode-size=60 with cumulative 300 (train slower), a larger --interrupt-budget,
 * --maglev, --single-threaded(-gc), bigger semi-spaces (no gain or slower). Set here at run time
 * rather than on a node command line: `netsentinel` is started by its bin script, and the flag,
 * read by each optimising compile, takes effect when set this way (checked with
 * --trace-turbo-inlining, and by the same CPU as the command-line flag).
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--max-inlined-bytecode-size-cumulative=460');
