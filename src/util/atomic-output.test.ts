import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutput, onInterrupt, pendingTemporaries, resolveOutputTarget, writeFileAtomic } from './atomic-output.js';
import { UserError } from './errors.js';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'ns-atomic-'));
const temporariesIn = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const userError = (start: string) => (e: unknown) => {
  assert.ok(e instanceof UserError, `a UserError, got ${String(e)}`);
  assert.ok(e.message.startsWith(start), `"${e.message}" starts with "${start}"`);
  assert.ok(!e.message.includes('\n'), 'one line');
  return true;
};

test('writeFileAtomic: creates, replaces keeping the old permissions, leaves no temporary', async () => {
  const dir = fresh();
  const f = join(dir, 'model.nsm');
  await writeFileAtomic(f, 'one', 'test');
  assert.equal(readFileSync(f, 'utf8'), 'one');
  chmodSync(f, 0o640);
  await writeFileAtomic(f, new Uint8Array([50, 51]), 'test');
  assert.equal(readFileSync(f, 'utf8'), '23');
  assert.equal(statSync(f).mode & 0o777, 0o640);
  assert.deepEqual(temporariesIn(dir), []);
  assert.deepEqual(pendingTemporaries(), []);
  await writeFileAtomic(join(dir, 'new', 'deeper', 'x.txt'), 'x', 'test', { makeDirs: true });
  assert.equal(readFileSync(join(dir, 'new', 'deeper', 'x.txt'), 'utf8'), 'x');
});

test('openOutput: the target keeps its old content until close, then is whole; abort leaves it untouched', async () => {
  const dir = fresh();
  const f = join(dir, 'out.csv');
  writeFileSync(f, 'old\n');
  const warnings: Error[] = [];
  const onWarning = (w: Error): number => warnings.push(w);
  process.on('warning', onWarning);
  const out = await openOutput(f, 'test');
  assert.equal(pendingTemporaries().length, 1);
  assert.equal(temporariesIn(dir).length, 1, 'the temporary sits beside the target');
  const line = 'x'.repeat(1000) + '\n';
  for (let i = 0; i < 200; i++) await out.write(line); // past the 16 KiB buffer: drains are awaited
  assert.equal(readFileSync(f, 'utf8'), 'old\n', 'not replaced before close');
  await out.close();
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.equal(readFileSync(f, 'utf8'), line.repeat(200));
  assert.deepEqual(warnings.map((w) => w.name), [], 'no MaxListenersExceededWarning');
  assert.deepEqual(temporariesIn(dir), []);
  assert.deepEqual(pendingTemporaries(), []);

  const second = await openOutput(f, 'test');
  await second.write('half a ro');
  await second.abort();
  await second.abort();
  assert.equal(readFileSync(f, 'utf8'), line.repeat(200), 'abort keeps the old file');
  assert.deepEqual(temporariesIn(dir), []);
  assert.deepEqual(pendingTemporaries(), []);

  const neverThere = join(dir, 'never.csv');
  const third = await openOutput(neverThere, 'test');
  await third.write('a,b\n');
  await third.abort();
  assert.equal(existsSync(neverThere), false, 'an aborted new output does not appear');
});

test('paths that cannot be written fail at open with one line naming the path and the cause', async () => {
  const dir = fresh();
  const file = join(dir, 'plain');
  writeFileSync(file, '');
  await assert.rejects(openOutput(join(file, 'b.txt'), 'test'), userError(`test: cannot write ${join(file, 'b.txt')}: ENOTDIR`));
  await assert.rejects(writeFileAtomic(join(dir, 'no', 'such', 'c.txt'), 'x', 'test'), userError(`test: cannot write ${join(dir, 'no', 'such', 'c.txt')}: ENOENT: folder ${join(dir, 'no')} does not exist`));
  await assert.rejects(writeFileAtomic(join(file, 'sub', 'd.txt'), 'x', 'test', { makeDirs: true }), userError(`test: cannot write ${join(file, 'sub', 'd.txt')}: ENOTDIR: ${file} is a file, not a folder`));
  assert.deepEqual(pendingTemporaries(), []);
});

