import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutput } from './output-stream.js';
import { UserError } from './errors.js';

test('an output file: many writes, all there, no listener pile-up; an unwritable path fails at open, naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-out-'));
  const warnings: Error[] = [];
  const onWarning = (w: Error): number => warnings.push(w);
  process.on('warning', onWarning);
  const out = await openOutput(join(dir, 'a.txt'), 'test');
  const line = 'x'.repeat(1000) + '\n';
  for (let i = 0; i < 200; i++) await out.write(line); // past the 16 KiB buffer: drains are awaited
  await out.close();
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), line.repeat(200));
  assert.deepEqual(warnings.map((w) => w.name), [], 'no MaxListenersExceededWarning');

  const file = join(dir, 'plain');
  writeFileSync(file, '');
  await assert.rejects(openOutput(join(file, 'b.txt'), 'test'), (e: unknown) => e instanceof UserError && e.message.startsWith(`test: cannot write ${join(file, 'b.txt')}: ENOTDIR`));
});
