/**
 * How often the beaconing rule reports random arrivals, and how soon it finds timers with jitter:
 * `node dist/bench/beaconing-study.js [pairs] [connections]` (defaults 16,000 random pairs a kind and
 * a tenth as many timers, 300 connections each: the study quoted in src/detect/beaconing.ts and
 * docs/architecture.md). Seeded: the same figures on every run. BENCH_BEACONING='{"sleepJitter":0}'
 * runs it with other settings (that one: the steady test alone, as before jittered beacons were looked for).
 *
 * Prints, per kind, the pairs reported, how many by the jittered test, and the median connections
 * a found timer took to be reported. CPU seconds at the end (the rule alone, all kinds).
 */
import { beaconVerdict, randomArrivals, timerArrivals, type RandomKind, type TimerShape } from '../testing/beacon-arrivals.js';
import { Rng } from '../util/rng.js';
import { thousands } from '../util/thousands.js';

const pairs = Number(process.argv[2] ?? 16000);
const connections = Number(process.argv[3] ?? 300);
const config = process.env.BENCH_BEACONING ? JSON.parse(process.env.BENCH_BEACONING) : {};
const RANDOM: readonly RandomKind[] = ['poisson', 'lognormal', 'lognormal-0.5', 'bursts', 'sessions'];
const TIMERS: [string, TimerShape][] = [];
for (const jitter of [0, 0.1, 0.2, 0.3, 0.4]) TIMERS.push([`uniform ±${jitter * 100}%`, { jitterKind: 'uniform', period: 60, jitter, missed: 0.05, extra: 0.05 }]);
for (const jitter of [0.1, 0.2, 0.3, 0.4]) TIMERS.push([`normal ±${jitter * 100}% (2 sd)`, { jitterKind: 'normal', period: 60, jitter, missed: 0.05, extra: 0.05 }]);
for (const jitter of [0.2, 0.5]) TIMERS.push([`sleep 60 ${jitter * 100}`, { jitterKind: 'sleep', period: 60, jitter, missed: 0.05, extra: 0.05 }]);
TIMERS.push(['uniform ±30%, 15% missed, 15% extra', { jitterKind: 'uniform', period: 60, jitter: 0.3, missed: 0.15, extra: 0.15 }]);

const c0 = process.cpuUsage();
console.log(`${thousands(pairs)} random pairs a kind, ${thousands(Math.ceil(pairs / 10))} timers a kind (5% of beats missed, 5% with an extra connection), ${connections} connections each; beaconing ${JSON.stringify(config)}`);
const rng = new Rng(2026);
const row = (name: string, n: number, v: ReturnType<typeof beaconVerdict>): void =>
  console.log(`  ${name.padEnd(38)} reported ${thousands(v.reported).padStart(6)} of ${thousands(n).padStart(6)} (jittered test ${thousands(v.jittered)})${v.medianConnectionsToFind === null ? '' : `, median ${v.medianConnectionsToFind} connections to find`}`);
for (const kind of RANDOM) row(kind, pairs, beaconVerdict(Array.from({ length: pairs }, () => randomArrivals(kind, connections, rng)), config));
for (const [name, shape] of TIMERS) {
  const n = Math.ceil(pairs / 10);
  row(name, n, beaconVerdict(Array.from({ length: n }, () => timerArrivals(shape, connections, rng)), config));
}
const cpu = process.cpuUsage(c0);
console.log(`CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (generating the arrivals included)`);
