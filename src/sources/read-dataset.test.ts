import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { getColumn, type FlowTable } from '../flows/table.js';
import { InputError, UserError } from '../util/errors.js';
import { readDataset, resolveCaptures, streamDataset } from './read-dataset.js';
import { numbers, texts } from '../testing/table-values.js';

const dir = mkdtempSync(join(tmpdir(), 'netsentinel-read-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const quiet = { warn: () => {} };

function csv(rows: number, start = 0): string {
  let s = 'bytes,proto,label\n';
  for (let i = start; i < start + rows; i++) s += `${i},${i % 3 === 0 ? 'udp' : 'tcp'},${i % 2 ? 'attack' : 'normal'}\n`;
  return s;
}



test('a folder is every data file inside, in natural order, read as one dataset', async () => {
  write('folder/part10.csv', csv(2, 20));
  write('folder/part2.csv', csv(2, 10));
  write('folder/part1.csv.gz', gzipSync(csv(2, 0)));
  write('folder/README.md', '# not data');
  const t = await readDataset([join(dir, 'folder')], { ...quiet, label: 'label' });
  assert.deepEqual(numbers(t, 'bytes'), [0, 1, 10, 11, 20, 21]);
  assert.deepEqual(t.origin?.files, [join(dir, 'folder/part1.csv.gz'), join(dir, 'folder/part2.csv'), join(dir, 'folder/part10.csv')]);
  assert.deepEqual(Array.from(t.origin?.line ?? []), [2, 3, 2, 3, 2, 3]);
  assert.deepEqual(Array.from(t.origin?.file ?? []), [0, 0, 1, 1, 2, 2]);
});

test('a * pattern in the file name', async () => {
  write('glob/a-1.csv', csv(1, 1));
  write('glob/a-2.csv', csv(1, 2));
  write('glob/b-3.csv', csv(1, 3));
  const t = await readDataset([join(dir, 'glob', 'a-*.csv')], quiet);
  assert.deepEqual(numbers(t, 'bytes'), [1, 2]);
  await assert.rejects(readDataset([join(dir, 'glob', 'z*.csv')], quiet), { message: `${join(dir, 'glob', 'z*.csv')}: no file matches this pattern` });
});

test('gzip is recognised by its bytes, not its name', async () => {
  const p = write('misnamed.csv', gzipSync(csv(3)));
  assert.deepEqual(numbers(await readDataset([p], quiet), 'bytes'), [0, 1, 2]);
  const broken = write('broken.csv.gz', gzipSync(csv(500)).subarray(0, 200));
  await assert.rejects(readDataset([broken], quiet), (e: unknown) => e instanceof UserError && e.message.startsWith(`${broken}: not a valid gzip file`));
});

test('- reads stdin (gzip too)', async () => {
  const t = await readDataset(['-'], { ...quiet, stdin: Readable.from([Buffer.from(csv(4))]) });
  assert.deepEqual(numbers(t, 'bytes'), [0, 1, 2, 3]);
  assert.deepEqual(t.origin?.files, ['stdin']);
  const z = await readDataset(['-'], { ...quiet, stdin: Readable.from([gzipSync(csv(2))]) });
  assert.deepEqual(numbers(z, 'bytes'), [0, 1]);
});

test('streaming: batches are bounded, never span files, and add up to the dataset', async () => {
  const a = write('stream/a.csv', csv(2500));
  const b = write('stream/b.csv', csv(700, 2500));
  const sizes: number[] = [];
  const files: string[] = [];
  let total = 0;
  let sum = 0;
  for await (const t of streamDataset([a, b], { ...quiet, batchRows: 1000 })) {
    sizes.push(t.rowCount);
    files.push(t.origin?.files.join('+') ?? '');
    total += t.rowCount;
    for (const v of numbers(t, 'bytes')) sum += v;
  }
  assert.deepEqual(sizes, [1000, 1000, 500, 700]);
  assert.deepEqual(files, [a, a, a, b]);
  assert.equal(total, 3200);
  assert.equal(sum, (3199 * 3200) / 2);
});

test('progress reports bytes read against the total', async () => {
  const p = write('progress.csv', csv(20000));
  const calls: [number, number][] = [];
  await readDataset([p], { ...quiet, progress: (done, total) => calls.push([done, total]) });
  assert.ok(calls.length >= 1);
  const [done, total] = calls[calls.length - 1];
  assert.equal(total, Buffer.byteLength(csv(20000)));
  assert.equal(done, total);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] >= calls[i - 1][0]);
});

