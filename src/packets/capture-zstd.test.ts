/**
 * zstd-compressed captures (`tcpdump -z zstd`, archives of rotated captures, `.pcap.zst`) as a user
 * gives them to the CLI: the flows of their plain originals, through the `zstd` program and through
 * the in-process decoder (the CLI run with no zstd on its PATH), from a file or a pipe; a folder of
 * `tcpdump -C -w trace -z zstd` rotations (trace.zst, trace1.zst ..., no capture name) read in time
 * order; a stream cut short (an error naming the file and what --allow-truncated keeps, or with it
 * the flows before the cut); and a flow CSV compressed so (every reader takes the same bytes).
 * Needs the zstd program to make the files and editcap to cut a capture: skipped, saying why, without them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { findProgram } from '../util/find-program.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-zstd-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const zstd = findProgram('zstd');
const editcap = findProgram('editcap');
const skip = skipWithoutShared('pcaps', 'synscan.pcapng') || (zstd && editcap ? false : 'needs the zstd program (Debian package zstd) and editcap (wireshark-common)');

/** the CLI with the zstd program on its PATH, or without it (the in-process decoder) */
function cli(args: string[], o: { withProgram: boolean; input?: Buffer }): { code: number; out: string; err: string } {
  const env = { ...process.env, PATH: o.withProgram ? (process.env.PATH ?? '') : join(dir, 'empty-path') };
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, input: o.input, env, maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function compress(data: Uint8Array): Buffer {
  const r = spawnSync(zstd as string, ['-3', '-c', '-q'], { input: data, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}

const ways = [
  ['the zstd program', true],
  ['the in-process decoder', false],
] as const;

test('zstd-compressed captures give the flows of their plain originals, from a file or a pipe, either decoder', { skip }, () => {
  mkdirSync(join(dir, 'empty-path'), { recursive: true });
  for (const name of ['synscan.pcapng', 'http_ip4and6.pcapng', 'ipv6_fragments.pcapng']) {
    const path = sharedPath('pcaps', name) as string;
    const plain = cli(['flows', path, '-q'], { withProgram: true });
    assert.equal(plain.code, 0, plain.err);
    const z = compress(readFileSync(path));
    writeFileSync(join(dir, `${name}.zst`), z);
    for (const [how, withProgram] of ways) {
      const fromFile = cli(['flows', `${name}.zst`, '-q'], { withProgram });
      assert.equal(fromFile.code, 0, `${name} through ${how}: ${fromFile.err}`);
      assert.equal(fromFile.out.replace(/^[^,\n]*,/gm, ''), plain.out.replace(/^[^,\n]*,/gm, ''), `${name}.zst through ${how}: the same flows`);
      const piped = cli(['flows', '-', '-q'], { withProgram, input: z });
      assert.equal(piped.code, 0, piped.err);
      assert.equal(piped.out.split('\n').length, plain.out.split('\n').length, `${name} piped through ${how}`);
    }
  }
  // a misnamed file is read by its bytes, as gzip is
  writeFileSync(join(dir, 'misnamed.pcap'), readFileSync(join(dir, 'synscan.pcapng.zst')));
  const misnamed = cli(['flows', 'misnamed.pcap', '-q'], { withProgram: true });
  assert.equal(misnamed.code, 0, misnamed.err);
  assert.equal(misnamed.out.trim().split('\n').length, 1995, 'synscan: 1,994 flows and the header');
});

test('a folder of tcpdump -C -z zstd rotations (trace.zst, trace1.zst, ...) is one capture, read oldest first', { skip }, () => {
  const folder = join(dir, 'rotated');
  mkdirSync(folder, { recursive: true });
  const whole = sharedPath('pcaps', 'synscan.pcapng') as string;
  // three files of the capture, as tcpdump -C cuts it (editcap -c: 1,000 packets each)
  const parts = join(dir, 'parts');
  mkdirSync(parts, { recursive: true });
  const r = spawnSync(editcap as string, ['-F', 'pcap', '-c', '1000', whole, join(parts, 'part.pcap')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const made = spawnSync('ls', [parts], { encoding: 'utf8' }).stdout.trim().split('\n').sort();
  assert.ok(made.length >= 3, made.join(' '));
  // tcpdump's names: trace, trace1, trace2 ...; zstd adds .zst
  made.forEach((f, i) => writeFileSync(join(folder, `trace${i === 0 ? '' : i}.zst`), compress(readFileSync(join(parts, f)))));
  const expected = cli(['flows', whole, '-q'], { withProgram: true }).out.trim().split('\n').length;
  for (const [how, withProgram] of ways) {
    const got = cli(['flows', folder, '-q'], { withProgram });
    assert.equal(got.code, 0, `${how}: ${got.err}`);
    assert.equal(got.out.trim().split('\n').length, expected, `${how}: the flows of the whole capture`);
    assert.doesNotMatch(got.err, /out of time order/);
  }
});

test('a zstd capture cut short: an error naming the file and what --allow-truncated keeps; with it, the flows before the cut', { skip }, () => {
  // in small blocks (a 4 KiB window: zstd's blocks are 128 KiB at most, and synscan's 185 KB fill two),
  // so half the compressed bytes hold whole blocks
  const small = spawnSync(zstd as string, ['-3', '--zstd=wlog=12', '-c', '-q', sharedPath('pcaps', 'synscan.pcapng') as string], { maxBuffer: 1 << 26 });
  assert.equal(small.status, 0, String(small.stderr));
  const z = small.stdout;
  writeFileSync(join(dir, 'cut.pcapng.zst'), z.subarray(0, Math.floor(z.length / 2)));
  const rows: number[] = [];
  for (const [how, withProgram] of ways) {
    const cut = cli(['flows', 'cut.pcapng.zst', '-o', 'zcut.csv', '-q'], { withProgram });
    assert.equal(cut.code, 2, `${how}: ${cut.err}`);
    assert.match(cut.err, /^netsentinel: cut\.pcapng\.zst: not a valid zstd file \(.+\): the compressed capture is cut short; [\d,]+ packets before the cut were read; --allow-truncated uses them/, how);
    assert.doesNotMatch(cut.err, /\n\s+at /);
    const allowed = cli(['flows', 'cut.pcapng.zst', '-o', 'zcut.csv', '--allow-truncated', '-q'], { withProgram });
    assert.equal(allowed.code, 0, allowed.err);
    assert.match(allowed.err, /warning: cut\.pcapng\.zst: the compressed capture is cut short \(its zstd stream ends early\): the flows of the \d+ packets before the cut are used/);
    rows.push(readFileSync(join(dir, 'zcut.csv'), 'utf8').trim().split('\n').length - 1);
  }
  assert.ok(rows[0] > 100 && rows[0] < 1994, `half the compressed bytes give some of the flows: ${rows[0]} of 1,994`);
  assert.equal(rows[1], rows[0], 'both decoders stop at the same block');
  // cut before its first whole block: nothing before the cut, said so (not "the file is empty")
  writeFileSync(join(dir, 'early.pcapng.zst'), compress(readFileSync(sharedPath('pcaps', 'synscan.pcapng') as string)).subarray(0, 2000));
  for (const [how, withProgram] of ways) {
    for (const flag of [['--allow-truncated'], []]) {
      const early = cli(['flows', 'early.pcapng.zst', ...flag, '-q'], { withProgram });
      assert.equal(early.code, 2, `${how}: ${early.err}`);
      assert.equal(early.err, 'netsentinel: early.pcapng.zst: the compressed capture is cut short before its first packet (its zstd stream ends early): nothing to read\n', `${how} ${flag}`);
    }
  }
  // the zstd magic and then noise: one line naming the file
  writeFileSync(join(dir, 'noise.pcap.zst'), Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(3000, 0x5a)]));
  for (const [how, withProgram] of ways) {
    const noise = cli(['flows', 'noise.pcap.zst', '-q'], { withProgram });
    assert.equal(noise.code, 2, `${how}: ${noise.err}`);
    assert.match(noise.err, /^netsentinel: noise\.pcap\.zst: not a valid zstd file \(.+\)/, how);
    assert.equal(noise.err.trim().split('\n').length, 1, noise.err);
  }
});

test('a zstd-compressed flow CSV reads as the plain one (every input goes through the same bytes)', { skip }, async () => {
  const plain = join(dir, 'flows.csv');
  assert.equal(cli(['flows', sharedPath('pcaps', 'synscan.pcapng') as string, '-o', plain, '-q'], { withProgram: true }).code, 0);
  writeFileSync(`${plain}.zst`, compress(readFileSync(plain)));
  const a = await readDataset([plain]);
  const b = await readDataset([`${plain}.zst`]);
  assert.equal(b.format, a.format);
  assert.equal(b.rowCount, a.rowCount);
  assert.deepEqual(b.columns.map((c) => c.name), a.columns.map((c) => c.name));
  const profiled = cli(['profile', `${plain}.zst`, '--json'], { withProgram: false });
  assert.equal(profiled.code, 0, profiled.err);
  assert.equal((JSON.parse(profiled.out) as { rows: number }).rows, a.rowCount);
});
