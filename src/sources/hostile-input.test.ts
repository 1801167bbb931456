// Issue 9 #6, #7 and #10 (cell counts): wide and long input, pipes, encodings, delimiters, binary
// files, and cells the pipeline imputes. Each test failed before its fix.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { getColumn } from '../flows/table.js';
import { UserError } from '../util/errors.js';
import { cellCountWarnings } from './cell-warnings.js';
import { readDataset } from './read-dataset.js';
import { numbers, texts } from '../testing/table-values.js';

const dir = mkdtempSync(join(tmpdir(), 'netsentinel-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, data: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

const quiet = { warn: () => {} };
const SAMPLE = 'bytes,proto,label\n10,tcp,normal\n20,udp,attack\n30,tcp,normal\n';

function header(n: number): string {
  return Array.from({ length: n }, (_, i) => `c${i}`).join(',') + '\n';
}

test('a wide header-only file reserves memory for the rows it has, not 65,536 rows per column', async () => {
  const p = write('wide.csv', header(4000));
  const before = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const t = await readDataset([p], { ...quiet, progress: () => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)) });
  peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  assert.equal(t.rowCount, 0);
  assert.equal(t.columns.length, 4000);
  // before the fix: 4,000 columns × 65,536 rows × 8 bytes = 2 GB
  assert.ok(peak - before < 256 * 1024 * 1024, `reserved ${((peak - before) / 1048576).toFixed(0)} MB`);
});

test('a 50,000-column header is refused at once, naming --max-columns; raised, it reads', async () => {
  const p = write('wider.csv', header(50_000) + Array.from({ length: 50_000 }, (_, i) => i % 7).join(',') + '\n');
  await assert.rejects(readDataset([p], quiet), (e: Error) => e instanceof UserError && /more than 10,000 fields.*--max-columns/.test(e.message) && !e.message.includes('\n'));
  const t = await readDataset([p], { ...quiet, limits: { maxColumns: 60_000 } });
  assert.equal(t.columns.length, 50_000);
  assert.deepEqual(numbers(t, 'c49999'), [49_999 % 7]);
});

test('a line longer than the limit is refused naming --max-line-bytes, quoted or not', async () => {
  const p = write('long.csv', `a,b\n${'x'.repeat(5000)},1\n`);
  await assert.rejects(readDataset([p], { ...quiet, limits: { maxLineBytes: 1000 } }), (e: Error) => e instanceof UserError && /line 2.*longer than 1,000 bytes.*--max-line-bytes/.test(e.message));
  const q = write('longq.csv', `a,b\n"${'x'.repeat(5000)}",1\n`);
  await assert.rejects(readDataset([q], { ...quiet, limits: { maxLineBytes: 1000 } }), (e: Error) => e instanceof UserError && /--max-line-bytes/.test(e.message));
  const noNewline = write('nonl.csv', 'y'.repeat(3 << 20));
  await assert.rejects(readDataset([noNewline], { ...quiet, limits: { maxLineBytes: 1 << 20 } }), (e: Error) => e instanceof UserError && /longer than 1 MiB/.test(e.message));
});

test('an error quotes at most ~100 characters of a field', async () => {
  // (the field is past the records the types are judged on: "a" is typed a number column, and text
  // in a number column is read as missing with a warning quoting the first such cell)
  const p = write('bigfield.csv', `a,b\n${'z'.repeat(1 << 20)},1\n`);
  const warnings: string[] = [];
  await readDataset([p], { warn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.ok(warnings[0].length < 500 && /1,048,576 characters/.test(warnings[0]), warnings[0]);
  const q = write('names.csv', header(500) + Array.from({ length: 500 }, () => '1').join(',') + '\n');
  await assert.rejects(readDataset([q], { ...quiet, label: 'nope' }), (e: Error) => e instanceof UserError && e.message.length < 1000 && /and 480 more/.test(e.message));
});

async function fifoRead(data: string): Promise<ReturnType<typeof readDataset>> {
  const fifo = join(dir, `fifo-${Math.random().toString(36).slice(2)}`);
  execFileSync('mkfifo', [fifo]);
  const w = createWriteStream(fifo);
  w.end(data);
  return readDataset([fifo], quiet);
}

test('a named FIFO (as <(cmd) and /dev/stdin are) is read once, as a stream: its first 64 KiB are not lost', async () => {
  let text = 'bytes,proto,label\n';
  for (let i = 0; i < 20_000; i++) text += `${i},${i % 2 ? 'tcp' : 'udp'},${i % 3 ? 'normal' : 'attack'}\n`;
  const t = await fifoRead(text);
  assert.equal(t.rowCount, 20_000);
  assert.equal(numbers(t, 'bytes')[0], 0);
  assert.equal(numbers(t, 'bytes')[19_999], 19_999);
});

test('/dev/stdin of a child process reading a pipe gives every row', async (t) => {
  const main = new URL('../cli/main.js', import.meta.url).pathname;
  const p = write('kdd-like.csv', SAMPLE);
  const child = spawn(process.execPath, [main, 'profile', '/dev/stdin', '--json', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(SAMPLE);
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const code = await new Promise((r) => child.on('close', r));
  assert.equal(code, 0, `exit ${code}`);
  assert.match(out, /"rows":\s*3\b/);
  void p;
  void t;
});

test('UTF-16 (LE/BE, with or without BOM) reads the same as UTF-8', async () => {
  const want = await readDataset([write('u8.csv', SAMPLE)], quiet);
  for (const [name, bytes] of [
    ['le-bom', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, 'utf16le')])],
    ['le', Buffer.from(SAMPLE, 'utf16le')],
    ['be-bom', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(SAMPLE, 'utf16le').swap16()])],
    ['be', Buffer.from(SAMPLE, 'utf16le').swap16()],
    ['le-gz', gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, 'utf16le')]))],
  ] as const) {
    const t = await readDataset([write(`${name}.csv`, bytes)], quiet);
    assert.deepEqual(t.columns.map((c) => c.name), want.columns.map((c) => c.name), name);
    assert.deepEqual(numbers(t, 'bytes'), [10, 20, 30], name);
    assert.deepEqual(texts(t, 'proto'), ['tcp', 'udp', 'tcp'], name);
  }
});

