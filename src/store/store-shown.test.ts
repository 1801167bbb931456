/**
 * The store as a user is shown it (the `serve` banner, `decisions list`, --json's "store", every
 * message naming the store) names the PostgreSQL schema: `--store
 * "postgres://postgres@127.0.0.1:5432/test?schema=abc"` was shown as postgres://127.0.0.1:5432/test,
 * and nothing said which schema of the database got the alerts. The password never shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseStoreLocation } from './store-url.js';
import { dropPgSchemas, pgReachable } from '../testing/local-services.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const pgSkip = !(await pgReachable()) && process.env.CI !== 'true' ? 'PostgreSQL is not running on 127.0.0.1:5432' : false;

test('a PostgreSQL store is shown with its schema (the default one too), never with its password', () => {
  assert.equal(parseStoreLocation('postgres://postgres:s3cret@127.0.0.1:5432/test?schema=abc').where, 'postgres://127.0.0.1:5432/test?schema=abc');
  assert.equal(parseStoreLocation('postgresql://ns:s3cret@db/alerts').where, 'postgresql://db/alerts?schema=netsentinel');
  // the URL to connect with keeps the credentials and loses only ?schema=
  const loc = parseStoreLocation('postgres://postgres:s3cret@127.0.0.1:5432/test?schema=abc&sslmode=disable');
  assert.equal(loc.kind === 'postgres' && loc.url, 'postgres://postgres:s3cret@127.0.0.1:5432/test?sslmode=disable');
  assert.equal(loc.kind === 'postgres' && loc.schema, 'abc');
});

test('decisions add | list on PostgreSQL name the schema that holds them, not the password', { skip: pgSkip }, async () => {
  const schema = `ns_shown_${process.pid}`;
  const store = `postgres://postgres:not-shown-pw@127.0.0.1:5432/test?schema=${schema}`;
  const env = { ...process.env, NETSENTINEL_CONFIG: '', NETSENTINEL_STORE: '' };
  const run = (...args: string[]) => spawnSync(process.execPath, [main, 'decisions', ...args, '--store', store], { encoding: 'utf8', env });
  try {
    const empty = run('list');
    assert.equal(empty.status, 0, empty.stderr);
    assert.equal(empty.stdout.trim(), `no active decisions in postgres://127.0.0.1:5432/test?schema=${schema}`);
    assert.equal(run('add', '203.0.113.9', '--no-notify').status, 0);
    const listed = run('list', '--json');
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(JSON.parse(listed.stdout).store, `postgres://127.0.0.1:5432/test?schema=${schema}`);
    const missing = run('delete', '203.0.113.10');
    assert.match(missing.stderr, new RegExp(`no decision with id or address "203\\.0\\.113\\.10" in postgres://127\\.0\\.0\\.1:5432/test\\?schema=${schema}`));
    for (const r of [empty, listed, missing]) assert.ok(!(r.stdout + r.stderr).includes('not-shown-pw'), 'the password is never shown');
  } finally {
    await dropPgSchemas(schema);
  }
});
