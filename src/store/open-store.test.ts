import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStoreLocation, openStore } from './open-store.js';
import { UserError } from '../util/errors.js';
import { parseStoreLocation as sharedLocation } from './store-location.js';
import { DEFAULT_STORE, defaultStorePath } from './store-url.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

test('store locations: sqlite:PATH, a plain path and postgres:// URLs; any other scheme is refused', async () => {
  assert.deepEqual(parseStoreLocation('netsentinel.db'), { kind: 'sqlite', path: 'netsentinel.db', where: 'sqlite:' + 'netsentinel.db' });
  assert.deepEqual(parseStoreLocation('sqlite:alerts.db'), { kind: 'sqlite', path: 'alerts.db', where: 'sqlite:' + 'alerts.db' });
  assert.deepEqual(parseStoreLocation('sqlite:///var/lib/ns.db'), { kind: 'sqlite', path: '/var/lib/ns.db', where: 'sqlite:' + '/var/lib/ns.db' });
  assert.deepEqual(parseStoreLocation('./dir/with:colon.db'), { kind: 'sqlite', path: './dir/with:colon.db', where: 'sqlite:' + './dir/with:colon.db' });
  assert.deepEqual(parseStoreLocation('C:\\alerts.db'), { kind: 'sqlite', path: 'C:\\alerts.db', where: 'sqlite:' + 'C:\\alerts.db' });
  assert.equal(parseStoreLocation('postgres://u@h/db').kind, 'postgres');
  assert.equal(parseStoreLocation('postgresql://u@h/db').kind, 'postgres');
  for (const bad of ['mysql://x', 'http://h/db', 'redis:6379']) {
    await assert.rejects(openStore(bad), (e: unknown) => e instanceof UserError && e.message.startsWith(`--store ${bad}: unknown store type`));
  }
  assert.throws(() => parseStoreLocation('sqlite:'), /sqlite: needs a file path/);
  // 'none' (analyze's "keep alerts nowhere") is no file name: respond --store none made ./none
  assert.throws(() => parseStoreLocation('none'), (e: unknown) => e instanceof UserError && /--store none keeps nothing, but this command needs a store/.test(e.message));
  assert.equal(parseStoreLocation('sqlite:none').kind, 'sqlite');
});

test('the decision, outbox and lease stores read a location as the alert store does (same file)', () => {
  // sqlite://alerts.db once put decisions in /alerts.db while alerts went to ./alerts.db
  assert.equal((sharedLocation('sqlite://alerts.db') as { path: string }).path, 'alerts.db');
  assert.throws(() => sharedLocation('mysql://x'), /unknown store type "mysql:"/);
  const pgLoc = sharedLocation('postgres://u@h:5433/db?schema=ops');
  assert.deepEqual(pgLoc, { kind: 'postgres', url: 'postgres://u@h:5433/db', schema: 'ops', where: 'postgres://h:5433/db?schema=ops' });
});

test('the default store is per user: $XDG_DATA_HOME/netsentinel/netsentinel.db, else ~/.local/share/netsentinel/netsentinel.db, never the current folder', () => {
  assert.equal(defaultStorePath({ XDG_DATA_HOME: '/srv/data' }, '/home/ana'), '/srv/data/netsentinel/netsentinel.db');
  assert.equal(defaultStorePath({}, '/home/ana'), '/home/ana/.local/share/netsentinel/netsentinel.db');
  // a relative XDG_DATA_HOME is invalid (XDG Base Directory spec): ignored, not read from the current folder
  assert.equal(defaultStorePath({ XDG_DATA_HOME: 'data' }, '/home/ana'), '/home/ana/.local/share/netsentinel/netsentinel.db');
  assert.equal(defaultStorePath({ XDG_DATA_HOME: '' }, '/home/ana'), '/home/ana/.local/share/netsentinel/netsentinel.db');
  assert.ok(isAbsolute(DEFAULT_STORE), DEFAULT_STORE);
});

test('under sudo, the invoking user\'s store when that user has one (sudo block apply meets respond\'s decisions), else root\'s', { skip: process.getuid?.() !== 0 ? 'runs as root only (sudo)' : false }, () => {
  const home = mkdtempSync(join(tmpdir(), 'ns-sudo-home-'));
  try {
    const sudo = { SUDO_USER: 'ana' };
    const homeOf = (u: string): string | undefined => (u === 'ana' ? home : undefined);
    assert.equal(defaultStorePath(sudo, '/root', homeOf), '/root/.local/share/netsentinel/netsentinel.db', 'ana has no store yet');
    mkdirSync(join(home, '.local', 'share', 'netsentinel'), { recursive: true });
    writeFileSync(join(home, '.local', 'share', 'netsentinel', 'netsentinel.db'), '');
    assert.equal(defaultStorePath(sudo, '/root', homeOf), join(home, '.local', 'share', 'netsentinel', 'netsentinel.db'));
    assert.equal(defaultStorePath({ ...sudo, XDG_DATA_HOME: '/srv/data' }, '/root', homeOf), '/srv/data/netsentinel/netsentinel.db', 'XDG_DATA_HOME given: that');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
