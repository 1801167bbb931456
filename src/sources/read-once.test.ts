/**
 * A folder is read from disk once: the bytes read to sniff each file's format (and, for captures,
 * to put them in packet order) are where the reader starts, not read again. Before, sniffing read a
 * 1 MiB chunk plus the stream's read-ahead of every file and the read began again at byte 0 (a
 * folder of CSV files of 1-2 MB was read twice), and a folder's captures had their first 64 KiB
 * read three times (ordering, sniffing, reading). Counted with Linux's /proc/self/io (rchar: every
 * byte a read(2) returned to this process, from disk or the page cache).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { streamDataset } from './read-dataset.js';
import { writePcap } from '../testing/capture-writer.js';
import { ipFrame, udpDatagram } from '../testing/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-read-once-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const skip = existsSync('/proc/self/io') ? false : 'needs /proc/self/io (Linux)';
const rchar = (): number => Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

/** bytes read by this process while the folder is read (the second of two reads: the first loads modules) */
async function bytesRead(folder: string): Promise<{ read: number; rows: number }> {
  let out = { read: 0, rows: 0 };
  for (let run = 0; run < 2; run++) {
    const r0 = rchar();
    let rows = 0;
    for await (const t of streamDataset([folder], { warn: () => {}, skipped: () => {} })) rows += t.rowCount;
    out = { read: rchar() - r0, rows };
  }
  return out;
}

test('a folder of CSV files is read once, not its first megabyte (here: all of it) twice', { skip }, async () => {
  const folder = join(dir, 'csv');
  mkdirSync(folder);
  let size = 0;
  for (let f = 0; f < 3; f++) {
    const lines = ['src_ip,dst_ip,dst_port,proto,duration,bytes'];
    for (let i = 0; i < 12_000; i++) lines.push(`10.0.${f}.${i % 250},192.0.2.${i % 100},${1000 + (i % 3000)},tcp,${(i % 97) / 10},${100 + i}`);
    const text = lines.join('\n') + '\n';
    writeFileSync(join(folder, `day${f}.csv`), text);
    size += text.length;
  }
  const { read, rows } = await bytesRead(folder);
  assert.equal(rows, 36_000);
  // before: 2 × size (each ~500 KB file read whole by sniffing, then again)
  assert.ok(read < size * 1.05, `read ${read} bytes of ${size}`);
});

test('a folder of captures is read once: the first 64 KiB used to order and sniff them are where reading starts', { skip }, async () => {
  const folder = join(dir, 'pcap');
  mkdirSync(folder);
  let size = 0;
  for (let f = 0; f < 3; f++) {
    const packets = Array.from({ length: 3000 }, (_, i) => ({
      tsMicros: 1_600_000_000e6 + f * 100e6 + i * 1000,
      data: ipFrame({ src: `10.0.${f}.${1 + (i % 200)}`, dst: '192.0.2.1', proto: 17, payload: udpDatagram(40000 + (i % 500), 53, new Uint8Array(60)) }),
    }));
    const bytes = writePcap(packets, { linkType: 1 });
    // named so that name order is not packet order: the folder is ordered by first packets
    writeFileSync(join(folder, `trace.pcap.${3 - f}`), bytes);
    size += bytes.length;
  }
  const { read, rows } = await bytesRead(folder);
  assert.ok(rows > 0);
  // before: size + 2 × 64 KiB per capture (ordering, then sniffing a 1 MiB chunk: here the whole file)
  assert.ok(read < size + 16 * 1024, `read ${read} bytes of ${size}`);
});