test('a Zeek log folder is its conn logs (current and rotated), not its other logs', async () => {
  const head = '#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_bytes\tresp_bytes\tconn_state\n';
  const row = (i: number) => `${1733346000 + i}.000000\tC${i}\t10.0.0.1\t${40000 + i}\t10.0.0.2\t${20 + i}\ttcp\t0.1\t1\t2\tSF\n`;
  write('zeek/conn.log', head + row(3));
  write('zeek/conn.00:00:00-01:00:00.log.gz', gzipSync(head + row(1) + row(2)));
  write('zeek/dns.log', '#separator \\x09\n#path\tdns\n#fields\tts\tuid\tquery\n1733346000.0\tCx\texample.com\n');
  write('zeek/notice.json', '{}');
  const t = await readDataset([join(dir, 'zeek')], quiet);
  assert.deepEqual(t.origin?.files, [join(dir, 'zeek/conn.00:00:00-01:00:00.log.gz'), join(dir, 'zeek/conn.log')]);
  assert.equal(t.rowCount, 3);
});

test('a folder is its flows: netsentinel outputs, empty files, lists, binaries and odd CSVs in it are passed over with a warning each', async () => {
  const kdd = (duration: number) => `${duration},tcp,http,SF` + ',0'.repeat(37) + ',normal,21\n';
  write('outs/b-flows.txt', kdd(2));
  write('outs/a-flows.txt', kdd(1));
  write('outs/blocked_ips.txt', ''); // respond's blocklist, empty when nothing was banned
  write('outs/risky_ips.txt', '10.0.0.1\n');
  write('outs/flows_scored.csv', 'file,line,risk\nx.csv,2,0.5\n');
  write('outs/empty.csv', '\n\n');
  write('outs/hosts.txt', '10.0.0.1\n10.0.0.2\n');
  write('outs/README.txt', 'These flows were captured on Monday, at the office\n');
  write('outs/model.csv', Buffer.concat([Buffer.from('NSMODEL\n'), Buffer.alloc(64)]));
  write('outs/blob.csv', Buffer.from([1, 2, 0, 0, 5, 6, 7, 8]));
  const warnings: string[] = [];
  const folder = join(dir, 'outs');
  const t = await readDataset([folder], { warn: (m) => warnings.push(m) });
  assert.deepEqual(t.origin?.files, [join(folder, 'a-flows.txt'), join(folder, 'b-flows.txt')]);
  assert.deepEqual(numbers(t, 'duration'), [1, 2]);
  const at = (n: string) => join(folder, n);
  assert.deepEqual(warnings.sort(), [
    `skipped ${at('blob.csv')}: not text and not a packet capture: starts with bytes 01 02 00 00 05 06 07 08`,
    `skipped ${at('blocked_ips.txt')}: netsentinel's own output, not flow records`,
    `skipped ${at('empty.csv')}: the file is empty`,
    `skipped ${at('flows_scored.csv')}: netsentinel's own output, not flow records`,
    `skipped ${at('hosts.txt')}: one value per line, not flow records`,
    `skipped ${at('model.csv')}: a netsentinel model or baseline file`,
    `skipped ${at('README.txt')}: a generic CSV, not NSL-KDD/KDD'99 records like ${at('a-flows.txt')}`,
    `skipped ${at('risky_ips.txt')}: netsentinel's own output, not flow records`,
  ].sort());
  // the same files named one by one are read, or refused, as asked
  await assert.rejects(readDataset([at('empty.csv')], quiet), { message: `${at('empty.csv')}: the file is empty` });
  await assert.rejects(readDataset([at('a-flows.txt'), at('README.txt')], quiet), /README\.txt looks like a generic CSV but .*a-flows\.txt is NSL-KDD/);
});

