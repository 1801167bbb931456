import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { parseCommand, type CommandSpec } from './args.js';
import { chosenStore, decisionStoreOf } from './store-choice.js';
import { DEFAULT_STORE } from '../store/store-url.js';
import { locateSettings } from '../config/settings.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'demo',
  usage: '',
  options: [{ name: 'store', type: 'string', value: 'URL', description: 'the store', default: DEFAULT_STORE }],
  examples: [],
};

test('--store wins over NETSENTINEL_STORE and the config file, even when it names the default; else env, config, default', () => {
  const before = process.env.NETSENTINEL_STORE;
  try {
    delete process.env.NETSENTINEL_STORE;
    const v = (argv: string[]) => parseCommand(spec, argv).values;
    // the environment as it is now, no .env file (a cwd without one)
    const files = () => locateSettings({ cwd: '/nonexistent-netsentinel-dir' });
    assert.equal(chosenStore(v(['--store', 'none']), 'postgres://db/x', files()), 'none');
    assert.equal(chosenStore(v(['--store', DEFAULT_STORE]), 'postgres://db/x', files()), DEFAULT_STORE);
    assert.equal(chosenStore(v([]), 'postgres://db/x', files()), 'postgres://db/x');
    assert.equal(chosenStore(v([]), undefined, files()), DEFAULT_STORE);
    process.env.NETSENTINEL_STORE = 'env.db';
    assert.equal(chosenStore(v([]), 'postgres://db/x', files()), 'env.db');
    assert.equal(chosenStore(v(['--store', 'flag.db']), 'postgres://db/x', files()), 'flag.db');
    // values built by hand (no record of what was typed): a value other than the default counts as given
    assert.equal(chosenStore({ store: 'other.db' }, 'cfg.db', files()), 'other.db');
    assert.equal(chosenStore({ store: DEFAULT_STORE }, 'cfg.db', files()), 'env.db');
    process.env.NETSENTINEL_STORE = 'none';
    assert.equal(decisionStoreOf('none', 'cfg.db', files()), 'cfg.db');
    assert.equal(decisionStoreOf('none', undefined, files()), DEFAULT_STORE);
  } finally {
    if (before === undefined) delete process.env.NETSENTINEL_STORE;
    else process.env.NETSENTINEL_STORE = before;
  }
});

test('NETSENTINEL_STORE in the .env file: over the config file, under the environment and an explicit --store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-store-choice-'));
  try {
    writeFileSync(join(dir, '.env'), 'NETSENTINEL_STORE=dotenv.db\n');
    const v = (argv: string[]) => parseCommand(spec, argv).values;
    const files = (env: Record<string, string>) => locateSettings({ cwd: dir, env });
    // a relative path in the .env file is read from the file's folder (settings.ts, dotenv-paths.ts)
    assert.equal(chosenStore(v([]), 'cfg.db', files({})), join(dir, 'dotenv.db'));
    assert.equal(chosenStore(v([]), 'cfg.db', files({ NETSENTINEL_STORE: 'env.db' })), 'env.db');
    assert.equal(chosenStore(v(['--store', 'none']), 'cfg.db', files({})), 'none');
    // an empty variable is unset, as for every other setting
    assert.equal(chosenStore(v([]), 'cfg.db', files({ NETSENTINEL_STORE: '' })), join(dir, 'dotenv.db'));
    // --respond with --store none: the decisions go to the next choice down, not ./netsentinel.db
    assert.equal(decisionStoreOf('none', 'cfg.db', files({ NETSENTINEL_STORE: 'env.db' })), 'env.db');
    assert.equal(decisionStoreOf('none', 'cfg.db', files({})), join(dir, 'dotenv.db'));
    assert.equal(decisionStoreOf('run.db', 'cfg.db', files({})), 'run.db');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
