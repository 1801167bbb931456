import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStoreLocation, openStore } from './open-store.js';
import { UserError } from '../util/errors.js';

test('store locations: sqlite:PATH, a plain path and postgres:// URLs; any other scheme is refused', async () => {
  assert.deepEqual(parseStoreLocation('netsentinel.db'), { kind: 'sqlite', path: 'netsentinel.db' });
  assert.deepEqual(parseStoreLocation('sqlite:alerts.db'), { kind: 'sqlite', path: 'alerts.db' });
  assert.deepEqual(parseStoreLocation('sqlite:///var/lib/ns.db'), { kind: 'sqlite', path: '/var/lib/ns.db' });
  assert.deepEqual(parseStoreLocation('./dir/with:colon.db'), { kind: 'sqlite', path: './dir/with:colon.db' });
  assert.deepEqual(parseStoreLocation('C:\\alerts.db'), { kind: 'sqlite', path: 'C:\\alerts.db' });
  assert.equal(parseStoreLocation('postgres://u@h/db').kind, 'postgres');
  assert.equal(parseStoreLocation('postgresql://u@h/db').kind, 'postgres');
  for (const bad of ['mysql://x', 'http://h/db', 'redis:6379']) {
    await assert.rejects(openStore(bad), (e: unknown) => e instanceof UserError && e.message.startsWith(`--store ${bad}: unknown store type`));
  }
  assert.throws(() => parseStoreLocation('sqlite:'), /sqlite: needs a file path/);
});