test('a folder of generic CSV flows with a README.txt: the README (text, not a table) is passed over with one warning', async () => {
  write('gen/flows-1.csv', 'src_ip,dst_ip,dst_port,bytes\n10.0.0.1,10.0.0.2,80,1200\n10.0.0.3,10.0.0.2,443,5200\n');
  write('gen/flows-2.csv', 'src_ip,dst_ip,dst_port,bytes\n10.0.0.4,10.0.0.9,53,120\n\n');
  write(
    'gen/README.txt',
    'Office flows, exported hourly by the router (one file per hour)\n' +
      'Columns: source and destination address, port and bytes.\n\nAsk the network team before sharing them.\n',
  );
  const folder = join(dir, 'gen');
  const warnings: string[] = [];
  const t = await readDataset([folder], { warn: (m) => warnings.push(m) });
  assert.deepEqual(t.origin?.files, [join(folder, 'flows-1.csv'), join(folder, 'flows-2.csv')]);
  assert.deepEqual(numbers(t, 'bytes'), [1200, 5200, 120]);
  assert.deepEqual(warnings, [`skipped ${join(folder, 'README.txt')}: text, not a table of flows: its first lines have different field counts (2, 1) and read as sentences`]);
  // named by the user, it is read as asked (and refused)
  await assert.rejects(readDataset([join(folder, 'flows-1.csv'), join(folder, 'README.txt')], quiet), /README\.txt: its columns differ/);
  // a flow file with a short line (no sentences) is not passed over: read, it fails naming the line
  write('gen3/a.csv', 'src_ip,dst_ip,dst_port,bytes\n10.0.0.1,10.0.0.2,80,1\n');
  write('gen3/b.csv', 'src_ip,dst_ip,dst_port,bytes\n10.0.0.1,10.0.0.2\n');
  await assert.rejects(readDataset([join(dir, 'gen3')], quiet), /b\.csv.*line 2/);
  // a generic CSV whose later rows are the same width is kept, blank lines and all
  write('gen2/a.csv', 'x,y\n1,2\n\n3,4\n,\n5,6\n');
  write('gen2/b.csv', 'x,y\n7,8\n');
  const w2: string[] = [];
  assert.deepEqual(numbers(await readDataset([join(dir, 'gen2')], { warn: (m) => w2.push(m) }), 'x'), [1, 3, 5, 7]);
  assert.deepEqual(w2.filter((m) => m.startsWith('skipped')), []);
});

test('a folder with nothing but outputs or files without flows is one error naming them and why', async () => {
  write('an/flows_scored.csv', 'file,line,risk\nx.csv,2,0.5\n');
  write('an/risky_ips.txt', '10.0.0.1\n');
  write('an/report.html', '<html></html>');
  const an = join(dir, 'an');
  await assert.rejects(readDataset([an], quiet), {
    name: 'UserError',
    message: `${an}: no flow files in this folder: flows_scored.csv, risky_ips.txt are netsentinel's own outputs, not flow records; name the flows or captures that were analysed`,
  });
  write('junk/a.csv', '');
  write('junk/ips.txt', '10.0.0.1\n10.0.0.2\n');
  const junk = join(dir, 'junk');
  const warnings: string[] = [];
  await assert.rejects(readDataset([junk], { warn: (m) => warnings.push(m) }), {
    name: 'UserError',
    message: `${junk}: no flow files in this folder: a.csv (the file is empty), ips.txt (one value per line, not flow records)`,
  });
  assert.deepEqual(warnings, [], 'said once, in the error');
});

