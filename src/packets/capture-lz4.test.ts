/**
 * LZ4-compressed captures (`lz4 trace.pcap`: Wireshark and tshark read them) as a
 * user gives them to the CLI: the flows of their plain originals from a file, a misnamed file or a
 * pipe; a folder of rotations compressed so, with no capture name, read in time order; a stream cut
 * short inside the lz4 program's 4 MiB block (the packets before the cut are there, and said so);
 * damage (one line naming the file and the byte); a flow CSV compressed so. Needs the lz4 program to
 * make the files and editcap to cut a capture: skipped, saying why, without them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { findProgram } from '../util/find-program.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-lz4-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const lz4 = findProgram('lz4');
const editcap = findProgram('editcap');
const skip = skipWithoutShared('pcaps', 'synscan.pcapng') || (lz4 && editcap ? false : 'needs the lz4 program (Debian package lz4) and editcap (wireshark-common)');

function cli(args: string[], input?: Buffer): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, input, maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function compress(data: Uint8Array, options: string[] = []): Buffer {
  const r = spawnSync(lz4 as string, [...options, '-q', '-c'], { input: data, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}

/** flow rows without their first column (the file name) */
const rows = (csv: string): string => csv.replace(/^[^,\n]*,/gm, '');

test('lz4-compressed captures give the flows of their plain originals, from a file, a misnamed file or a pipe', { skip }, () => {
  for (const [name, options] of [['synscan.pcapng', []], ['http_ip4and6.pcapng', ['-BD', '-BX']], ['ipv6_fragments.pcapng', ['-l']]] as const) {
    const path = sharedPath('pcaps', name) as string;
    const plain = cli(['flows', path, '-q']);
    assert.equal(plain.code, 0, plain.err);
    const z = compress(readFileSync(path), [...options]);
    writeFileSync(join(dir, `${name}.lz4`), z);
    const fromFile = cli(['flows', `${name}.lz4`, '-q']);
    assert.equal(fromFile.code, 0, fromFile.err);
    assert.equal(rows(fromFile.out), rows(plain.out), `${name}.lz4 (${options.join(' ')}): the same flows`);
    const piped = cli(['flows', '-', '-q'], z);
    assert.equal(piped.code, 0, piped.err);
    assert.equal(rows(piped.out), rows(plain.out), `${name} piped`);
  }
  writeFileSync(join(dir, 'misnamed.pcap'), readFileSync(join(dir, 'synscan.pcapng.lz4')));
  const misnamed = cli(['flows', 'misnamed.pcap', '-q']);
  assert.equal(misnamed.code, 0, misnamed.err);
  assert.equal(misnamed.out.trim().split('\n').length, 1995, 'synscan: 1,994 flows and the header');
});

test('a folder of lz4-compressed rotations (trace.lz4, trace1.lz4, ...) is one capture, read oldest first', { skip }, () => {
  const folder = join(dir, 'rotated');
  const parts = join(dir, 'parts');
  mkdirSync(folder, { recursive: true });
  mkdirSync(parts, { recursive: true });
  const whole = sharedPath('pcaps', 'synscan.pcapng') as string;
  const r = spawnSync(editcap as string, ['-F', 'pcap', '-c', '1000', whole, join(parts, 'part.pcap')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const made = readdirSync(parts).sort();
  assert.ok(made.length >= 3, made.join(' '));
  // named against their order (the newest first), and no capture name: found by their bytes, put in time order by their first packets
  made.forEach((f, i) => writeFileSync(join(folder, `trace${made.length - 1 - i || ''}`), compress(readFileSync(join(parts, f)))));
  const expected = cli(['flows', whole, '-q']).out.trim().split('\n').length;
  const got = cli(['flows', folder, '-q']);
  assert.equal(got.code, 0, got.err);
  assert.equal(got.out.trim().split('\n').length, expected, 'the flows of the whole capture');
  assert.doesNotMatch(got.err, /out of time order|restart/);
});

test('an lz4 capture cut short in its first 4 MiB block: the packets before the cut, said so; damage named by its byte', { skip }, () => {
  const z = compress(readFileSync(sharedPath('pcaps', 'synscan.pcapng') as string));
  assert.ok(z.length < 4 << 20, 'one block');
  writeFileSync(join(dir, 'cut.pcapng.lz4'), z.subarray(0, Math.floor(z.length / 2)));
  const cut = cli(['flows', 'cut.pcapng.lz4', '-o', 'cut.csv', '-q']);
  assert.equal(cut.code, 2, cut.err);
  assert.match(cut.err, /^netsentinel: cut\.pcapng\.lz4: not a valid lz4 file \(unexpected end of data\): the compressed capture is cut short; [\d,]+ packets before the cut were read; --allow-truncated uses them/);
  const allowed = cli(['flows', 'cut.pcapng.lz4', '-o', 'cut.csv', '--allow-truncated', '-q']);
  assert.equal(allowed.code, 0, allowed.err);
  assert.match(allowed.err, /warning: cut\.pcapng\.lz4: the compressed capture is cut short \(its lz4 stream ends early\): the flows of the [\d,]+ packets before the cut are used/);
  const kept = readFileSync(join(dir, 'cut.csv'), 'utf8').trim().split('\n').length - 1;
  assert.ok(kept > 100 && kept < 1994, `half the compressed bytes give some of the flows: ${kept} of 1,994`);
  // a changed byte inside a block with checksums: one line naming the file and where
  const checked = compress(readFileSync(sharedPath('pcaps', 'synscan.pcapng') as string), ['-B4', '-BX']);
  const bad = Buffer.from(checked);
  bad[Math.floor(bad.length / 2)] ^= 0xff;
  writeFileSync(join(dir, 'bad.pcapng.lz4'), bad);
  const damaged = cli(['flows', 'bad.pcapng.lz4', '-q']);
  assert.equal(damaged.code, 2, damaged.err);
  assert.match(damaged.err, /^netsentinel: bad\.pcapng\.lz4: not a valid lz4 file \(at byte \d+: a block's checksum does not match it\)/);
  assert.equal(damaged.err.trim().split('\n').length, 1, damaged.err);
  assert.doesNotMatch(damaged.err, /\n\s+at /);
});

test('an lz4-compressed flow CSV reads as the plain one', { skip }, async () => {
  const plain = join(dir, 'flows.csv');
  assert.equal(cli(['flows', sharedPath('pcaps', 'synscan.pcapng') as string, '-o', plain, '-q']).code, 0);
  writeFileSync(`${plain}.lz4`, compress(readFileSync(plain)));
  const a = await readDataset([plain]);
  const b = await readDataset([`${plain}.lz4`]);
  assert.equal(b.format, a.format);
  assert.equal(b.rowCount, a.rowCount);
  assert.deepEqual(b.columns.map((c) => c.name), a.columns.map((c) => c.name));
});
