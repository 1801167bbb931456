/**
 * `stream --respond`: the decision store (and with --apply the outbox) are opened once per worker,
 * not per message. Against the real PostgreSQL (127.0.0.1:5432) through a TCP proxy that counts
 * the connections made: twenty messages with risky sources judged one after another make the
 * decisions of all twenty while the worker's pool connects only a handful of times (a pool per
 * message connected at least once per message), and close() at drain ends them.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { streamResponder } from './stream-respond.js';
import { makeAlert } from '../analysis/alerts.js';
import { loadRespondSettings } from '../respond/respond-settings.js';
import { buildAllowlist } from '../respond/allowlist.js';
import { openDecisionStore } from '../store/decision-store.js';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.js';
import { dropPgSchemas, reachable } from '../testing/local-services.js';

const pgUp = await reachable(5432);
const skip = !pgUp && process.env.CI !== 'true' ? 'PostgreSQL is not running on 127.0.0.1:5432' : false;
const schema = `ns_respond_once_${process.pid}`;
let proxy: TcpProxy | undefined;

after(async () => {
  await proxy?.close();
  if (pgUp) await dropPgSchemas(schema);
});

const riskySource = (ip: string) =>
  makeAlert({ timeMs: null, srcIp: ip, srcPort: null, destIp: null, destPort: null, proto: null, signature: 'netsentinel: risky source', source: 'risk:ip', category: 'Anomalous traffic', severity: 1, netsentinel: { risk: 0.999999, reasons: ['port scan'] } }, ip, 0);

test('stream --respond opens its stores once per worker and closes them at drain', { skip, timeout: 120_000 }, async () => {
  proxy = await startTcpProxy('127.0.0.1', 5432);
  const store = `postgres://postgres@127.0.0.1:${proxy.port}/test?schema=${schema}`;
  const settings = loadRespondSettings({ env: {} });
  const r = settings.respond;
  const allowlist = await buildAllowlist({ entries: r.allowlist, defaults: r.allowlistDefaults, gateways: r.gateways, resolvers: r.resolvers, where: 'test' });
  const responder = streamResponder({ config: r, notify: settings.notify, allowlist, store, apply: false });
  const before = proxy.accepted;
  const messages = 20;
  for (let i = 0; i < messages; i++) {
    const res = await responder.respondTo(`stream:TEST#${i + 1}`, [riskySource(`198.51.100.${i + 1}`)], []);
    assert.ok(res && res.decisions.length >= 1, `message ${i + 1}: a decision`);
  }
  const connections = proxy.accepted - before;
  assert.ok(connections >= 1 && connections <= 3, `${connections} connections for ${messages} messages`);
  assert.equal(responder.totals.runs, messages);
  await responder.close();
  const check = await openDecisionStore(`postgres://postgres@127.0.0.1:5432/test?schema=${schema}`);
  try {
    const stored = await check.list({});
    assert.equal(new Set(stored.map((d) => d.value)).size, messages, 'a decision for each message\'s source');
  } finally {
    await check.close();
  }
  // closed at drain: using it again opens anew (and works)
  const again = await responder.respondTo('stream:TEST#99', [riskySource('198.51.100.99')], []);
  assert.ok(again && again.decisions.length >= 1);
  await responder.close();
});
