/**
 * A plain capture file read straight into the reader's window (`fill`): every byte arrives, in
 * order, across many chunks read mostly synchronously; the event loop still turns while a large
 * file is read (timers and other I/O are not held up until the end); small synchronous reads land
 * at the window's front; a gzip-compressed file goes through ByteSource instead.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { ByteWindow } from './byte-window.js';
import { captureChunks, isWindowFiller, type WindowFiller } from './capture-file-chunks.js';

const tmp = mkdtempSync(join(tmpdir(), 'ns-chunks-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** 40 MB of bytes that differ from chunk to chunk (a misplaced or repeated chunk changes the hash) */
function bytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 0x12345678;
  for (let i = 0; i < n; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b.writeUInt32LE(x, i);
  }
  return b;
}

/** a 40 MB file of bytes(), opened as a capture whose chunks fill a window straight */
async function bigFiller(name: string): Promise<{ data: Buffer; c: Awaited<ReturnType<typeof captureChunks>>; filler: WindowFiller; win: ByteWindow; hash: ReturnType<typeof createHash> }> {
  const data = bytes(40 << 20);
  const path = join(tmp, name);
  writeFileSync(path, data);
  const c = await captureChunks({ display: path, path });
  assert.ok(isWindowFiller(c.chunks));
  return { data, c, filler: c.chunks, win: new ByteWindow(), hash: createHash('sha256') };
}

test('a large plain file arrives whole through fill, and the event loop turns while it is read', async () => {
  const { data, c, filler, win, hash } = await bigFiller('big.pcap');
  let turns = 0;
  let tick = setImmediate(function again() {
    turns++;
    tick = setImmediate(again);
  });
  let fills = 0;
  let got = 0;
  /** turns while data was being read (the last fill, which finds the end, also closes the file) */
  let turnsReading = 0;
  try {
    for (;;) {
      const n = await filler.fill(win);
      if (n === 0) break;
      fills++;
      got += n;
      // consume everything, as a reader that parsed whole records would (the window slides)
      hash.update(win.buf.subarray(win.start, win.end));
      win.start = win.end;
      turnsReading = turns;
    }
  } finally {
    clearImmediate(tick);
  }
  assert.equal(got, data.length);
  assert.equal(c.bytesRead(), data.length);
  assert.equal(hash.digest('hex'), createHash('sha256').update(data).digest('hex'));
  assert.ok(fills >= 40, `${fills} chunks`);
  // 40 one-megabyte reads: the event loop got its turns in between, not only at the end
  assert.ok(turnsReading > 0, `the event loop turned ${turnsReading} times during ${fills} reads`);
  // at the end the file is closed, and more fills say so
  assert.equal(await filler.fill(win), 0);
});

test('fillSync reads on at the window\'s front, and leaves the first chunk and every asynchronous read to fill', async () => {
  const { data, filler, win, hash } = await bigFiller('big-sync.pcap');
  // the first chunk was read to look for the gzip magic: only fill hands it over
  assert.equal(filler.fillSync(win), -1);
  let fills = 0;
  let syncReads = 0;
  let got = 0;
  /** the furthest a read reached into the window (reads kept at its front stay in the cache) */
  let reach = 0;
  // a record left half read at the end of each read: those bytes must move along with the window
  const take = (): void => {
    reach = Math.max(reach, win.end);
    const keep = Math.min(100, win.end - win.start);
    hash.update(win.buf.subarray(win.start, win.end - keep));
    win.start = win.end - keep;
  };
  for (;;) {
    const n = await filler.fill(win);
    if (n === 0) break;
    fills++;
    got += n;
    take();
    for (;;) {
      const m = filler.fillSync(win);
      if (m <= 0) break;
      syncReads++;
      got += m;
      take();
    }
  }
  hash.update(win.buf.subarray(win.start, win.end));
  assert.equal(got, data.length);
  assert.equal(hash.digest('hex'), createHash('sha256').update(data).digest('hex'));
  // 320 reads of 128 KB: the first chunk, then one in 128 asynchronous (twice), the rest synchronous
  assert.equal(fills, 3);
  assert.ok(syncReads > 300, `${syncReads} synchronous reads`);
  assert.ok(reach <= (128 << 10) + 100, `reads reached ${reach} bytes into the window`);
});

test('a gzip-compressed file is not read straight (ByteSource undoes the compression)', async () => {
  const data = bytes(1 << 16);
  const path = join(tmp, 'small.pcap.gz');
  writeFileSync(path, gzipSync(data));
  const c = await captureChunks({ display: path, path });
  assert.equal(isWindowFiller(c.chunks), false);
  const parts: Buffer[] = [];
  for await (const chunk of c.chunks) parts.push(Buffer.from(chunk));
  assert.deepEqual(Buffer.concat(parts), data);
});
