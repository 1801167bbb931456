/** The line that ends reading a dataset: "1 row", not "1 rows" (a one-flow capture gives one). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-read-line-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('baseline of a one-flow capture says "1 row from", and of more "N rows"', { skip: skipWithoutShared('pcaps', 'tcp_handshake.pcapng') }, () => {
  const one = spawnSync(process.execPath, [main, 'baseline', sharedPath('pcaps', 'tcp_handshake.pcapng')!, '-o', join(dir, 'b.nsb')], { encoding: 'utf8', cwd: dir });
  assert.match(one.stderr, /reading normal traffic: 1 row from /);
  const many = spawnSync(process.execPath, [main, 'baseline', sharedPath('pcaps', 'dns_tcp.pcapng')!, '-o', join(dir, 'b.nsb')], { encoding: 'utf8', cwd: dir });
  assert.match(many.stderr, /reading normal traffic: \d+ rows from /);
});

test('cluster of a capture with fewer flows than --min-samples says so with the flag\'s name, exit 2', { skip: skipWithoutShared('pcaps', 'tcp_ports.pcapng') }, () => {
  const r = spawnSync(process.execPath, [main, 'cluster', sharedPath('pcaps', 'tcp_ports.pcapng')!, '-o', join(dir, 'cl')], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /netsentinel: cluster: --min-samples 10 is more than the 8 rows of the input; give --min-samples 8 or less, or more flows\n$/);
});
