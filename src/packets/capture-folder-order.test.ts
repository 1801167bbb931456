/**
 * A folder of rotated captures is read in the order of its packets, whatever the rotation's names:
 * logrotate's trace.pcap.11 ... trace.pcap.1, trace.pcap (the higher the number, the older: read by
 * name, newest first, every file restarted the flow meter with a warning), tcpdump -W's ring that
 * starts again at trace.pcap0, tcpdump -C's trace.pcap, trace.pcap1 ... trace.pcap10 (also gzip).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { readPackets, writePcap, writePcapng, type RawPacket } from '../testing/capture-writer.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { resolveInputs } from '../sources/resolve-inputs.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'ns-rotation-'));
after(() => rmSync(root, { recursive: true, force: true }));
const skip = skipWithoutShared('pcaps', 'http_google.pcapng');

/**
 * Piece k of a capture: http_google.pcapng's HTTP connection (12 packets) k × 10 s later, from
 * client port 2000 + k, so each piece is one connection of its own.
 */
async function pieces(n: number): Promise<RawPacket[][]> {
  const pk = await readPackets(sharedPath('pcaps', 'http_google.pcapng')!);
  const t0 = pk[0].tsMicros;
  const out: RawPacket[][] = [];
  for (let k = 0; k < n; k++) {
    out.push(
      pk.map((p) => {
        const d = Buffer.from(p.data);
        // the client (172.16.16.128) is the source in its packets and the destination in the server's
        const clientIsSource = d[26] === 172 && d[27] === 16 && d[28] === 16 && d[29] === 128;
        d.writeUInt16BE(2000 + k, clientIsSource ? 34 : 36);
        return { ...p, data: d, tsMicros: p.tsMicros - t0 + 1_600_000_000e6 + k * 10e6 };
      }),
    );
  }
  return out;
}

function flows(folder: string): { code: number; err: string; ports: number[] } {
  const r = spawnSync(process.execPath, [main, 'flows', folder, '--json'], { encoding: 'utf8', cwd: root });
  const ports = r.stdout
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l)['Src Port'] as number);
  return { code: r.status ?? -1, err: r.stderr, ports };
}

const inOrder = (n: number): number[] => Array.from({ length: n }, (_, k) => 2000 + k);

test('logrotate names (trace.pcap.11 oldest ... trace.pcap newest): read oldest first, no meter restart', { skip }, async () => {
  const dir = join(root, 'logrotate');
  mkdirSync(dir);
  const ps = await pieces(12);
  ps.forEach((p, k) => writeFileSync(join(dir, k === 11 ? 'trace.pcap' : `trace.pcap.${11 - k}`), writePcap(p, { linkType: 1 })));
  const order = (await resolveInputs([dir])).map((f) => basename(f.display));
  assert.deepEqual(order, ['trace.pcap.11', 'trace.pcap.10', 'trace.pcap.9', 'trace.pcap.8', 'trace.pcap.7', 'trace.pcap.6', 'trace.pcap.5', 'trace.pcap.4', 'trace.pcap.3', 'trace.pcap.2', 'trace.pcap.1', 'trace.pcap']);
  const r = flows(dir);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.err, /out of time order/);
  assert.deepEqual(r.ports, inOrder(12), 'the connections in the order they happened');
  // a quoted pattern is read the same way
  const g = flows(join(dir, 'trace.pcap*'));
  assert.doesNotMatch(g.err, /out of time order/);
  assert.deepEqual(g.ports, inOrder(12));
});

test("tcpdump -W's ring (trace.pcap3 oldest, trace.pcap2 newest), pcapng and gzip among them: read oldest first", { skip }, async () => {
  const dir = join(root, 'ring');
  mkdirSync(dir);
  const ps = await pieces(5);
  // the ring of 5 wrote 0..4, then 0, 1, 2 again: 3 and 4 hold the oldest pieces
  const names = ['trace.pcap3', 'trace.pcap4.gz', 'trace.pcap0', 'trace.pcap1', 'trace.pcap2'];
  ps.forEach((p, k) => {
    const bytes = k === 2 ? writePcapng([{ interfaces: [{ linkType: 1 }], packets: p.map((x) => ({ iface: 0, p: x })) }]) : writePcap(p, { linkType: 1 });
    writeFileSync(join(dir, names[k]), names[k].endsWith('.gz') ? gzipSync(bytes) : bytes);
  });
  // a capture holding no packet keeps its place after the one before it by name
  writeFileSync(join(dir, 'trace.pcap0a'), writePcap([], { linkType: 1 }));
  assert.deepEqual(
    (await resolveInputs([dir])).map((f) => basename(f.display)),
    ['trace.pcap3', 'trace.pcap4.gz', 'trace.pcap0', 'trace.pcap0a', 'trace.pcap1', 'trace.pcap2'],
  );
  const r = flows(dir);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.err, /out of time order/);
  assert.deepEqual(r.ports, inOrder(5));
});

test('tcpdump -C names (trace.pcap, trace.pcap1 ... trace.pcap10) keep their numbered order', { skip }, async () => {
  const dir = join(root, 'numbered');
  mkdirSync(dir);
  const ps = await pieces(11);
  ps.forEach((p, k) => writeFileSync(join(dir, k === 0 ? 'trace.pcap' : `trace.pcap${k}`), writePcap(p, { linkType: 1 })));
  assert.deepEqual((await resolveInputs([dir])).map((f) => basename(f.display)), ['trace.pcap', ...Array.from({ length: 10 }, (_, k) => `trace.pcap${k + 1}`)]);
  const r = flows(dir);
  assert.doesNotMatch(r.err, /out of time order/);
  assert.deepEqual(r.ports, inOrder(11));
});

test('a capture whose first packet is larger than 64 KB is still placed by its time', { skip }, async () => {
  const dir = join(root, 'big-first');
  mkdirSync(dir);
  const [early, late] = await pieces(2);
  // the later piece, led by a 100 KB frame (a capture of loopback with a large MTU), named to sort first
  const big = { tsMicros: late[0].tsMicros, data: Buffer.concat([Buffer.from(late[0].data), Buffer.alloc(100 * 1024 - late[0].data.length)]) };
  writeFileSync(join(dir, 'a.pcap'), writePcap([big, ...late.slice(1)], { linkType: 1, snapLen: 262144 }));
  writeFileSync(join(dir, 'b.pcap'), writePcap(early, { linkType: 1 }));
  assert.deepEqual((await resolveInputs([dir])).map((f) => basename(f.display)), ['b.pcap', 'a.pcap']);
});
