/**
 * A live capture's warnings (here the kernel's dropped packets a capture program reports at its
 * end, and a link type we do not decode) are kept by its FlowSource for the run's `readerNotes`
 * (summary.json with `capture -o`, `capture --json`), as a capture file's are, and still said
 * through its `warn`. The program is stood in for by its pcap stream, replaying a real capture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { liveFlowSource } from './live-flow-source.js';
import type { CaptureProgramEnd, RunningCapture } from './live-capture-program.js';
import { readPackets, writePcap } from '../testing/capture-writer.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const skip = skipWithoutShared('pcaps', 'http_google.pcapng');

/** a capture program that writes `bytes` and ends, reporting `dropped` packets dropped by the kernel */
function replay(bytes: Buffer, dropped: number): RunningCapture {
  const stdout = new PassThrough();
  let done!: (e: CaptureProgramEnd) => void;
  const ended = new Promise<CaptureProgramEnd>((r) => (done = r));
  stdout.on('end', () => done({ code: 0, signal: null, counts: { captured: 0, droppedByKernel: dropped } }));
  setImmediate(() => stdout.end(bytes));
  return { program: 'tcpdump', executable: 'tcpdump', args: [], stdout, started: Promise.resolve('listening'), ended, stop: () => {} };
}

test("a live capture's warnings are kept for the run's reader notes, and still said", { skip }, async () => {
  const packets = await readPackets(join(sharedPath('pcaps')!, 'http_google.pcapng'));
  for (const [linkType, expected] of [
    [1, [/^tcpdump: the kernel dropped 4 packets/]],
    [147, [/^eth9 \(tcpdump\): link type 147 is not supported/, /^tcpdump: the kernel dropped 4 packets/]],
  ] as const) {
    const said: string[] = [];
    const source = liveFlowSource(replay(writePcap(packets, { linkType }), 4), { display: 'eth9 (tcpdump)', warn: (m) => said.push(m), note: () => {}, batchSeconds: 60 });
    let flows = 0;
    for await (const t of source.batches()) flows += t.rowCount;
    if (linkType === 1) assert.ok(flows > 0, 'the replayed packets made flows');
    const kept = source.readerNotes!();
    assert.deepEqual(kept.notes, [...new Set(said)], 'kept: what was said, in order, once each');
    assert.equal(kept.leftOut, 0);
    assert.ok(kept.notes.length >= expected.length, kept.notes.join('\n'));
    for (const re of expected) assert.ok(kept.notes.some((n) => re.test(n)), `${re} among ${kept.notes.join('\n')}`);
  }
});
