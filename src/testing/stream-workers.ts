/**
 * For tests that run `netsentinel stream` workers against the real NATS JetStream (127.0.0.1:4222,
 * or NETSENTINEL_NATS_URL: the workers and `publish` started here read it too) and PostgreSQL
 * (127.0.0.1:5432): the skip reason (no dataset, no service outside CI), a stream,
 * a store schema and a scratch folder of the test's own (deleted after the test file), a baseline
 * fitted on CIC-IDS2017 benign flows, `publish` of sample files, workers started in the background
 * with their output gathered, and a wait with a deadline. Never used by the product.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from './shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { openBus, resultsStream, type Bus } from '../stream/nats-bus.js';
import { dropPgSchemas, reachable } from './local-services.js';

export const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const PG_TEST = 'postgres://postgres@127.0.0.1:5432/test';
/** the NATS the tests and the processes they start use (a private server: NETSENTINEL_NATS_URL) */
export const NATS_URL = process.env.NETSENTINEL_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A CIC-IDS2017 sample file under ../shared/datasets/cicids2017-sample. */
export const sample = (f: string): string => sharedPath('datasets', 'cicids2017-sample', f) as string;

export interface Published {
  flows: number;
  messages: number;
}

/** A `netsentinel stream` worker run in the background, its output gathered as it comes. */
export interface StreamWorker {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited(): boolean;
  /** resolves when the process has closed its output */
  readonly done: Promise<{ code: number | null; out: string; err: string }>;
}

export interface StreamTestEnv {
  /** node:test's `skip`: why this machine cannot run the test, or false */
  readonly skip: string | false;
  readonly tmp: string;
  readonly stream: string;
  readonly schema: string;
  readonly storeUrl: string;
  /** the NATS connection, opened once (closed, with the test's streams deleted, after the file) */
  openBus(): Promise<Bus>;
  /** an isolation-forest baseline (seed 7, one thread) fitted on BENIGN_2500.csv, saved in tmp */
  benignBaseline(): Promise<string>;
  /** `netsentinel publish` of sample files to the test's stream */
  publish(files: string[], partitions: number, messageFlows: number): Published;
  /** `netsentinel stream --stream <the test's stream> ...args` in the background */
  startWorker(args: string[]): StreamWorker;
}

/**
 * The environment of one test file: names are the caller's (with its pid in them); registers an
 * `after` hook deleting the stream, its results stream, the schema and the scratch folder.
 * `needs` is the sample file whose absence skips the test.
 */
export async function streamTestEnv(o: { stream: string; schema: string; tmpPrefix: string; needs: string }): Promise<StreamTestEnv> {
  const inCi = process.env.CI === 'true';
  const nats = new URL(NATS_URL);
  const natsUp = await reachable(Number(nats.port || 4222), nats.hostname);
  const pgUp = await reachable(5432);
  const dataSkip = skipWithoutShared('datasets', 'cicids2017-sample', o.needs);
  const skip = dataSkip || (!natsUp && !inCi ? `NATS (JetStream) is not running at ${NATS_URL}` : false) || (!pgUp && !inCi ? 'PostgreSQL is not running on 127.0.0.1:5432' : false);
  const { stream, schema } = o;
  const tmp = mkdtempSync(join(tmpdir(), o.tmpPrefix));
  const storeUrl = `${PG_TEST}?schema=${schema}`;
  let bus: Bus | undefined;

  after(async () => {
    if (bus) {
      for (const n of [stream, resultsStream(stream)]) await bus.jsm.streams.delete(n).catch(() => undefined);
      await bus.close();
    }
    if (pgUp) await dropPgSchemas(schema);
    rmSync(tmp, { recursive: true, force: true });
  });

  return {
    skip,
    tmp,
    stream,
    schema,
    storeUrl,
    async openBus() {
      bus ??= await openBus(NATS_URL, 'test');
      return bus;
    },
    async benignBaseline() {
      const benign = await readDataset([sample('BENIGN_2500.csv')], { warn: () => undefined });
      const file = join(tmp, 'benign.nsb');
      await saveBaseline(file, await fitBaseline(benign, { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
      return file;
    },
    publish(files, partitions, messageFlows) {
      const r = spawnSync(process.execPath, [CLI, 'publish', ...files.map(sample), '--stream', stream, '--partitions', String(partitions), '--message-flows', String(messageFlows), '--json', '-q'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as Published;
    },
    startWorker(args) {
      const child = spawn(process.execPath, [CLI, 'stream', '--stream', stream, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (err += d));
      const done = new Promise<{ code: number | null; out: string; err: string }>((r) => child.on('close', (code) => r({ code, out, err })));
      return { child, stdout: () => out, stderr: () => err, exited: () => child.exitCode !== null, done };
    },
  };
}

/**
 * Polls `probe` every 200 ms until it gives a value (neither undefined nor false) and returns it.
 * Fails when `watch` (a worker that must keep running) has exited, or after `timeoutMs`, with what
 * `said()` returns (the workers' stderr) in the message.
 */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>, o: { said: () => string; watch?: StreamWorker }): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (o.watch?.exited()) throw new Error(`the worker exited (${o.watch.child.exitCode}) while waiting for ${what}; it said: ${o.said()}`);
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the workers said:\n${o.said()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `netsentinel stream ARGS --ack-wait 2 --json` until it exits by itself, or until `done(stderr)`
 * holds (then `graceMs` more: a message not acknowledged comes back after the ack wait) and it is
 * sent SIGTERM; at most 30 s. Its exit code and everything it wrote.
 */
export async function streamUntil(args: readonly string[], env: NodeJS.ProcessEnv, done: (stderr: string) => boolean, graceMs = 0): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [CLI, 'stream', ...args, '--ack-wait', '2', '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const closed = new Promise<number | null>((r) => child.on('close', r));
  const end = Date.now() + 30_000;
  while (!done(err) && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  if (child.exitCode === null && graceMs > 0) await new Promise((r) => setTimeout(r, graceMs));
  child.kill('SIGTERM');
  return { code: await closed, out, err };
}
