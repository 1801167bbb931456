/**
 * Messages the worker's model cannot score (flows of other columns than the baseline's):
 *  - one such message among others (a publisher of another format, once) is rejected like an
 *    undecodable one: said on stderr with the message and the model's complaint, counted
 *    (`rejected`), terminated, and the worker goes on with the next message. Before, the scoring
 *    error escaped the message handler as if the pull had failed: "pulling again" every ack-wait
 *    with the same message, forever, /readyz still 200 and nothing counted;
 *  - a stream of them (a baseline fitted on another data set) ends the worker (exit 2) with one
 *    line naming the columns missing, the message left unacknowledged: a worker with the right
 *    baseline then scores every message. Before, the worker rejected (and so lost) every message,
 *    one stderr line each, for as long as it ran.
 * A private nats-server (tests must not use the machine's) and a SQLite store in a scratch folder.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { hasProgram } from '../testing/programs.js';
import { NATS_SERVER, startPrivateNats } from '../testing/nats-server.js';
import { readDataset } from '../sources/read-dataset.js';
import { streamUntil } from '../testing/stream-workers.js';
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

let otherBaseline: string | undefined;
/** a baseline of two columns no CIC-IDS2017 flow has */
async function other(): Promise<string> {
  if (otherBaseline) return otherBaseline;
  const csv = join(tmp, 'other.csv');
  writeFileSync(csv, 'alpha,beta\n' + Array.from({ length: 200 }, (_, i) => `${i % 17},${(i * 7) % 13}`).join('\n') + '\n');
  otherBaseline = join(tmp, 'other.nsb');
  await saveBaseline(otherBaseline, await fitBaseline(await readDataset([csv], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  return otherBaseline;
}

let cicBaseline: string | undefined;
async function benign(): Promise<string> {
  if (cicBaseline) return cicBaseline;
  cicBaseline = join(tmp, 'benign.nsb');
  await saveBaseline(cicBaseline, await fitBaseline(await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  return cicBaseline;
}

let natsUrl: Promise<string> | undefined;
function nats(): Promise<string> {
  natsUrl ??= startPrivateNats(join(tmp, 'nats')).then((n) => {
    cleanups.push(() => n.kill());
    return n.url;
  });
  return natsUrl;
}

function publish(env: NodeJS.ProcessEnv, stream: string, file: string, messageFlows: number): number {
  const pub = spawnSync(process.execPath, [CLI, 'publish', file, '--stream', stream, '--message-flows', String(messageFlows), '--json', '-q'], { encoding: 'utf8', env });
  assert.equal(pub.status, 0, pub.stderr);
  return (JSON.parse(pub.stdout) as { messages: number }).messages;
}

interface Stats {
  rejected: number;
  messages: number;
  flows: number;
  redelivered: number;
}

/** `stream` until it exits, or until `until(stderr)` holds and 4 s more have passed (a message pulled again would come back after --ack-wait) */
const runStream = (env: NodeJS.ProcessEnv, args: string[], until: (err: string) => boolean): ReturnType<typeof streamUntil> => streamUntil(args, env, until, 4_000);

test('stream: a message whose flows the baseline cannot score is rejected (said, counted, terminated), not pulled again forever; the others are scored', { skip, timeout: 120_000 }, async () => {
  const env = { ...process.env, NETSENTINEL_NATS_URL: await nats() };
  const heartbleed = sharedPath('datasets', 'cicids2017-sample', 'Heartbleed_11.csv') as string;
  const otherCsv = (await other(), join(tmp, 'other.csv'));
  // 3 messages of CIC flows, 1 of another data set's columns, 4 of CIC flows again
  assert.equal(publish(env, 'UNSCORABLE', heartbleed, 4), 3);
  assert.equal(publish(env, 'UNSCORABLE', otherCsv, 1000), 1);
  assert.equal(publish(env, 'UNSCORABLE', sharedPath('datasets', 'cicids2017-sample', 'Web_Attack_-_SQL_Injection_13.csv') as string, 4), 4);

  const r = await runStream(env, ['--stream', 'UNSCORABLE', '--baseline', await benign(), '--store', join(tmp, 'alerts.db')], (err) => /rejected unscorable\.flows\.0#4/.test(err));
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.err, /pulling again/);
  const said = r.err.match(/rejected unscorable\.flows\.0#\d+: [^\n]*/g) ?? [];
  assert.equal(said.length, 1, r.err);
  assert.match(said[0]!, /^rejected unscorable\.flows\.0#4: .*other\.csv: the baseline needs column "Dst Port" and \d+ more, which this input lacks/);
  const stats = JSON.parse(r.out) as Stats;
  assert.equal(stats.rejected, 1);
  assert.equal(stats.messages, 7);
  assert.equal(stats.flows, 24);
  assert.equal(stats.redelivered, 0, 'a rejected message is terminated, not delivered again');
});

test("stream: a baseline of other columns than every message's ends the worker with one line naming them; the messages wait for the right baseline", { skip, timeout: 120_000 }, async () => {
  const env = { ...process.env, NETSENTINEL_NATS_URL: await nats() };
  const messages = publish(env, 'FOREIGN', sharedPath('datasets', 'cicids2017-sample', 'Heartbleed_11.csv') as string, 2);
  assert.equal(messages, 6);
  const store = join(tmp, 'foreign.db');

  const wrong = await runStream(env, ['--stream', 'FOREIGN', '--baseline', await other(), '--store', store], () => false);
  assert.equal(wrong.code, 2, wrong.err);
  const lines = wrong.err.trim().split('\n').filter((l) => !/^netsentinel: stream: consuming /.test(l));
  assert.equal(lines.length, 1, wrong.err);
  assert.match(lines[0]!, /^netsentinel: stream: foreign\.flows\.0#1 and the 2 after it have none of the 2 columns the baseline needs: missing "alpha", "beta" \(the messages have "Dst Port", "Protocol", .*\)\. Was --baseline made from another data set than the stream's\?/);
  assert.doesNotMatch(wrong.err, /rejected/);

  // nothing was lost: the right baseline scores every message (the first after its ack wait)
  const right = await runStream(env, ['--stream', 'FOREIGN', '--baseline', await benign(), '--store', store], (err) => /11 flows in 6 messages/.test(err));
  assert.equal(right.code, 0, right.err);
  const stats = JSON.parse(right.out) as Stats;
  assert.equal(stats.messages, messages);
  assert.equal(stats.flows, 11);
  assert.equal(stats.rejected, 0);
});
