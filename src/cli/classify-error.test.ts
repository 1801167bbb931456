import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userErrorFromOs, userPathFor } from './classify-error.js';
import type { ParsedArgs } from './args.js';
import { UserError } from '../util/errors.js';

const args = (positionals: string[], values: ParsedArgs['values'] = {}): ParsedArgs => ({ positionals, values });

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

test('a user path is one given, one below a given folder or pattern, or a parent folder of one', () => {
  const a = args(['data/', 'logs/*.csv'], { out: 'out/model.nsm', quiet: true, drop: ['x', 'y'] });
  assert.equal(userPathFor('data/a.csv', a), 'data/');
  assert.equal(userPathFor('logs/mon.csv', a), 'logs/*.csv');
  assert.equal(userPathFor('out/model.nsm', a), 'out/model.nsm');
  assert.equal(userPathFor('out', a), 'out/model.nsm', 'a parent folder the verb had to create');
  assert.equal(userPathFor('/usr/lib/node_modules/x.js', a), undefined);
  assert.equal(userPathFor('/', a), undefined);
});

test('OS errors on user paths become one-line UserErrors naming the path and cause; others stay internal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-classify-'));
  const file = join(dir, 'plain');
  writeFileSync(file, '');
  const enotdir = await errorOf(mkdir(join(file, 'sub')));
  const ue = userErrorFromOs(enotdir, 'train', args([], { out: join(file, 'sub', 'm.nsm') }));
  assert.ok(ue instanceof UserError);
  assert.equal(ue.message, `train: cannot create ${join(file, 'sub')}: ENOTDIR: ${file} is a file, not a folder`);
  assert.equal(ue.exitCode, 2);

  const enoent = await errorOf(readFile(join(dir, 'missing.csv')));
  assert.match(userErrorFromOs(enoent, 'predict', args([join(dir, 'missing.csv')]))!.message, /^predict: cannot open .*missing\.csv: ENOENT: no such file or folder$/);
  // the same error on a path the user never named is ours: it stays an internal error
  assert.equal(userErrorFromOs(enoent, 'predict', args(['elsewhere.csv'])), undefined);
  assert.equal(userErrorFromOs(new Error('plain bug'), 'predict', args([])), undefined);
  // the machine's state is the user's to fix wherever it happens
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  assert.equal(userErrorFromOs(full, 'analyze', args([]))!.message, 'analyze: ENOSPC: no space left on the device');
});