test('special files are refused before anything is written: devices, folders, FIFOs, pipes', async () => {
  const dir = fresh();
  await assert.rejects(openOutput('/dev/null', 'test'), userError('test: cannot write /dev/null: it is a character device, not a regular file'));
  await assert.rejects(writeFileAtomic('/dev/full', 'x', 'test'), userError('test: cannot write /dev/full: it is a character device'));
  assert.ok(lstatSync('/dev/full').isCharacterDevice(), '/dev/full is still a device');
  await assert.rejects(writeFileAtomic(dir, 'x', 'test'), userError(`test: cannot write ${dir}: it is a folder`));
  const fifo = join(dir, 'fifo');
  if (spawnSync('mkfifo', [fifo]).status === 0) {
    await assert.rejects(openOutput(fifo, 'test'), userError(`test: cannot write ${fifo}: it is a pipe (FIFO)`));
    assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is left alone');
  }
  // a link to a device is refused too (written through, and the target is a device)
  symlinkSync('/dev/null', join(dir, 'to-null'));
  await assert.rejects(writeFileAtomic(join(dir, 'to-null'), 'x', 'test'), userError(`test: cannot write ${join(dir, 'to-null')}: it is a character device`));
  assert.deepEqual(temporariesIn(dir), []);
});

test('symbolic links are written through: the link stays, its target gets the content (also for a dangling link)', async () => {
  const dir = fresh();
  const real = join(dir, 'real.csv');
  writeFileSync(real, 'old');
  symlinkSync('real.csv', join(dir, 'link.csv'));
  symlinkSync('link.csv', join(dir, 'link2.csv'));
  const out = await openOutput(join(dir, 'link2.csv'), 'test');
  await out.write('new');
  await out.close();
  assert.ok(lstatSync(join(dir, 'link2.csv')).isSymbolicLink());
  assert.ok(lstatSync(join(dir, 'link.csv')).isSymbolicLink());
  assert.equal(readFileSync(real, 'utf8'), 'new');
  symlinkSync('later.nsm', join(dir, 'dangling.nsm'));
  assert.equal(resolveOutputTarget(join(dir, 'dangling.nsm'), 'test').target, join(dir, 'later.nsm'));
  await writeFileAtomic(join(dir, 'dangling.nsm'), 'model', 'test');
  assert.equal(readlinkSync(join(dir, 'dangling.nsm')), 'later.nsm');
  assert.equal(readFileSync(join(dir, 'later.nsm'), 'utf8'), 'model');
  assert.deepEqual(temporariesIn(dir), []);
});

/** A child process that opens an output, writes, then gets `signal` with or without a hook claiming it. */
function childScript(target: string, signal: string, claim: boolean): string {
  const mod = new URL('./atomic-output.js', import.meta.url).href;
  return `
    import { openOutput, onInterrupt } from ${JSON.stringify(mod)};
    const out = await openOutput(${JSON.stringify(target)}, 'child');
    await out.write('a,b\\n1,2\\n');
    ${claim ? `onInterrupt(() => { clearInterval(globalThis.timer); setTimeout(async () => { await out.abort(); process.stderr.write('stopped cleanly\\n'); process.exit(99); }, 20); return true; });` : ''}
    process.kill(process.pid, ${JSON.stringify(signal)});
    globalThis.timer = setInterval(() => out.write('3,4\\n'), 5);
  `;
}

test('SIGINT and SIGTERM remove the pending temporaries, say so on one line, and exit 130/143; a hook may claim the signal', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const dir = fresh();
    const target = join(dir, 'flows.csv');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', childScript(target, signal, false)], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, code, r.stderr);
    assert.match(r.stderr, new RegExp(`^netsentinel: interrupted by ${signal}; 1 unfinished output removed\\n$`));
    assert.deepEqual(readdirSync(dir), [], 'no temporary and no half-written target');
  }
  const dir = fresh();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', childScript(join(dir, 'x.csv'), 'SIGTERM', true)], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 99, r.stderr);
  assert.match(r.stderr, /SIGTERM received: stopping after the current step/);
  assert.match(r.stderr, /stopped cleanly/);
  assert.deepEqual(readdirSync(dir), []);
});

test('signal handlers are installed only while an output is pending or a hook is registered', async () => {
  const before = process.listenerCount('SIGTERM');
  const dir = fresh();
  const out = await openOutput(join(dir, 'a'), 'test');
  assert.equal(process.listenerCount('SIGTERM'), before + 1);
  await out.close();
  assert.equal(process.listenerCount('SIGTERM'), before);
  const off = onInterrupt(() => undefined);
  assert.equal(process.listenerCount('SIGTERM'), before + 1);
  off();
  assert.equal(process.listenerCount('SIGTERM'), before);
});
