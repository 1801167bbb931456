/**
 * Our flows against Wireshark's conversations on the real captures in ../shared/pcaps: for every
 * TCP and UDP conversation `tshark -q -z conv,tcp -z conv,udp` lists, our flows of that 5-tuple
 * hold exactly its frames, each way; we find no conversation it does not; and where we made more
 * than one flow of one 5-tuple, every split is one our rules make (a TCP connection closed by
 * FIN/RST and a new SYN, the idle timeout, or the flow timeout). Then the same captures carried in a
 * provider's frames and in tunnels, which tshark opens as we do.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cellText, getColumn, type Column } from '../flows/table.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { run, skipWithoutProgram } from '../testing/programs.js';
import { captureTable, readPackets, reencapsulate, writePcap } from '../testing/capture-writer.js';
import { tunnelled } from '../testing/tunnel-frames.js';

interface Conv {
  a: string;
  b: string;
  aToB: number;
  bToA: number;
}

function tsharkConversations(file: string): Map<string, Conv> {
  const text = run('tshark', ['-r', file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp']).toString();
  const out = new Map<string, Conv>();
  let proto = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = '6';
    if (line.startsWith('UDP Conversations')) proto = '17';
    const m = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+[\d,]+\s+\S+\s+(\d+)\s+[\d,]+\s+\S+\s+(\d+)/.exec(line);
    if (!m) continue;
    const a = `${m[1]}|${m[2]}`;
    const b = `${m[3]}|${m[4]}`;
    out.set(key(a, b, proto), { a, b, bToA: Number(m[5]), aToB: Number(m[6]) });
  }
  return out;
}

function key(a: string, b: string, proto: string): string {
  return (a < b ? `${a}~${b}` : `${b}~${a}`) + `~${proto}`;
}


const dir = sharedPath('pcaps');
const files = dir ? readdirSync(dir).filter((f) => /\.pcapng$/.test(f)).sort() : [];

/**
 * Compares our flows of `path` with tshark's conversations, as the first test says; conversations of
 * `underlay` (a tunnel's endpoints, which tshark lists and we make no flow of) are left out.
 */
async function agreement(path: string, f: string, underlay?: RegExp): Promise<{ conversations: number; splits: number }> {
  let conversations = 0;
  let splitsSeen = 0;
  const convs = tsharkConversations(path);
  if (underlay) for (const [k, c] of convs) if (underlay.test(c.a) || underlay.test(c.b)) convs.delete(k);
  const tables = await captureTable([path]);
  const ours = new Map<string, { src: string; fwd: number; bwd: number; start: number; end: number; state: string; history: string; duration: number }[]>();
  for (const t of tables) {
    const c = (n: string): Column => getColumn(t, n) as Column;
    const v = (n: string): Float64Array => (c(n) as Extract<Column, { kind: 'numeric' }>).values;
    for (let r = 0; r < t.rowCount; r++) {
      const proto = cellText(c('Protocol'), r);
      if (proto !== '6' && proto !== '17') continue;
      const src = `${cellText(c('Src IP'), r)}|${v('Src Port')[r]}`;
      const dst = `${cellText(c('Dst IP'), r)}|${v('Dst Port')[r]}`;
      const k = key(src, dst, proto);
      const start = v('Timestamp')[r] * 1000;
      const duration = v('Flow Duration')[r];
      const list = ours.get(k) ?? [];
      list.push({ src, fwd: v('Total Fwd Packet')[r], bwd: v('Total Bwd packets')[r], start, end: start + duration, state: cellText(c('conn_state'), r), history: cellText(c('history'), r), duration });
      ours.set(k, list);
    }
  }
  assert.deepEqual([...ours.keys()].sort(), [...convs.keys()].sort(), `${f}: the same 5-tuples as tshark`);
  for (const [k, conv] of convs) {
    conversations++;
    const flows = (ours.get(k) ?? []).sort((x, y) => x.start - y.start);
    let aToB = 0;
    let bToA = 0;
    for (const fl of flows) {
      if (fl.src === conv.a) {
        aToB += fl.fwd;
        bToA += fl.bwd;
      } else {
        aToB += fl.bwd;
        bToA += fl.fwd;
      }
    }
    assert.equal(aToB, conv.aToB, `${f} ${k}: frames ${conv.a} → ${conv.b}`);
    assert.equal(bToA, conv.bToA, `${f} ${k}: frames ${conv.b} → ${conv.a}`);
    for (let i = 1; i < flows.length; i++) {
      const prev = flows[i - 1];
      const next = flows[i];
      const closed = /^(SF|RSTO|RSTR|REJ|RSTOS0|RSTRH)$/.test(prev.state) && next.history.startsWith('S');
      const idle = next.start - prev.end > 120e6;
      const tooLong = next.start - prev.start >= 120e6;
      assert.ok(closed || idle || tooLong, `${f} ${k}: flow ${i + 1} split from flow ${i} without a reason (${prev.state} then ${next.history})`);
      splitsSeen++;
    }
  }
  return { conversations, splits: splitsSeen };
}

test('flows agree with tshark conversations on every shared capture', { skip: skipWithoutShared('pcaps') || skipWithoutProgram('tshark') }, async () => {
  let conversations = 0;
  let splitsSeen = 0;
  for (const f of files) {
    const r = await agreement(join(dir as string, f), f);
    conversations += r.conversations;
    splitsSeen += r.splits;
  }
  assert.ok(conversations > 1500, `compared ${conversations} conversations`);
  // the shared captures make no split (each 5-tuple is one connection, all within 120 s); the
  // synthetic captures of flow-meter.test.ts make every kind, checked the same way
  assert.equal(splitsSeen, 0);
});

test('the same agreement with the shared captures carried in a provider\'s frames (802.1ah, an MPLS pseudowire) and in tunnels (VXLAN, ERSPAN II, GRE)', { skip: skipWithoutShared('pcaps') || skipWithoutProgram('tshark') }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ns-tshark-carried-'));
  try {
    let conversations = 0;
    for (const f of files) {
      const packets = (await readPackets(join(dir as string, f))).filter((p) => (p.linkType ?? 1) === 1);
      const carried: [string, (frame: Uint8Array, i: number) => Uint8Array][] = [
        ['802.1ah', (x) => reencapsulate(x, 1, 'pbb') as Uint8Array],
        // with its control word: without one, tshark reads a frame whose MAC starts with 4 (dns_tcp's) as IPv4, where we do not
        ['pseudowire', (x) => reencapsulate(x, 1, 'eompls-cw') as Uint8Array],
        ['vxlan', (x, i) => tunnelled('vxlan', x, {}, i)],
        ['erspan2', (x, i) => tunnelled('erspan2', x, {}, i)],
        ['gretap', (x, i) => tunnelled('gretap', x, { src: '2001:db8:ff::1', dst: '2001:db8:ff::2' }, i)],
      ];
      for (const [name, wrap] of carried) {
        const file = join(tmp, `${f}.${name}.pcap`);
        writeFileSync(file, writePcap(packets.map((p, i) => ({ ...p, wireLen: undefined, data: wrap(p.data, i) })), { linkType: 1 }));
        conversations += (await agreement(file, `${f} in ${name}`, /^(192\.0\.2\.[12]|2001:db8:ff::[12])\|/)).conversations;
      }
    }
    assert.ok(conversations > 5 * 1500, `compared ${conversations} conversations`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
