/**
 * A message the worker's model cannot score (flows of other columns than the baseline's: a
 * baseline fitted on another data set, a publisher of another format) is rejected like an
 * undecodable one: said on stderr with the message and the model's complaint, counted
 * (`rejected`), terminated, and the worker goes on with the next message. Before, the scoring error
 * escaped the message handler as if the pull had failed: "pulling again" every ack-wait with
 * the same message, forever, /readyz still 200 and nothing counted, and each redelivery fed the
 * message's flows to the rules once more.
 * A private nats-server (tests must not use the machine's) and a SQLite store in a scratch folder.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { hasProgram } from '../testing/programs.js';
import { NATS_SERVER, startPrivateNats } from '../testing/nats-server.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const inCi = process.env.CI === 'true';
const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'Heartbleed_11.csv') || (!hasProgram(NATS_SERVER) && !inCi ? 'nats-server is not installed (a private server is started)' : false);

const tmp = mkdtempSync(join(tmpdir(), 'ns-stream-unscorable-'));
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

test('stream: messages whose flows the baseline cannot score are rejected (said, counted, terminated), not pulled again forever', { skip, timeout: 120_000 }, async () => {
  const nats = await startPrivateNats(join(tmp, 'nats'));
  cleanups.push(() => nats.kill());
  const env = { ...process.env, NETSENTINEL_NATS_URL: nats.url };
  // a baseline of two columns no CIC-IDS2017 flow has
  const other = join(tmp, 'other.csv');
  writeFileSync(other, 'alpha,beta\n' + Array.from({ length: 200 }, (_, i) => `${i % 17},${(i * 7) % 13}`).join('\n') + '\n');
  const baseline = join(tmp, 'other.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([other], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));

  const pub = spawnSync(process.execPath, [CLI, 'publish', sharedPath('datasets', 'cicids2017-sample', 'Heartbleed_11.csv') as string, '--stream', 'UNSCORABLE', '--message-flows', '4', '--json', '-q'], { encoding: 'utf8', env });
  assert.equal(pub.status, 0, pub.stderr);
  const messages = (JSON.parse(pub.stdout) as { messages: number }).messages;
  assert.equal(messages, 3);

  const child = spawn(process.execPath, [CLI, 'stream', '--stream', 'UNSCORABLE', '--baseline', baseline, '--store', join(tmp, 'alerts.db'), '--ack-wait', '2', '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<number | null>((r) => child.on('close', r));
  // every message said once, then quiet (a message pulled again would come back after --ack-wait)
  const end = Date.now() + 30_000;
  while ((err.match(/rejected unscorable\.flows\.0#/g) ?? []).length < messages && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 4_000));
  child.kill('SIGTERM');
  const code = await done;
  assert.equal(code, 0, err);
  assert.doesNotMatch(err, /pulling again/);
  const said = err.match(/rejected unscorable\.flows\.0#\d+: [^\n]*/g) ?? [];
  assert.equal(said.length, messages, err);
  assert.match(said[0]!, /Heartbleed_11\.csv: the baseline needs columns "alpha" and "beta", which this input lacks/);
  const stats = JSON.parse(out) as { rejected: number; messages: number; flows: number; redelivered: number };
  assert.equal(stats.rejected, messages);
  assert.equal(stats.messages, 0);
  assert.equal(stats.redelivered, 0, 'a rejected message is terminated, not delivered again');
});
