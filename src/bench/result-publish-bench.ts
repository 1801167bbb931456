/**
 * CPU of publishing a stream worker's results alone (issue 13: with results on, publishing took
 * about a quarter of a worker's CPU): N alerts made into messages (the worker's own text and
 * message ids, `resultMessages`, in the timing: what goes into a message differs between builds)
 * and published to JetStream in commits of G alerts, as `commitMany` does, by
 * this build's ResultPublisher and, given `--against OTHER/dist`, by that build's publisher
 * (`publishWindowed` over `js.publish` in builds before the ResultPublisher), alternating which
 * goes first, in the same process against the same private nats-server (started here, JetStream
 * on, its store in a temporary folder; never the machine's own). Each round publishes to a fresh
 * stream and checks it then holds exactly N messages. Prints, per build, the median over rounds
 * (the first round warms up and is not counted) of this process's CPU µs per result and the
 * nats-server's.
 *
 *   node dist/bench/result-publish-bench.js [N] [G] [rounds] [--against OTHER/dist]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeAlert, type Alert } from '../analysis/alerts.js';
import { openBus, type Bus } from '../stream/nats-bus.js';
import { startPrivateNats } from '../testing/nats-server.js';

interface Publishing {
  readonly name: string;
  /** make the messages of every group of alerts and publish them, one commit after another */
  run(bus: Bus, prefix: string, groups: readonly (readonly Alert[])[]): Promise<void>;
}

async function publishingOf(dist: string, name: string): Promise<Publishing> {
  const m = await import(join(dist, 'stream/result-publisher.js'));
  if (typeof m.ResultPublisher === 'function') {
    return {
      name,
      async run(bus, prefix, groups) {
        const pub = new m.ResultPublisher(bus.nc);
        for (const g of groups) {
          const messages = m.resultMessages(prefix, g, []);
          await pub.publish(messages, new Uint8Array(messages.length));
        }
        pub.close();
      },
    };
  }
  return {
    name,
    async run(bus, prefix, groups) {
      for (const g of groups) {
        const messages = m.resultMessages(prefix, g, []);
        await m.publishWindowed(bus.js, messages, new Uint8Array(messages.length));
      }
    },
  };
}

function cpuOfPid(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ai = args.indexOf('--against');
  const against = ai >= 0 ? resolve(args[ai + 1]) : undefined;
  if (ai >= 0) args.splice(ai, 2);
  const n = Number(args[0] ?? 20000);
  const g = Number(args[1] ?? 1000);
  const rounds = Number(args[2] ?? 5);
  const here = fileURLToPath(new URL('..', import.meta.url));
  const builds = [await publishingOf(here, 'this build')];
  if (against) builds.push(await publishingOf(against, `--against ${against}`));

  const tmp = mkdtempSync(join(tmpdir(), 'ns-result-bench-'));
  const nats = await startPrivateNats(join(tmp, 'nats'));
  const bus = await openBus(nats.url, 'bench');
  try {
    const alerts = Array.from({ length: n }, (_, i) =>
      makeAlert(
        {
          timeMs: 1499443200000 + i * 1.25,
          srcIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
          srcPort: 40000 + (i % 20000),
          destIp: '192.168.10.50',
          destPort: 80,
          proto: 6,
          signature: 'netsentinel: risky flow',
          source: 'risk:flow',
          category: 'Anomalous traffic',
          severity: 1 + (i % 3),
          netsentinel: { risk: 0.999, z: 4.75, reasons: ['Flow Bytes/s high', 'Fwd Packet Length Max high'], detectors: { iforest: 0.99 }, file: 'bench.csv', line: i + 2 },
        },
        `bench.csv:${i}`,
        1_700_000_000_000,
      ),
    );
    const cpu: Record<string, { self: number[]; server: number[] }> = {};
    for (const b of builds) cpu[b.name] = { self: [], server: [] };
    let stream = 0;
    for (let r = 0; r <= rounds; r++) {
      const order = r % 2 ? [...builds].reverse() : builds;
      for (const b of order) {
        const name = `RB${++stream}`;
        const prefix = `rb${stream}`;
        await bus.jsm.streams.add({ name, subjects: [`${prefix}.alerts`, `${prefix}.findings`] });
        const groups: Alert[][] = [];
        for (let i = 0; i < alerts.length; i += g) groups.push(alerts.slice(i, i + g));
        const s0 = process.cpuUsage();
        const n0 = cpuOfPid(nats.pid);
        await b.run(bus, prefix, groups);
        const s1 = process.cpuUsage(s0);
        const n1 = cpuOfPid(nats.pid);
        const held = (await bus.jsm.streams.info(name)).state.messages;
        if (held !== n) throw new Error(`${b.name}: the stream holds ${held} messages, not ${n}`);
        await bus.jsm.streams.delete(name);
        if (r === 0) continue;
        cpu[b.name].self.push(((s1.user + s1.system) / n));
        cpu[b.name].server.push(((n1 - n0) * 1e6) / n);
        process.stderr.write(`round ${r} ${b.name}: ${((s1.user + s1.system) / n).toFixed(2)} µs/result here, ${(((n1 - n0) * 1e6) / n).toFixed(2)} µs/result nats-server\n`);
      }
    }
    process.stdout.write(`${n} results in commits of ${g}, median of ${rounds} rounds, CPU µs per result:\n`);
    for (const b of builds) process.stdout.write(`  ${b.name}: publisher ${median(cpu[b.name].self).toFixed(2)}, nats-server ${median(cpu[b.name].server).toFixed(2)}\n`);
    if (builds.length === 2) process.stdout.write(`  publisher CPU this/other: ${(median(cpu[builds[0].name].self) / median(cpu[builds[1].name].self)).toFixed(3)}\n`);
  } finally {
    await bus.close();
    await nats.kill();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
