/**
 * Every API parameter that takes an address or a network refuses an IPv4 part with a leading zero
 * ("192.168.10.050": octal 192.168.10.40 for inet_aton and curl, decimal 192.168.10.50 for most
 * else) with a 400 naming the parameter and both readings. Before, GET /v1/alerts?src_ip= and GET
 * /v1/ips/:ip took it as text and answered 200 with nothing (the host looked quiet), DELETE
 * /v1/decisions/:id answered 404 "no decision". The canonical spelling still finds everything.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService } from './service.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';
import { Allowlist } from '../respond/allowlist.js';
import { openDecisionStore } from '../store/decision-store.js';
import { leadingZeroProblem } from '../detect/ip-address.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'ns-address-params-'));
let svc: RunningService;

before(async () => {
  svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false }, store: join(dir, 'ns.db'), allowlist: new Allowlist([]), pollMs: 200 });
});
after(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(svc.url + path, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  return { status: r.status, json: await r.json() };
}

const READINGS = /has a leading zero \("050"\): some programs read it as octal \(192\.168\.10\.40\), others as decimal \(192\.168\.10\.50\); write each part without leading zeros/;

test('the message shows both readings, for an address, an IPv6 tail and a network', () => {
  assert.match(leadingZeroProblem('192.168.10.050')!, READINGS);
  assert.match(leadingZeroProblem('::ffff:10.0.0.010')!, /octal \(::ffff:10\.0\.0\.8\), others as decimal \(::ffff:10\.0\.0\.10\)/);
  assert.match(leadingZeroProblem('10.0.010.0/24')!, /octal \(10\.0\.8\.0\/24\), others as decimal \(10\.0\.10\.0\/24\)/);
  assert.match(leadingZeroProblem('10.0.0.09')!, /some programs refuse it \(as octal it is no number\), others as decimal \(10\.0\.0\.9\)/);
  assert.equal(leadingZeroProblem('192.168.10.50'), undefined);
  assert.equal(leadingZeroProblem('10.0.0.0/8'), undefined);
});

test('a leading zero in an address or network is a 400 naming the parameter, wherever the API takes one', async () => {
  assert.equal((await call('POST', '/v1/alerts', { alerts: [{ timestamp: '2030-01-01T00:00:00Z', signature: 'qa', severity: 2, risk: 0.9, srcIp: '192.168.10.50', destIp: '10.0.0.1' }] })).status, 200);
  assert.equal((await call('POST', '/v1/decisions', { ip: '192.168.10.50', notify: false })).status, 201);
  // the canonical spelling finds them
  assert.equal((await call('GET', '/v1/alerts?src_ip=192.168.10.50')).json.alerts.length, 1);
  assert.equal((await call('GET', '/v1/ips/192.168.10.50')).json.alerts, 1);

  const refused: [string, string, string, unknown?][] = [
    ['GET', '/v1/alerts?src_ip=192.168.10.050', 'query.src_ip'],
    ['GET', '/v1/alerts?dest_ip=192.168.10.050', 'query.dest_ip'],
    ['GET', '/v1/ips/192.168.10.050', 'path.ip'],
    ['GET', '/v1/intel/192.168.10.050', 'path.ip'],
    ['POST', '/v1/intel', 'body.ips[1]', { ips: ['192.168.10.50', '192.168.10.050'] }],
    ['POST', '/v1/alerts', 'body.alerts[0].srcIp', { alerts: [{ timestamp: '2030-01-01T00:00:00Z', signature: 'qa', severity: 2, risk: 0.9, srcIp: '192.168.10.050' }] }],
    ['GET', '/v1/decisions?ip=192.168.10.050', 'query.ip'],
    ['POST', '/v1/decisions', 'body.ip', { ip: '192.168.10.050', notify: false }],
    ['DELETE', '/v1/decisions/192.168.10.050', 'path.id'],
    ['DELETE', '/v1/decisions?ip=192.168.10.050', 'query.ip'],
  ];
  for (const [method, path, field, body] of refused) {
    const r = await call(method, path, body);
    assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.json)}`);
    assert.ok(String(r.json.error).startsWith(`${field}: "192.168.10.050" has a leading zero`), `${method} ${path}: ${r.json.error}`);
    assert.match(r.json.error, READINGS);
  }
  // networks too
  for (const path of ['/v1/decisions?ip=192.168.010.0/24']) {
    const r = await call('DELETE', path);
    assert.equal(r.status, 400);
    assert.match(r.json.error, /^query\.ip: "192\.168\.010\.0\/24" has a leading zero \("010"\): some programs read it as octal \(192\.168\.8\.0\/24\), others as decimal \(192\.168\.10\.0\/24\)/);
  }
  // other text that tries to be an IPv4 address is refused too; a name is matched as it is (flow files carry some)
  const notFour = await call('GET', '/v1/alerts?src_ip=10.0.0.256');
  assert.equal(notFour.status, 400);
  assert.equal(notFour.json.error, 'query.src_ip: "10.0.0.256" is not an IPv4 address (four numbers 0-255 joined by dots)');
  assert.deepEqual((await call('GET', '/v1/alerts?src_ip=gateway.lan')).json.alerts, []);
  // nothing of the refused requests was stored or deleted
  assert.equal((await call('GET', '/v1/alerts?src_ip=192.168.10.50')).json.alerts.length, 1);
  assert.equal((await call('GET', '/v1/decisions?ip=192.168.10.50')).json.decisions.length, 1);
});

test('the CLI says the same: decisions delete and decisions list --ip refuse a leading zero (they deleted nothing / listed nothing, silently or as "no decision")', () => {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const store = join(dir, 'cli.db');
  const cli = (...args: string[]) => spawnSync(process.execPath, [main, 'decisions', ...args, '--store', store], { encoding: 'utf8', env: { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '' } });
  assert.equal(cli('add', '192.168.10.50', '--no-notify').status, 0);
  for (const args of [['delete', '192.168.10.050'], ['list', '--ip', '192.168.10.050']]) {
    const r = cli(...args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, READINGS);
  }
  assert.match(cli('list', '--ip', '192.168.10.50').stdout, /192\.168\.10\.50/, 'nothing was deleted');
});

test('a decision about a host known by its MAC alone (a Wi-Fi access point) is found and deleted by its MAC, in any usual form; a MAC is never taken for a ban by hand', async () => {
  const store = await openDecisionStore(join(dir, 'ns.db'));
  const created = new Date().toISOString();
  try {
    await store.save([{ id: 'a1b2c3d4e5f60718', scope: 'mac', value: '02:aa:00:00:00:66', type: 'alert', severity: 'high', reason: 'wifi.evil-twin: CorpNet announced open', reasonKey: 'rule:wifi.evil-twin', origin: 'analyze:t', created, expires: new Date(Date.now() + 3600_000).toISOString(), simulated: false }]);
  } finally {
    await store.close();
  }
  const found = await call('GET', '/v1/decisions?ip=02-AA-00-00-00-66');
  assert.equal(found.status, 200);
  assert.deepEqual(found.json.decisions.map((d: { scope: string; value: string }) => [d.scope, d.value]), [['mac', '02:aa:00:00:00:66']]);
  const bad = await call('GET', '/v1/decisions?ip=02:aa:zz');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error, 'query.ip: "02:aa:zz" is not an IPv4/IPv6 address or network, nor a MAC');
  // a ban by hand is about an address or a network: a MAC is refused
  assert.equal((await call('POST', '/v1/decisions', { ip: '02:aa:00:00:00:66', notify: false })).status, 400);
  const gone = await call('DELETE', '/v1/decisions?ip=02aa.0000.0066&notify=false');
  assert.equal(gone.status, 200, JSON.stringify(gone.json));
  assert.deepEqual(gone.json.deleted.map((d: { value: string }) => d.value), ['02:aa:00:00:00:66']);
  assert.deepEqual((await call('GET', '/v1/decisions?ip=02:aa:00:00:00:66')).json.decisions, []);
});
