/**
 * Captures joined end to end (`cat a.pcap b.pcap`, `cat *.pcap | netsentinel flows -`) are not one
 * pcap file: the second file's header sits where a record should be. It was read as a record and
 * the error named the next one ("garbled pcap record header of packet 429"); now the error names
 * the second header, the byte offset and what to do instead. Captures written by our own writer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { writePcap } from '../testing/capture-writer.js';
import { ipFrame, udpDatagram } from '../testing/frame-builder.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-pcapcat-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000_000_000;
const packets = (n: number, t0: number, port0 = 40000) =>
  Array.from({ length: n }, (_, i) => ({ tsMicros: t0 + i * 1000, data: ipFrame({ srcMac: '02:00:00:00:00:01', src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: udpDatagram(port0 + i, 53, new Uint8Array(20)) }) }));

for (const [name, opts] of [['microsecond, little-endian', {}], ['nanosecond, big-endian', { nanoseconds: true, bigEndian: true }]] as const) {
  test(`two pcap files joined end to end (${name}): one line naming the second header's byte offset, exit 2`, () => {
    const a = writePcap(packets(3, T0), { linkType: 1, ...opts });
    const b = writePcap(packets(2, T0 + 1e6, 50000), { linkType: 1, ...opts });
    const file = join(dir, `joined-${opts === undefined ? 0 : Object.keys(opts).length}.pcap`);
    writeFileSync(file, Buffer.concat([a, b]));
    for (const input of [file, '-']) {
      const r = spawnSync(process.execPath, [main, 'flows', input, '-q'], { input: input === '-' ? Buffer.concat([a, b]) : undefined, encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      const where = input === '-' ? 'stdin' : file;
      assert.equal(
        r.stderr,
        `netsentinel: ${where} byte ${a.length}: a second pcap file header after packet 3: captures joined end to end (cat a.pcap b.pcap), which is not a pcap file; give the files separately (read as one capture, in the order given) or join them with mergecap -w joined.pcap a.pcap b.pcap\n`,
      );
    }
    // given separately they are one capture
    const fa = join(dir, 'a.pcap');
    const fb = join(dir, 'b.pcap');
    writeFileSync(fa, a);
    writeFileSync(fb, b);
    const ok = spawnSync(process.execPath, [main, 'flows', fa, fb, '--json', '-q'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim().split('\n').length, 5);
  });
}
