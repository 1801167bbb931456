/**
 * The rotated capture files of `capture --write`: every packet of a real capture written through
 * RotatingCaptureWriter comes back, in order and byte for byte (times to the microsecond, lengths,
 * link type), from the files read one after another; files rotate at the size and at the capture
 * time asked for; nothing but whole files is left; an aborted writer leaves no temporary.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { findProgram } from '../util/find-program.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { captureChunks } from './capture-file-chunks.js';
import { newCapturePacket } from './capture-packet.js';
import { readCapture } from './read-capture.js';
import { RotatingCaptureWriter } from './live-rotation.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-rotation-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Kept {
  ts: number;
  capLen: number;
  wireLen: number;
  linkType: number;
  bytes: string;
}

async function packetsOf(files: readonly string[]): Promise<Kept[]> {
  const out: Kept[] = [];
  for (const f of files) {
    const src = await captureChunks({ display: f, path: f });
    await readCapture(src.chunks, f, (p) => {
      out.push({ ts: Math.floor(p.tsMicros), capLen: p.capLen, wireLen: p.wireLen, linkType: p.linkType, bytes: Buffer.from(p.data.subarray(p.offset, p.offset + p.capLen)).toString('hex') });
    });
  }
  return out;
}

/** Feed kept packets to a writer, draining every `every` packets as the live source does between chunks. */
async function feed(w: RotatingCaptureWriter, packets: readonly Kept[], every = 50): Promise<void> {
  const p = newCapturePacket();
  for (let i = 0; i < packets.length; i++) {
    const k = packets[i];
    p.data = Buffer.from(k.bytes, 'hex');
    p.offset = 0;
    p.capLen = k.capLen;
    p.wireLen = k.wireLen;
    p.tsMicros = k.ts;
    p.linkType = k.linkType;
    w.packet(p);
    if (i % every === every - 1) await w.drain();
  }
}

const skip = skipWithoutShared('pcaps', 'tcp_ports.pcapng');

test('rotation by size: every packet back, in order, from whole files under the limit', { skip }, async () => {
  const source = sharedPath('pcaps', 'tcp_ports.pcapng') as string;
  const out = join(dir, 'by-size');
  mkdirSync(out);
  const w = new RotatingCaptureWriter({ dir: out, prefix: 'eth0', bytes: 8000 });
  const original = await packetsOf([source]);
  await feed(w, original);
  await w.close();
  const files = readdirSync(out).sort();
  assert.deepEqual(files, w.files.map((f) => f.slice(out.length + 1)).sort(), 'only the completed files are there (no temporaries)');
  assert.ok(files.length > 3, `several files: ${files.length}`);
  assert.ok(files.every((f) => /^eth0-\d{8}T\d{6}Z-\d{4}\.pcap$/.test(f)), files.join(', '));
  for (const f of files) assert.ok(statSync(join(out, f)).size <= 8000, `${f} is within the size limit`);
  const back = await packetsOf(w.files);
  assert.equal(back.length, original.length);
  assert.deepEqual(back, original);
});

test('rotation by capture time, and an aborted writer leaves nothing', { skip }, async () => {
  const source = sharedPath('pcaps', 'tcp_ports.pcapng') as string;
  const out = join(dir, 'by-time');
  mkdirSync(out);
  const w = new RotatingCaptureWriter({ dir: out, prefix: 'any', seconds: 1 });
  const original = await packetsOf([source]);
  await feed(w, original);
  await w.close();
  const back = await packetsOf(w.files);
  assert.deepEqual(back, original);
  // each file spans less than a second of capture time, and the next starts with the packet that crossed it
  assert.ok(w.files.length > 1);
  let prevFirst = -Infinity;
  for (const f of w.files) {
    const ps = await packetsOf([f]);
    assert.ok(ps[ps.length - 1].ts - ps[0].ts < 1e6, f);
    assert.ok(ps[0].ts - prevFirst >= 1e6, `${f} starts a second or more after the previous file`);
    prevFirst = ps[0].ts;
  }

  const aborted = join(dir, 'aborted');
  mkdirSync(aborted);
  const a = new RotatingCaptureWriter({ dir: aborted, prefix: 'x' });
  await feed(a, original);
  await a.drain();
  assert.equal(readdirSync(aborted).length, 1, 'a temporary while the file is open');
  await a.abort();
  assert.deepEqual(readdirSync(aborted), []);
});

for (const [compress, suffix] of [['gzip', '.gz'], ['zstd', '.zst']] as const) {
  const zstdProgram = findProgram('zstd');
  test(`--compress ${compress}: every packet back from files compressed as they were written, the size limit on the pcap before compression`, { skip: skip || (compress === 'zstd' && !zstdProgram ? 'needs the zstd program (Debian package zstd)' : false) }, async () => {
    const source = sharedPath('pcaps', 'tcp_ports.pcapng') as string;
    const out = join(dir, `compressed-${compress}`);
    mkdirSync(out);
    const w = new RotatingCaptureWriter({ dir: out, prefix: 'eth0', bytes: 40_000, compress, zstdProgram });
    const original = await packetsOf([source]);
    await feed(w, original);
    await w.close();
    const files = readdirSync(out).sort();
    assert.deepEqual(files, w.files.map((f) => f.slice(out.length + 1)).sort(), 'only the completed files are there (no temporaries)');
    assert.ok(files.length > 3 && files.every((f) => new RegExp(`^eth0-\\d{8}T\\d{6}Z-\\d{4}\\.pcap\\${suffix}$`).test(f)), files.join(', '));
    // read back through the readers (which tell the compression by its magic bytes), byte for byte
    assert.deepEqual(await packetsOf(w.files), original);
    // each file is a standard compressed pcap: the system's own decompressor gives a pcap under the limit
    for (const f of w.files) {
      const plain = compress === 'gzip' ? gunzipSync(readFileSync(f)) : spawnSync(zstdProgram as string, ['-dc', f], { maxBuffer: 1 << 26 }).stdout;
      assert.equal(plain.readUInt32LE(0), 0xa1b2c3d4, `${f} holds a pcap`);
      assert.ok(plain.length <= 40_000, `${f}: ${plain.length} bytes of pcap`);
      assert.ok(statSync(f).size < plain.length, `${f} is smaller compressed`);
    }
    // aborted: nothing left, the compressor stopped
    const aborted = join(dir, `aborted-${compress}`);
    mkdirSync(aborted);
    const a = new RotatingCaptureWriter({ dir: aborted, prefix: 'x', compress, zstdProgram });
    await feed(a, original);
    await a.drain();
    await a.abort();
    assert.deepEqual(readdirSync(aborted), []);
  });
}
