/**
 * Results publishing: the message text of an alert is exactly JSON.stringify({ key, ...record })
 * (the record's JSON spliced, not serialised again), and the ResultPublisher against a real
 * nats-server (a private one, JetStream on) stores every message once with its message id, never
 * more than the window in flight, after a failure sends again only the messages not acknowledged,
 * stores nothing twice when a batch comes again, and fails clearly (not silently) when no stream
 * captures a subject, JetStream refuses a message, or no acknowledgement comes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscardPolicy } from '@nats-io/jetstream';
import { headers, nanos, type MsgHdrs, type NatsConnection, type PublishOptions, type SubscriptionOptions } from '@nats-io/transport-node';
import { makeAlert, findingAlert } from '../analysis/alerts.js';
import { makeAlertWithRecord } from '../adapt/stamp-alert.js';
import type { Finding } from '../detect/finding.js';
import { startPrivateNats, NATS_SERVER, type PrivateNats } from '../testing/nats-server.js';
import { skipWithoutProgram } from '../testing/programs.js';
import { openBus, type Bus } from './nats-bus.js';
import { msgIdHeaders, ResultPublisher, ResultPublishError, resultMessages, type ResultMessage } from './result-publisher.js';

const dec = new TextDecoder();
const tmp = mkdtempSync(join(tmpdir(), 'ns-result-pub-'));
let nats: PrivateNats | undefined;
let bus: Bus | undefined;
after(async () => {
  await bus?.close();
  await nats?.kill();
  rmSync(tmp, { recursive: true, force: true });
});

const input = (i: number) => ({
  timeMs: 1499443200000 + i * 1.25,
  srcIp: `10.0.${i >> 8}.${i & 255}`,
  srcPort: 40000 + i,
  destIp: '192.168.10.50',
  destPort: 80,
  proto: 6,
  signature: `netsentinel: risky flow (Web Attack – XSS "<script>" \\ ${i})`,
  source: 'risk:flow',
  category: 'Anomalous traffic',
  severity: 1 + (i % 3),
  netsentinel: { risk: 0.999999, z: 4.75, reasons: ['Flow Bytes/s high', 'ünïcode ✓'], detectors: { iforest: 0.99, svm: NaN }, file: 'a,b.csv', line: i + 2 },
});

test('an alert message is the text JSON.stringify({ key, ...record }) gives, for findings { key, ...finding }', () => {
  const alerts = Array.from({ length: 50 }, (_, i) => makeAlert(input(i), `f.csv:${i}`, 1_700_000_000_000));
  // a record that has a "key" field of its own: serialised as before (its key wins, in the first place)
  alerts.push(makeAlertWithRecord(alerts[0], { ...alerts[0].record, key: 'the record says' }));
  const finding = {
    ruleId: 'port-scan.vertical',
    title: 'vertical port scan',
    category: 'recon',
    severity: 2,
    srcIp: '10.0.0.9',
    reason: '120 ports in 10 s',
    evidence: { ports: 120 },
    count: 120,
    firstSeen: '2017-07-07T12:00:00.000Z',
    lastSeen: '2017-07-07T12:00:10.000Z',
    targets: { ips: ['192.168.10.50'], ipCount: 1, ports: [22, 80], portCount: 2, countsCapped: false },
    rows: [3, 9],
  } as unknown as Finding;
  const messages = resultMessages('ns.x', alerts, [finding]);
  assert.equal(messages.length, alerts.length + 1);
  alerts.forEach((a, i) => {
    assert.equal(messages[i].subject, 'ns.x.alerts');
    assert.equal(messages[i].msgID, `a-${a.key}`);
    assert.equal(dec.decode(messages[i].data), JSON.stringify({ key: a.key, ...a.record }));
    // the header block made once is the bytes nats.js makes of a MsgHdrs with that message id
    const h = headers();
    h.set('Nats-Msg-Id', `a-${a.key}`);
    const bytes = (x: MsgHdrs) => [...(x as unknown as { encode(): Uint8Array }).encode()];
    assert.deepEqual(bytes(messages[i].headers), bytes(h));
    assert.equal(messages[i].headers.get('Nats-Msg-Id'), `a-${a.key}`);
  });
  const fk = findingAlert(finding, 0).key;
  assert.deepEqual({ subject: messages.at(-1)!.subject, msgID: messages.at(-1)!.msgID, text: dec.decode(messages.at(-1)!.data) }, { subject: 'ns.x.findings', msgID: `f-${fk}`, text: JSON.stringify({ key: fk, ...finding }) });
});


const enc = new TextEncoder();
/** `n` result-like messages to `subject`, ids `<subject>-<i>` */
const msgs = (subject: string, n: number, from = 0): ResultMessage[] =>
  Array.from({ length: n }, (_, i) => {
    const msgID = `${subject}-${from + i}`;
    return { subject, data: enc.encode(`m${from + i}`), msgID, headers: msgIdHeaders(msgID) };
  });