test('resolveCaptures (netsentinel flows): a folder is its captures, other files passed over', async () => {
  const pcapHeader = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');
  write('caps/a.pcap', pcapHeader);
  write('caps/flows.csv', csv(2));
  write('caps/risky_ips.txt', '10.0.0.1\n');
  const caps = join(dir, 'caps');
  const warnings: string[] = [];
  const got = await resolveCaptures([caps], (m) => warnings.push(m));
  assert.deepEqual(got.map((f) => f.display), [join(caps, 'a.pcap')]);
  assert.deepEqual(warnings, [`skipped ${join(caps, 'risky_ips.txt')}: netsentinel's own output, not flow records`, `skipped ${join(caps, 'flows.csv')}: not a pcap or pcapng capture`]);
  write('nocaps/flows.csv', csv(2));
  await assert.rejects(resolveCaptures([join(dir, 'nocaps')], () => {}), { message: `${join(dir, 'nocaps')}: no packet captures in this folder (flows.csv: no pcap/pcapng magic number)` });
  // named by the user, a file is handed on as it is (the capture reader says what it is not)
  assert.equal((await resolveCaptures([join(caps, 'flows.csv')], () => {})).length, 1);
});

test('clear UserErrors: missing path, empty file, folder without data, mixed datasets', async () => {
  const missing = join(dir, 'nope.csv');
  await assert.rejects(readDataset([missing], quiet), { name: 'UserError', message: `${missing}: no such file or folder` });
  const empty = write('empty.csv', '');
  await assert.rejects(readDataset([empty], quiet), { name: 'UserError', message: `${empty}: the file is empty` });
  const blank = write('blank.csv', '\n\r\n\n');
  await assert.rejects(readDataset([blank], quiet), { message: `${blank}: the file is empty` });
  mkdirSync(join(dir, 'nodata'));
  write('nodata/notes.md', 'x');
  await assert.rejects(readDataset([join(dir, 'nodata')], quiet), { message: `${join(dir, 'nodata')}: no data files in this folder (looked for .csv, .txt, .pcap, .pcapng, .cap (also rotated: .pcap1, .pcap.1), Zeek conn*.log, each maybe .gz, .zst or .lz4, and captures by content)` });
  const kdd = write('mixed/a.txt', '0,tcp,http,SF' + ',0'.repeat(37) + ',normal,21\n');
  const other = write('mixed/b.csv', csv(2));
  await assert.rejects(readDataset([kdd, other], quiet), {
    message: `${other} looks like a generic CSV but ${kdd} is NSL-KDD/KDD'99 records; files read together must be one dataset (read them separately, or force one format with --format)`,
  });
});

test('ragged rows and bad numbers name file, line, expected and actual counts / column and value', async () => {
  const ragged = write('ragged.csv', 'a,b,c\n1,2,3\n4,5\n');
  await assert.rejects(readDataset([ragged], quiet), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.message, `${ragged} line 3: expected 3 fields, found 2; every line must have as many fields as the header`);
    return true;
  });
  const long = write('long.csv', 'a,b\n1,2\n3,4,5\n');
  await assert.rejects(readDataset([long], quiet), { message: `${long} line 3: expected 2 fields, found 3; every line must have as many fields as the header` });
  // a one-column header (e.g. /etc/passwd's first line has no comma): "1 field", not "1 fields"
  const one = write('one.csv', 'a\n1\n2,3,4,5\n');
  await assert.rejects(readDataset([one], quiet), { message: `${one} line 3: expected 1 field, found 4; every line must have as many fields as the header` });
});