test('semicolon- and tab-separated files are read with their delimiter, and the reader says so', async () => {
  for (const [name, d, word] of [['semi', ';', 'semicolon'], ['tab', '\t', 'tab'], ['bar', '|', 'bar']] as const) {
    const warnings: string[] = [];
    const t = await readDataset([write(`${name}.csv`, SAMPLE.replace(/,/g, d))], { warn: (m) => warnings.push(m) });
    assert.deepEqual(numbers(t, 'bytes'), [10, 20, 30], name);
    assert.ok(warnings.some((w) => w.includes(`${word}-separated`)), warnings.join('|'));
  }
  // a comma file with semicolons inside a field stays comma-separated
  const t = await readDataset([write('mixed.csv', 'a,b\n"x;y",1\n')], quiet);
  assert.deepEqual(texts(t, 'a'), ['x;y']);
});

test('binary input no reader claims is refused with one line showing its first bytes', async () => {
  const random = Buffer.alloc(4096);
  for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) & 0xff;
  const pcapng = Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000', 'hex');
  const pcap = Buffer.concat([Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex'), Buffer.alloc(64, 0x41)]);
  // captures are claimed by the capture reader before the binary check (src/packets): an empty
  // pcapng section is an empty capture, a pcap whose first record is cut is a damaged one
  assert.equal((await readDataset([write('cap.pcapng', pcapng)], quiet)).rowCount, 0);
  await assert.rejects(readDataset([write('cap.pcap', pcap)], quiet), (e: Error) => e instanceof UserError && /cap\.pcap byte 24: .*pcap record/.test(e.message));
  for (const [name, bytes] of [
    ['random.bin', random],
    ['noise.gz', gzipSync(random)],
  ] as const) {
    await assert.rejects(
      readDataset([write(name, bytes)], quiet),
      (e: Error) => e instanceof UserError && /not a text\/CSV file.*starts with bytes [0-9a-f]{2} /.test(e.message) && !e.message.includes('\n'),
      name,
    );
  }
  // named like a capture, without a capture's magic number: the message says it is neither
  await assert.rejects(
    readDataset([write('garbled.pcap', random)], quiet),
    (e: Error) => e instanceof UserError && /garbled\.pcap: not a text\/CSV file and not a pcap\/pcapng capture/.test(e.message) && /packet captures \(pcap, pcapng\)/.test(e.message),
  );
});

test('missing, infinite and negative count cells are counted per column and summed over batches', async () => {
  const p = write('cells.csv', 'dur,pkt_count,ratio,label\n1,2,-1,a\nNaN,-3,0.5,b\n,inf,-inf,a\n4,-5,1,b\n');
  const t = await readDataset([p], { ...quiet, label: 'label', batchRows: 1 });
  assert.deepEqual(t.cellCounts, [
    { column: 'dur', missing: 2, infinite: 0, negative: 0 },
    { column: 'pkt_count', missing: 0, infinite: 1, negative: 2 },
    { column: 'ratio', missing: 0, infinite: 1, negative: 0 },
  ]);
  const lines = cellCountWarnings(t.cellCounts, t.rowCount);
  assert.equal(lines.length, 3);
  assert.match(lines[1], /pkt_count.*1 infinite.*2 negative.*of 4 rows/);
  assert.ok(getColumn(t, 'ratio'));
});

test('a hostile column name (a CR, thousands of characters) is escaped and cut in messages (found by npm run fuzz)', async () => {
  const name = `label\r${'x'.repeat(3000)}`;
  // (a column CICFlowMeter does not know is typed by its first values: numbers here, so the later
  // text is an error naming the column)
  const p = write('crname.csv', `${name}\n1\nlf\r${'y'.repeat(5000)}\n`);
  await assert.rejects(
    readDataset([p], { ...quiet, format: 'cicflowmeter', batchRows: 1 }),
    (e: Error) => e instanceof UserError && !/[\r\n]/.test(e.message) && e.message.length < 600 && /column "label\\rxxx.*…"/.test(e.message),
  );
});
