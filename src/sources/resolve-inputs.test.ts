import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ANALYZE_FILES, CLUSTER_FILES } from '../report/plot-files.js';
import { DATA_FILE, OWN_OUTPUTS, resolveInputs } from './resolve-inputs.js';
import { findProgram } from '../util/find-program.js';
import { spawnSync } from 'node:child_process';

test('OWN_OUTPUTS holds every output of analyze, cluster and respond that a folder search would take for data', () => {
  // respond writes blocked_ips.txt beside netsentinel.nft and netsentinel.ipset (src/respond/block/block-files.ts)
  const written = [...ANALYZE_FILES, ...CLUSTER_FILES, 'blocked_ips.txt', 'netsentinel.nft', 'netsentinel.ipset'];
  const taken = written.filter((n) => DATA_FILE.test(n));
  assert.deepEqual([...OWN_OUTPUTS].sort(), taken.sort());
});

test('a folder and a pattern list their files in the order people number them (day2 before day10)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-resolve-'));
  try {
    for (const n of ['day10.csv', 'day2.csv', 'Day1.csv', 'day1.csv', 'notes.md']) writeFileSync(join(dir, n), 'a,b\n1,2\n');
    const want = ['day1.csv', 'Day1.csv', 'day2.csv', 'day10.csv'];
    assert.deepEqual((await resolveInputs([dir])).map((f) => basename(f.display)), want);
    assert.deepEqual((await resolveInputs([join(dir, '*.csv')])).map((f) => basename(f.display)), want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder of rotated captures gives every rotation: tcpdump -C numbering, logrotate numbering, and captures named without an extension', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-resolve-'));
  try {
    const pcapLe = Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]);
    const pcapBeNano = Buffer.from([0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 1]);
    const pcapng = Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a]);
    // tcpdump -C 100 -w trace.pcap writes trace.pcap, trace.pcap1, trace.pcap2 ... (numbered in order)
    for (const n of ['trace.pcap', 'trace.pcap1', 'trace.pcap2', 'trace.pcap10', 'trace.pcapng3', 'old.pcap.1', 'old.pcap.2.gz']) writeFileSync(join(dir, n), pcapLe);
    // tcpdump -C 100 -w cap: the rotations carry no extension at all; known by their magic number
    writeFileSync(join(dir, 'cap'), pcapLe);
    writeFileSync(join(dir, 'cap1'), pcapBeNano);
    writeFileSync(join(dir, 'ring'), pcapng);
    writeFileSync(join(dir, 'cap2.gz'), gzipSync(pcapLe)); // tcpdump -C -z gzip
    writeFileSync(join(dir, 'notes.gz'), gzipSync('not a capture either\n'));
    // not captures: text, a short file, an unrelated binary, a hidden file
    writeFileSync(join(dir, 'notes'), 'not a capture\n');
    writeFileSync(join(dir, 'x'), Buffer.from([0xd4, 0xc3]));
    writeFileSync(join(dir, 'blob.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]));
    writeFileSync(join(dir, '.hidden'), pcapLe);
    const got = (await resolveInputs([dir])).map((f) => basename(f.display));
    assert.deepEqual(got, ['cap', 'cap1', 'cap2.gz', 'old.pcap.1', 'old.pcap.2.gz', 'ring', 'trace.pcap', 'trace.pcap1', 'trace.pcap2', 'trace.pcap10', 'trace.pcapng3']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder with zstd: .zst names taken as .gz ones are, and tcpdump -C -z zstd rotations by what they decompress to', { skip: findProgram('zstd') ? false : 'needs the zstd program (Debian package zstd)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-resolve-'));
  const zstd = (data: Uint8Array): Buffer => spawnSync('zstd', ['-c', '-q'], { input: data }).stdout;
  try {
    const pcapLe = Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]);
    writeFileSync(join(dir, 'old.pcap.3.zst'), zstd(pcapLe));
    writeFileSync(join(dir, 'day1.csv.zst'), zstd(Buffer.from('a,b\n1,2\n')));
    writeFileSync(join(dir, 'cap3.zst'), zstd(pcapLe)); // tcpdump -C -w cap -z zstd
    writeFileSync(join(dir, 'notes.zst'), zstd(Buffer.from('not a capture\n')));
    writeFileSync(join(dir, 'flows_scored.csv.zst'), zstd(Buffer.from('a,b\n1,2\n'))); // an analyze output, compressed
    const got = (await resolveInputs([dir])).map((f) => basename(f.display));
    assert.deepEqual(got, ['cap3.zst', 'day1.csv.zst', 'old.pcap.3.zst']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
