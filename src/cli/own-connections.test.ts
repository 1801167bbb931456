import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { captureFilterWithout, filterWithout, notifyConnections, urlConnections, verbConnections } from './own-connections.js';
import { notifyConfigFrom } from '../respond/notify/notify-config.js';

test('own connections: every server of --nats and of a PostgreSQL URL, with its port (the default when not given); a socket URL is none', () => {
  const hp = (c: { host: string; port: number; transport: string }[]): string[] => c.map((x) => `${x.transport} ${x.host} ${x.port}`);
  assert.deepEqual(hp(urlConnections('nats://127.0.0.1:4222', 4222, 'NATS')), ['tcp 127.0.0.1 4222']);
  assert.deepEqual(hp(urlConnections('nats://a.example:5222, [2001:db8::7]', 4222, 'NATS')), ['tcp a.example 5222', 'tcp 2001:db8::7 4222']);
  assert.deepEqual(hp(urlConnections('broker', 4222, 'NATS')), ['tcp broker 4222']);
  assert.deepEqual(hp(urlConnections('postgres://netsentinel@db.internal/netsentinel', 5432, 'the store')), ['tcp db.internal 5432']);
  assert.deepEqual(hp(urlConnections('postgres://u@10.0.0.5:6432/ns', 5432, 'the store')), ['tcp 10.0.0.5 6432']);
  assert.deepEqual(urlConnections('postgres:///ns?host=/var/run/postgresql', 5432, 'the store'), []);
});

test('own connections: the notification channels configured, each on its transport and port (the webhook\'s from its scheme)', () => {
  const notify = notifyConfigFrom({ smtp: { host: 'mail.example', port: 25 }, webhook: { url: 'https://hooks.example/alerts' }, syslog: { host: '10.0.0.9', protocol: 'udp' } }, {}, 'test.yaml');
  assert.deepEqual(
    notifyConnections(notify).map((c) => `${c.transport} ${c.host} ${c.port}`),
    ['tcp mail.example 25', 'tcp hooks.example 443', 'udp 10.0.0.9 514'],
  );
  const plain = notifyConfigFrom({ webhook: { url: 'http://[::1]:8080/a' }, syslog: { host: 'localhost', port: 6514, protocol: 'tcp' } }, {}, 'test.yaml');
  assert.deepEqual(notifyConnections(plain).map((c) => `${c.transport} ${c.host} ${c.port}`), ['tcp ::1 8080', 'tcp localhost 6514']);
  assert.deepEqual(notifyConnections(notifyConfigFrom({}, {}, 'test.yaml')), []);
});

test('the capture filter: the user\'s filter and not each own connection (a name\'s addresses together), each once', () => {
  assert.equal(filterWithout(undefined, []), undefined);
  assert.equal(filterWithout('port 80', []), 'port 80', 'as given when nothing is left out');
  assert.equal(filterWithout('port 80', [{ addresses: [], port: 25, transport: 'tcp' }]), 'port 80');
  assert.equal(filterWithout(undefined, [{ addresses: ['127.0.0.1'], port: 4222, transport: 'tcp' }]), 'not (host 127.0.0.1 and tcp port 4222)');
  assert.equal(
    filterWithout('port 53 or port 80', [
      { addresses: ['10.0.0.1', '2001:db8::7'], port: 5222, transport: 'tcp' },
      { addresses: ['10.0.0.9'], port: 514, transport: 'udp' },
      { addresses: ['10.0.0.9'], port: 514, transport: 'udp' },
      { addresses: [], port: 25, transport: 'tcp' },
    ]),
    '(port 53 or port 80) and not ((host 10.0.0.1 or host 2001:db8::7) and tcp port 5222) and not (host 10.0.0.9 and udp port 514)',
  );
});

test('the capture filter looks names up before the capture starts; one that does not resolve is said and stays in the capture', async () => {
  const notes: string[] = [];
  const f = await captureFilterWithout('not port 22', [
    { what: 'NATS', host: 'localhost', port: 4222, transport: 'tcp' },
    { what: 'the webhook', host: 'no-such-host.invalid', port: 443, transport: 'tcp' },
    { what: 'the syslog server', host: '::1', port: 514, transport: 'udp' },
  ], (l) => notes.push(l));
  // localhost is 127.0.0.1 (and ::1 where /etc/hosts says so): by address, as the capture program compiles it
  assert.match(f ?? '', /^\(not port 22\) and not \(\(?host 127\.0\.0\.1( or host ::1)?\)? and tcp port 4222\) and not \(host ::1 and udp port 514\)$/);
  assert.doesNotMatch(f ?? '', /localhost|invalid/);
  assert.equal(notes.length, 1);
  assert.match(notes[0], /^the webhook's host no-such-host\.invalid does not resolve \(\w+\): its connections are not left out of the capture$/);
});

test('a verb\'s own connections: its PostgreSQL store, and with --respond the configuration\'s channels and store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-own-'));
  try {
    const config = join(dir, 'netsentinel.yaml');
    writeFileSync(config, ['store: postgres://ns@10.0.0.7/alerts', 'webhook:', '  url: http://127.0.0.1:8080/alerts', 'syslog:', '  host: 127.0.0.1', ''].join('\n'));
    const hp = (c: { host: string; port: number; transport: string }[]): string[] => c.map((x) => `${x.transport} ${x.host} ${x.port}`);
    assert.deepEqual(hp(await verbConnections({}, 'none')), []);
    assert.deepEqual(hp(await verbConnections({ config }, 'postgres://ns@10.0.0.5/ns')), ['tcp 10.0.0.5 5432'], 'without --respond its channels are not used');
    assert.deepEqual(hp(await verbConnections({ config, respond: true }, 'sqlite:x.db')), ['tcp 127.0.0.1 8080', 'udp 127.0.0.1 514', 'tcp 10.0.0.7 5432']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
