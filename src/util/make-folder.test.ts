import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeFolder } from './make-folder.js';

test('makeFolder makes every missing folder, and again is a no-op', () => {
  const d = mkdtempSync(join(tmpdir(), 'ns-mkf-'));
  try {
    const deep = join(d, 'a', 'b', 'c');
    makeFolder(deep);
    assert.ok(statSync(deep).isDirectory());
    makeFolder(deep);
    assert.ok(statSync(deep).isDirectory());
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('makeFolder under a regular file or over one fails with the code mkdir -p gives', () => {
  const d = mkdtempSync(join(tmpdir(), 'ns-mkf-'));
  try {
    const f = join(d, 'file');
    writeFileSync(f, 'x');
    assert.throws(() => makeFolder(join(f, 'x', 'y')), { code: 'ENOTDIR' });
    assert.throws(() => makeFolder(f), { code: 'EEXIST' });
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

// Node 20's mkdirSync(recursive) loops forever under /proc (procfs answers ENOENT): run in a child
// with a time limit so a regression fails instead of hanging the suite
test('makeFolder under /proc ends with an error (mkdirSync recursive spins there)', { skip: process.platform !== 'linux' ? 'procfs is Linux only' : false }, () => {
  const mod = fileURLToPath(new URL('./make-folder.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { makeFolder } from ${JSON.stringify(mod)}; try { makeFolder('/proc/netsentinel-nope/x'); console.log('made'); } catch (e) { console.log(e.code); }`], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.signal, null, 'timed out: makeFolder looped');
  assert.equal(r.stdout.trim(), 'ENOENT');
});