test('Infinity, NaN, inf and empty cells are accepted in numeric columns', async () => {
  const p = write('special.csv', 'rate,x\nInfinity,1\n-Infinity,2\nNaN,3\ninf,4\n,5\n');
  const t = await readDataset([p], quiet);
  assert.deepEqual(numbers(t, 'rate'), [Infinity, -Infinity, NaN, Infinity, NaN]);
  assert.equal(getColumn(t, 'rate')?.kind, 'numeric');
});

test('--drop, --categorical and --label apply to every format; unknown names are errors listing the columns', async () => {
  const p = write('opts.csv', csv(4));
  const t = await readDataset([p], { ...quiet, label: 'label', drop: ['proto'], categorical: ['bytes'] });
  assert.deepEqual(
    t.columns.map((c) => `${c.name}:${c.kind}:${c.role}`),
    ['bytes:categorical:feature', 'label:categorical:label', 'binary:categorical:label'],
  );
  assert.deepEqual(texts(t, 'bytes'), ['0', '1', '2', '3']);
  await assert.rejects(readDataset([p], { ...quiet, drop: ['protocol'] }), {
    name: 'UserError',
    message: `${p}: no column "protocol" (--drop); its columns are: "bytes", "proto", "label"`,
  });
  const kdd = write('opts.txt', '0,tcp,http,SF' + ',0'.repeat(37) + ',smurf,21\n');
  const k = await readDataset([kdd], { ...quiet, label: 'binary', drop: ['attack', 'difficulty'] });
  assert.equal(k.defaultTarget, 'binary');
  assert.equal(k.normalClass, 'normal');
  assert.equal(getColumn(k, 'attack'), undefined);
  assert.deepEqual(texts(k, 'family'), ['DoS']);
});

test('empty lines (every field empty) and repeated headers are skipped with a warning, nothing else', async () => {
  const p = write('quirks.csv', 'a,b,tag\n1,2,x\n,,\na,b,tag\n3,4,y\n');
  const warnings: string[] = [];
  const t = await readDataset([p], { warn: (m) => warnings.push(m) });
  assert.deepEqual(numbers(t, 'a'), [1, 3]);
  assert.deepEqual(Array.from(t.origin?.line ?? []), [2, 5]);
  assert.deepEqual(warnings, [`${p}: skipped 1 empty line (every field empty)`, `${p}: skipped 1 repeated header line`]);
  // a line that only resembles the header is data (here it makes "a" a text column)
  const q = write('near-header.csv', 'a,b,label\n1,2,x\nA,B,label\n');
  const tq = await readDataset([q], quiet);
  assert.equal(tq.rowCount, 2);
  assert.deepEqual(texts(tq, 'a'), ['1', 'A']);
});

test('a header-only file gives a table with its columns and no rows', async () => {
  const p = write('header-only.csv', 'x,y\n');
  const t = await readDataset([p], quiet);
  assert.equal(t.rowCount, 0);
  assert.deepEqual(
    t.columns.map((c) => c.name),
    ['x', 'y'],
  );
});

test('a text file named like a packet capture is refused as such (named) or passed over (in a folder), not read as a one-column CSV', async () => {
  write('notcap/flows.pcap', 'garbage\n');
  write('notcap/ok.csv', 'a,b\n1,2\n');
  const named = join(dir, 'notcap/flows.pcap');
  await assert.rejects(readDataset([named], quiet), {
    message: `${named}: named like a packet capture but holds text: it starts with bytes 67 61 72 62 61 67 65 0a, not a pcap or pcapng header (another file renamed, or a download that was an error page; if it holds flow records, analyze --format reads them)`,
  });
  const warnings: string[] = [];
  const t = await readDataset([join(dir, 'notcap')], { warn: (m) => warnings.push(m) });
  assert.equal(t.rowCount, 1);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^skipped .*flows\.pcap: named like a packet capture but holds text/);
  // asked to read it as flows, it is read as flows
  const forced = await readDataset([named], { ...quiet, format: 'csv' });
  assert.equal(forced.columns[0].name, 'garbage');
});

