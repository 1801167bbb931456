import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand, type CommandSpec } from './args.js';
import { chosenStore } from './store-choice.js';
import { DEFAULT_STORE } from '../store/open-store.js';
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
  } finally {
    if (before === undefined) delete process.env.NETSENTINEL_STORE;
    else process.env.NETSENTINEL_STORE = before;
  }
});
