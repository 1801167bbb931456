/** Progress lines as a log (not a terminal) shows them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress } from './progress.js';

function lines(run: (p: ReturnType<typeof createProgress>) => void): string[] {
  let text = '';
  const stream = { isTTY: false, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  run(createProgress({ stream }));
  return text.split('\n').filter((l) => l);
}

test('a pipe of unknown size: its bytes said once, with their own unit ("336 B", not "336 B bytes")', () => {
  const [line] = lines((p) => {
    p.start('metering flows', undefined, 'bytes');
    p.update(336);
  });
  assert.match(line, /^metering flows: 336 B( [\d.]+ [KMG]?B\/s)?$/);
  const [rows] = lines((p) => {
    p.start('reading', undefined, 'rows');
    p.update(42);
  });
  assert.match(rows, /^reading: 42 rows( \d+ rows\/s)?$/);
});
