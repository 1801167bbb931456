/**
 * A pull answered late (a loaded machine: the server or the worker's event loop behind by more than
 * the pull's expiry) must not strand its message. Made deterministic with a private nats-server
 * behind a proxy that holds the server's bytes back for 2 s: nats.js's fetch as the worker called
 * it before gives the pull up ("heartbeats missed") at about its 1 s expiry while the server has
 * already delivered the message to the inbox the client then leaves — unacknowledged, so with
 * max_ack_pending 1 the consumer waits ack_wait for its redelivery. With lengthenPullSilence (what
 * the worker now does to every pull) the same late answer is received.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { hasProgram } from '../testing/programs.js';
import { NATS_SERVER, startPrivateNats, type PrivateNats } from '../testing/nats-server.js';
import { lengthenPullSilence, PULL_SILENCE_MS } from './stream-worker.js';

const skip = !hasProgram(NATS_SERVER) && !process.env.CI ? 'nats-server is not installed (needed for a private server behind a delaying proxy)' : false;

/** A proxy whose server-to-client bytes can be held back (in order) by `delayMs`. */
async function delayingProxy(port: number): Promise<{ port: number; delayMs: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const state = { port: 0, delayMs: 0, close: async (): Promise<void> => {} };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port });
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    let last = Promise.resolve();
    upstream.on('data', (chunk: Buffer) => {
      const wait = state.delayMs;
      last = last.then(() => new Promise<void>((r) => setTimeout(r, wait))).then(() => {
        if (!client.destroyed) client.write(chunk);
      });
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return state;
}

test('a pull answered 2 s late: given up and its message stranded before, received now', { skip, timeout: 60_000 }, async () => {
  assert.ok(PULL_SILENCE_MS > 2000 + 500, 'the silence budget outlasts the injected delay');
  const dir = mkdtempSync(join(tmpdir(), 'ns-pull-silence-'));
  let nats: PrivateNats | undefined;
  let proxy: Awaited<ReturnType<typeof delayingProxy>> | undefined;
  after(async () => {
    await proxy?.close();
    await nats?.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  nats = await startPrivateNats(join(dir, 'store'));
  proxy = await delayingProxy(nats.port);
  const nc = await connect({ servers: `nats://127.0.0.1:${proxy.port}`, noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await jsm.streams.add({ name: 'PS', subjects: ['ps.>'] });
    await js.publish('ps.flows.0', 'one');
    // as the worker's consumers: one message unacknowledged at a time, the default ack wait (30 s)
    for (const name of ['before', 'now']) await jsm.consumers.add('PS', { durable_name: name, ack_policy: AckPolicy.Explicit, max_ack_pending: 1 });

    // before: the worker's fetch as it was
    proxy.delayMs = 2000;
    const before = await (await js.consumers.get('PS', 'before')).fetch({ max_messages: 1, expires: 1000 });
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const m of before) got.push(m.seq);
      })(),
      /heartbeats missed/,
    );
    assert.deepEqual(got, []);
    proxy.delayMs = 0;
    // the server did deliver it, to the inbox nobody listens to any more: pending until ack_wait
    const stranded = await jsm.consumers.info('PS', 'before');
    assert.equal(stranded.num_ack_pending, 1, 'the message went to the abandoned inbox');
    assert.equal(stranded.delivered.stream_seq, 1);

    // now: the same late answer, the pull's silence budget lengthened as the worker does
    proxy.delayMs = 2000;
    const t0 = performance.now();
    const now = await (await js.consumers.get('PS', 'now')).fetch({ max_messages: 1, expires: 1000 });
    assert.equal(lengthenPullSilence(now), true, 'this nats.js still has the idle-heartbeat monitor the worker lengthens');
    const received: number[] = [];
    for await (const m of now) {
      received.push(m.seq);
      m.ack();
    }
    assert.deepEqual(received, [1], 'the late message is received, not stranded');
    assert.ok(performance.now() - t0 >= 2000, 'it really came late');
    proxy.delayMs = 0;
    await nc.flush();
    const info = await jsm.consumers.info('PS', 'now');
    assert.equal(info.num_ack_pending, 0);
    assert.equal(info.ack_floor.stream_seq, 1);
  } finally {
    await nc.close();
  }
});

test('a pull answered 4 s late (longer than the silence budget): given up and its message stranded by the budget alone, received when the give-up waits for a PING answered', { skip, timeout: 90_000 }, async () => {
  const delay = PULL_SILENCE_MS + 1000;
  const dir = mkdtempSync(join(tmpdir(), 'ns-pull-silence-'));
  let nats: PrivateNats | undefined;
  let proxy: Awaited<ReturnType<typeof delayingProxy>> | undefined;
  after(async () => {
    await proxy?.close();
    await nats?.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  nats = await startPrivateNats(join(dir, 'store'));
  proxy = await delayingProxy(nats.port);
  const nc = await connect({ servers: `nats://127.0.0.1:${proxy.port}`, noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await jsm.streams.add({ name: 'PL', subjects: ['pl.>'] });
    await js.publish('pl.flows.0', 'one');
    for (const name of ['budget', 'probed', 'empty']) await jsm.consumers.add('PL', { durable_name: name, ack_policy: AckPolicy.Explicit, max_ack_pending: 1, ...(name === 'empty' ? { filter_subject: 'pl.none' } : {}) });

    // the silence budget alone: given up at PULL_SILENCE_MS, the late message stranded
    proxy.delayMs = delay;
    const budget = await (await js.consumers.get('PL', 'budget')).fetch({ max_messages: 1, expires: 1000 });
    assert.equal(lengthenPullSilence(budget), true);
    await assert.rejects(
      (async () => {
        for await (const m of budget) m.ack();
      })(),
      /heartbeats missed/,
    );
    proxy.delayMs = 0;
    await nc.flush();
    assert.equal((await jsm.consumers.info('PL', 'budget')).num_ack_pending, 1, 'the message went to the abandoned inbox');

    // as the worker now: the give-up waits for the PONG, which comes after the late message
    proxy.delayMs = delay;
    const probed = await (await js.consumers.get('PL', 'probed')).fetch({ max_messages: 1, expires: 1000 });
    assert.equal(lengthenPullSilence(probed, nc), true, 'this nats.js still has the monitor callback the worker wraps');
    const received: number[] = [];
    for await (const m of probed) {
      received.push(m.seq);
      m.ack();
    }
    assert.deepEqual(received, [1], 'the late message is received, not stranded');
    proxy.delayMs = 0;
    await nc.flush();
    const info = await jsm.consumers.info('PL', 'probed');
    assert.equal(info.num_ack_pending, 0);
    assert.equal(info.ack_floor.stream_seq, 1);

    // a pull with nothing to bring still ends (its expiry notice, late), without an error
    proxy.delayMs = delay;
    const t0 = performance.now();
    const empty = await (await js.consumers.get('PL', 'empty')).fetch({ max_messages: 1, expires: 1000 });
    lengthenPullSilence(empty, nc);
    for await (const m of empty) assert.fail(`nothing to bring, got #${m.seq}`);
    assert.ok(performance.now() - t0 < 20_000, `the empty pull ended after ${performance.now() - t0} ms`);
    proxy.delayMs = 0;
  } finally {
    await nc.close();
  }
});
