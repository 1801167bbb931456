/**
 * Flow files read on a worker thread must give exactly what reading them on the main thread gives:
 * the same batches (values, dictionaries, row origins), the same warnings, the same errors (as
 * UserErrors with the file named), and captures handed back to the main thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowTable } from '../flows/table.js';
import { UserError } from '../util/errors.js';
import { datasetSource, type FlowSource } from './flow-source.js';
import { readingThreads, threadedDatasetSource } from './threaded-dataset-source.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

async function drain(s: FlowSource): Promise<FlowTable[]> {
  const out: FlowTable[] = [];
  for await (const t of s.batches()) out.push(t);
  return out;
}

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ns-threaded-read-'));
  mkdirSync(join(dir, 'flows'));
  const head = 'src_ip,dst_ip,dst_port,proto,bytes,duration,label';
  const rows = (n: number, from: number): string[] =>
    Array.from({ length: n }, (_, i) => `10.0.0.${(from + i) % 250},192.168.1.${i % 7},${[22, 80, 443][i % 3]},tcp,${(from + i) * 37.5},${i % 5 === 0 ? '' : (i / 10).toFixed(1)},${i % 4 === 0 ? 'attack' : 'normal'}`);
  writeFileSync(join(dir, 'flows', 'a.csv'), [head, ...rows(250, 0)].join('\n') + '\n');
  // an empty line in the middle: a warning, said once, from whichever thread reads it
  writeFileSync(join(dir, 'flows', 'b.csv'), [head, ...rows(40, 300), ',,,,,,', ...rows(30, 400)].join('\n') + '\n');
  return dir;
}

test('threaded reading gives the same batches and warnings as reading on this thread', async () => {
  const dir = folder();
  try {
    const inputs = [join(dir, 'flows')];
    const warnA: string[] = [];
    const warnB: string[] = [];
    const progress: number[] = [];
    const plain = await drain(datasetSource(inputs, { warn: (m) => warnA.push(m) }, 100));
    const threaded = await drain(threadedDatasetSource(inputs, { warn: (m) => warnB.push(m) }, 100, (done) => progress.push(done)));
    assert.equal(threaded.length, plain.length);
    assert.ok(plain.length >= 4, `batches of at most 100 rows, never across files (${plain.length})`);
    assert.deepEqual(threaded, plain);
    assert.deepEqual(warnB, warnA);
    assert.equal(warnA.filter((m) => /empty line/.test(m)).length, 1, 'the empty line is reported');
    assert.equal(warnA.filter((m) => /"label" looks like a label column/.test(m)).length, 1, 'the label-like column is reported once for the dataset');
    assert.equal(warnA.length, 2);
    assert.ok(progress.length > 0 && progress[progress.length - 1] > 0, 'progress in bytes reaches the caller');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reading error on the thread is the same UserError as on this thread', async () => {
  const dir = folder();
  try {
    writeFileSync(join(dir, 'flows', 'c.csv'), 'src_ip,dst_ip,dst_port,proto,bytes,duration,label\n10.0.0.1,10.0.0.2,80\n');
    const missing = join(dir, 'nothing-here.csv');
    for (const inputs of [[join(dir, 'flows')], [missing]]) {
      const plain = await drain(datasetSource(inputs, { warn: () => undefined }, 100)).then(() => undefined, (e: unknown) => e);
      const threaded = await drain(threadedDatasetSource(inputs, { warn: () => undefined }, 100)).then(() => undefined, (e: unknown) => e);
      assert.ok(plain instanceof UserError, `reading ${inputs[0]} fails on this thread`);
      assert.ok(threaded instanceof UserError, `and on the reading thread: ${String(threaded)}`);
      assert.equal(threaded.message, plain.message);
      assert.equal(threaded.exitCode, plain.exitCode);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a capture is handed back to this thread (its packet hook runs here)', { skip: skipWithoutShared('pcaps', 'arppoison.pcapng') }, async () => {
  const pcap = sharedPath('pcaps', 'arppoison.pcapng')!;
  let packets = 0;
  const read = { capture: { onPacket: () => void packets++ } };
  const started = readingThreads.started;
  const threaded = await drain(threadedDatasetSource([pcap], read, 1000));
  // known by its first bytes: no thread is started only to hand it back
  assert.equal(readingThreads.started, started, 'no reading thread for a capture');
  const seen = packets;
  packets = 0;
  const plain = await drain(datasetSource([pcap], read, 1000));
  assert.ok(seen > 0 && seen === packets, `the packet hook saw every packet (${seen} vs ${packets})`);
  assert.deepEqual(threaded, plain);
});

test('a flow file does start a reading thread; a capture inside a folder too (the thread sniffs it and hands it back)', { skip: skipWithoutShared('pcaps', 'arppoison.pcapng') }, async () => {
  const dir = folder();
  try {
    const started = readingThreads.started;
    await drain(threadedDatasetSource([join(dir, 'flows', 'a.csv')], { warn: () => undefined }, 100));
    assert.equal(readingThreads.started, started + 1);
    const pcaps = join(dir, 'pcaps');
    mkdirSync(pcaps);
    writeFileSync(join(pcaps, 'a.pcapng'), readFileSync(sharedPath('pcaps', 'arppoison.pcapng')!));
    const threaded = await drain(threadedDatasetSource([pcaps], {}, 1000));
    assert.equal(readingThreads.started, started + 2);
    assert.deepEqual(threaded, await drain(datasetSource([pcaps], {}, 1000)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a capture folder handed back by the thread: the files it passes over are warned about once, not by both threads', { skip: skipWithoutShared('pcaps', 'arppoison.pcapng') }, async () => {
  const dir = folder();
  try {
    const pcaps = join(dir, 'pcaps');
    mkdirSync(pcaps);
    writeFileSync(join(pcaps, 'a.pcapng'), readFileSync(sharedPath('pcaps', 'arppoison.pcapng')!));
    writeFileSync(join(pcaps, 'notes.txt'), '');
    writeFileSync(join(pcaps, 'risky_ips.txt'), '10.0.0.1\n');
    const warnings: string[] = [];
    const threaded = await drain(threadedDatasetSource([pcaps], { warn: (m) => warnings.push(m) }, 1000));
    assert.deepEqual(warnings, [`skipped ${join(pcaps, 'risky_ips.txt')}: netsentinel's own output, not flow records`, `skipped ${join(pcaps, 'notes.txt')}: the file is empty`]);
    assert.deepEqual(threaded, await drain(datasetSource([pcaps], { warn: () => undefined }, 1000)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a source whose batches are never asked for does not keep the process alive', () => {
  // the test runner would time out if the reading thread held the event loop open; make one and drop it
  const s = threadedDatasetSource([join(tmpdir(), 'ns-never-read.csv')], {}, 100);
  assert.deepEqual(s.inputs, [join(tmpdir(), 'ns-never-read.csv')]);
});