const held = async (stream: string): Promise<number> => (await bus!.jsm.streams.info(stream)).state.messages;

/** the bus's connection, counting publishes and how many await their reply at most */
function counting(nc: NatsConnection): { nc: NatsConnection; calls: () => number; most: () => number; reset(): void } {
  let calls = 0;
  let inFlight = 0;
  let most = 0;
  const proxy = new Proxy(nc, {
    get(t, k) {
      if (k === 'publish')
        return (s: string, d: Uint8Array, o: PublishOptions) => {
          calls++;
          most = Math.max(most, ++inFlight);
          return t.publish(s, d, o);
        };
      if (k === 'subscribe')
        return (s: string, o: SubscriptionOptions) =>
          t.subscribe(s, {
            ...o,
            callback: (e, m) => {
              inFlight--;
              o.callback!(e, m);
            },
          });
      const v = Reflect.get(t, k);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
  return { nc: proxy, calls: () => calls, most: () => most, reset: () => ((calls = 0), (most = 0), (inFlight = 0)) };
}

async function natsBus(): Promise<Bus> {
  nats ??= await startPrivateNats(join(tmp, 'nats'));
  bus ??= await openBus(nats.url, 'test');
  return bus;
}

const natsSkip = { skip: skipWithoutProgram(NATS_SERVER), timeout: 120_000 };

test('ResultPublisher stores every message with at most the window in flight, and a retry sends only the unacknowledged', natsSkip, async () => {
  const b = await natsBus();
  await b.jsm.streams.add({ name: 'RP_A', subjects: ['rp.a'] });
  const c = counting(b.nc);
  const pub = new ResultPublisher(c.nc);
  after(() => pub.close());

  const first = msgs('rp.a', 600);
  const done = new Uint8Array(first.length);
  assert.deepEqual(await pub.publish(first, done, 16), { acked: 600, duplicates: 0 });
  assert.equal(c.calls(), 600);
  assert.ok(c.most() <= 16 && c.most() > 1, `at most ${c.most()} in flight`);
  assert.ok(done.every((d) => d === 1));
  assert.equal(await held('RP_A'), 600);
  // each message as it went out: its text and its JetStream message id
  const m = await b.jsm.streams.getMessage('RP_A', { seq: 17 });
  assert.equal(m?.string(), 'm16');
  assert.equal(m?.header.get('Nats-Msg-Id'), 'rp.a-16');
  // everything acknowledged: a retry publishes nothing
  assert.deepEqual(await pub.publish(first, done, 16), { acked: 0, duplicates: 0 });
  assert.equal(c.calls(), 600);

  // messages to a subject no stream captures fail (no responders) with a message that says so;
  // the acknowledged ones are marked; once the stream exists a retry sends the rest only
  const mixed = [...msgs('rp.a', 100, 600), ...msgs('rp.b', 20), ...msgs('rp.a', 100, 700)];
  const doneMixed = new Uint8Array(mixed.length);
  c.reset();
  await assert.rejects(pub.publish(mixed, doneMixed, 8), (e: Error) => e instanceof ResultPublishError && /no JetStream stream captures rp\.b \(no responders\)/.test(e.message));
  const acked = doneMixed.reduce((s, d) => s + d, 0);
  assert.ok(acked >= 100 && acked < mixed.length, `${acked} acknowledged before the failure`);
  for (let i = 100; i < 120; i++) assert.equal(doneMixed[i], 0, 'a failed publish is not marked');
  const firstCalls = c.calls();
  assert.ok(firstCalls < mixed.length, 'no new publishes after the failure');
  await b.jsm.streams.add({ name: 'RP_B', subjects: ['rp.b'] });
  await pub.publish(mixed, doneMixed, 8);
  assert.equal(c.calls() - firstCalls, mixed.length - acked, 'the retry sends exactly the messages not acknowledged');
  assert.ok(doneMixed.every((d) => d === 1));
  assert.equal(await held('RP_A'), 800, 'each message stored once');
  assert.equal(await held('RP_B'), 20);
});

test('ResultPublisher: a redelivered batch (the same message ids again) stores nothing twice; the duplicates are counted', natsSkip, async () => {
  const b = await natsBus();
  await b.jsm.streams.add({ name: 'RP_D', subjects: ['rp.d'], duplicate_window: nanos(60_000) });
  const pub = new ResultPublisher(b.nc);
  after(() => pub.close());
  const batch = msgs('rp.d', 300);
  assert.deepEqual(await pub.publish(batch, new Uint8Array(batch.length)), { acked: 300, duplicates: 0 });
  // the message redelivered after a crash between publish and ack: its results again, fresh marks
  const again = new Uint8Array(batch.length);
  assert.deepEqual(await pub.publish(batch, again), { acked: 300, duplicates: 300 });
  assert.ok(again.every((d) => d === 1));
  // overlapping: half old, half new
  const next = [...batch.slice(150), ...msgs('rp.d', 150, 300)];
  assert.deepEqual(await pub.publish(next, new Uint8Array(next.length)), { acked: 300, duplicates: 150 });
  assert.equal(await held('RP_D'), 450);
});

test('ResultPublisher: a PubAck error (stream full, discard new) fails the call with what JetStream said; the refused are not marked', natsSkip, async () => {
  const b = await natsBus();
  await b.jsm.streams.add({ name: 'RP_F', subjects: ['rp.f'], max_msgs: 10, discard: DiscardPolicy.New });
  const pub = new ResultPublisher(b.nc);
  after(() => pub.close());
  const batch = msgs('rp.f', 40);
  const done = new Uint8Array(batch.length);
  await assert.rejects(pub.publish(batch, done, 4), (e: Error) => e instanceof ResultPublishError && /^JetStream refused the publish to rp\.f: maximum messages exceeded \(code 503, error \d+\)$/.test(e.message));
  assert.equal(done.reduce((s, d) => s + d, 0), 10, 'exactly the stored messages are marked');
  assert.equal(await held('RP_F'), 10);
});

test('ResultPublisher: no acknowledgement in time fails the call; a late one is ignored and the retry stores the message once', natsSkip, async () => {
  const b = await natsBus();
  await b.jsm.streams.add({ name: 'RP_T', subjects: ['rp.t.stored'] });
  // something on rp.t that answers like JetStream, but its first answer only after 1.5 s (a
  // stalled server): the call times out, the late PubAck must not mark anything
  let seen = 0;
  const responder = b.nc.subscribe('rp.t', {
    callback: (_e, m) => {
      const late = seen++ === 0;
      const answer = () => {
        m.respond(enc.encode(JSON.stringify({ stream: 'RP_T', seq: seen })));
      };
      if (late) setTimeout(answer, 1500);
      else answer();
    },
  });
  after(() => responder.unsubscribe());
  const pub = new ResultPublisher(b.nc, 300);
  after(() => pub.close());
  const batch = msgs('rp.t', 1);
  const done = new Uint8Array(1);
  const t0 = performance.now();
  await assert.rejects(pub.publish(batch, done), /no acknowledgement from JetStream for 1 of 1 result messages within 0\.3 s/);
  assert.ok(performance.now() - t0 < 1400, 'failed before the late answer came');
  assert.equal(done[0], 0);
  await new Promise((r) => setTimeout(r, 1600));
  assert.equal(done[0], 0, 'the late answer to the failed call marks nothing');
  assert.deepEqual(await pub.publish(batch, done), { acked: 1, duplicates: 0 });
  assert.equal(done[0], 1);
  assert.equal(seen, 2);
});
