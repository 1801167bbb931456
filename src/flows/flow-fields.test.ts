import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochToMs, flowFields, missingFieldsReason, normaliseColumnName, protocolNumber, sourceIpField, timestampFromText } from './flow-fields.js';
import { categoricalFrom, numericColumn, type Column, type FlowTable } from './table.js';

const table = (columns: Column[], format = 'csv'): FlowTable => ({ rowCount: columns[0].kind === 'numeric' ? columns[0].values.length : columns[0].codes.length, columns, format });
const f64 = (...v: number[]) => Float64Array.from(v);

test('CICFlowMeter names (corrected CIC-IDS2017, as the reader emits them): units converted, flags and failed derived', () => {
  const t = table(
    [
      categoricalFrom('Src IP', 'meta', ['172.16.0.1', '172.16.0.1']),
      numericColumn('Src Port', 'meta', f64(41249, 41250)),
      categoricalFrom('Dst IP', 'meta', ['192.168.10.50', '192.168.10.50']),
      numericColumn('Dst Port', 'feature', f64(2042, 80)),
      categoricalFrom('Protocol', 'feature', ['6', '6']),
      numericColumn('Timestamp', 'meta', f64(Date.UTC(2017, 6, 7, 18, 8, 57, 763.666), Date.UTC(2017, 6, 7, 18, 9))),
      numericColumn('Flow Duration', 'feature', f64(46, 2_500_000)),
      numericColumn('Total Fwd Packet', 'feature', f64(1, 5)),
      numericColumn('Total Bwd packets', 'feature', f64(1, 4)),
      numericColumn('Total Length of Fwd Packet', 'feature', f64(0, 300)),
      numericColumn('Total Length of Bwd Packet', 'feature', f64(0, 9000)),
      numericColumn('SYN Flag Count', 'feature', f64(1, 1)),
      numericColumn('RST Flag Count', 'feature', f64(1, 0)),
      numericColumn('FIN Flag Count', 'feature', f64(0, 1)),
    ],
    'cicflowmeter',
  );
  const ff = flowFields(t);
  assert.deepEqual(ff.missing, ['ttl']);
  assert.deepEqual(ff.srcIp?.dictionary, ['172.16.0.1']);
  assert.deepEqual([...(ff.proto as Float64Array)], [6, 6]);
  assert.deepEqual([...(ff.duration as Float64Array)], [0.000046, 2.5]);
  assert.equal(ff.time?.[1], Date.UTC(2017, 6, 7, 18, 9));
  assert.deepEqual([...(ff.failed as Uint8Array)], [1, 0]);
  assert.equal(ff.sources.duration, 'Flow Duration (microseconds)');
  assert.equal(ff.sources.time, 'Timestamp (epoch milliseconds)');
  assert.equal(ff.sources.failed, 'no payload bytes in either direction');
  assert.deepEqual(ff.notes, ['"Timestamp" has times without a UTC offset; they were read as UTC']);
});

test('UNSW-NB15 raw names: epoch seconds, seconds, TTL, Argus state for failed attempts (TCP only)', () => {
  const t = table([
    categoricalFrom('srcip', 'meta', ['175.45.176.1', '59.166.0.0', '59.166.0.1']),
    numericColumn('sport', 'meta', f64(1043, 1044, 53)),
    categoricalFrom('dstip', 'meta', ['149.171.126.16', '149.171.126.3', '149.171.126.3']),
    numericColumn('dsport', 'meta', f64(80, 22, 53)),
    categoricalFrom('proto', 'feature', ['tcp', 'tcp', 'udp']),
    categoricalFrom('state', 'feature', ['REQ', 'FIN', 'INT']),
    numericColumn('dur', 'feature', f64(0.5, 1.25, 0.001)),
    numericColumn('sbytes', 'feature', f64(200, 3000, 60)),
    numericColumn('dbytes', 'feature', f64(0, 40000, 0)),
    numericColumn('sttl', 'feature', f64(254, 31, 31)),
    numericColumn('spkts', 'feature', f64(2, 20, 1)),
    numericColumn('dpkts', 'feature', f64(0, 30, 0)),
    numericColumn('stime', 'meta', f64(1421927414, 1421927415, 1421927416)),
  ]);
  const ff = flowFields(t);
  assert.ok(ff.srcPort && ff.dstPort && ff.ttl && ff.fwdPackets && ff.bwdBytes);
  assert.deepEqual([...(ff.proto as Float64Array)], [6, 6, 17]);
  assert.equal(ff.time?.[0], 1421927414000);
  assert.equal(ff.sources.time, 'stime (epoch seconds)');
  assert.deepEqual([...(ff.duration as Float64Array)], [0.5, 1.25, 0.001]);
  // sbytes/dbytes count headers in UNSW-NB15, so only the state says "failed"; UDP INT is not a failure
  assert.deepEqual([...(ff.failed as Uint8Array)], [1, 0, 0]);
  assert.deepEqual(ff.missing, ['synCount', 'rstCount', 'finCount']);
});

test('Zeek conn.log names: ts, id.orig_h ..., conn_state and history', () => {
  const t = table([
    numericColumn('ts', 'meta', f64(1331901000.25, 1331901001.5)),
    categoricalFrom('id.orig_h', 'meta', ['192.168.202.79', '192.168.202.79']),
    numericColumn('id.orig_p', 'meta', f64(50465, 50466)),
    categoricalFrom('id.resp_h', 'meta', ['192.168.229.251', '192.168.229.251']),
    numericColumn('id.resp_p', 'meta', f64(80, 81)),
    categoricalFrom('proto', 'meta', ['tcp', 'tcp']),
    numericColumn('duration', 'meta', f64(0.0006, NaN)),
    numericColumn('orig_bytes', 'meta', f64(1500, 0)),
    numericColumn('resp_bytes', 'meta', f64(9000, 0)),
    categoricalFrom('conn_state', 'meta', ['SF', 'REJ']),
    categoricalFrom('history', 'meta', ['ShADadfF', 'Sr']),
    numericColumn('orig_pkts', 'meta', f64(6, 1)),
    numericColumn('resp_pkts', 'meta', f64(5, 1)),
  ]);
  const ff = flowFields(t);
  assert.equal(ff.time?.[0], 1331901000250);
  assert.deepEqual([...(ff.dstPort as Float64Array)], [80, 81]);
  assert.deepEqual([...(ff.failed as Uint8Array)], [0, 1]);
  assert.deepEqual([...(ff.synCount as Float64Array)], [1, 1]);
  assert.deepEqual([...(ff.rstCount as Float64Array)], [0, 1]);
  assert.deepEqual([...(ff.finCount as Float64Array)], [1, 0]);
  assert.deepEqual(ff.missing, ['ttl']);
});

test('generic snake-case names and text timestamps (ISO with offset, CIC style, epoch)', () => {
  const t = table([
    categoricalFrom('src_ip', 'meta', ['10.0.0.1', '10.0.0.1', '10.0.0.1', null]),
    categoricalFrom('dst_ip', 'meta', ['10.0.0.2', '10.0.0.2', '10.0.0.2', '10.0.0.2']),
    categoricalFrom('dst_port', 'meta', ['443', '0x0016', '-', '80']),
    categoricalFrom('timestamp', 'meta', ['2024-03-01T10:00:00+02:00', '2017-07-07 12:59:00', '1700000000', 'yesterday']),
  ]);
  const ff = flowFields(t);
  assert.equal(ff.srcIp?.codes[3], -1);
  assert.deepEqual([...(ff.dstPort as Float64Array)], [443, 22, NaN, 80]);
  assert.equal(ff.time?.[0], Date.UTC(2024, 2, 1, 8, 0, 0));
  assert.equal(ff.time?.[1], Date.UTC(2017, 6, 7, 12, 59, 0));
  assert.equal(ff.time?.[2], 1700000000000);
  assert.ok(Number.isNaN(ff.time?.[3]));
  assert.deepEqual(ff.notes, ['1 distinct value of "timestamp" is not a timestamp and counts as missing', '"timestamp" has times without a UTC offset; they are read as UTC']);
  assert.equal(ff.failed, undefined);
  assert.equal(missingFieldsReason(ff, ['srcIp', 'ttl', 'duration'], 'csv'), 'needs the TTL and duration, which this input (csv) does not have');
  assert.equal(missingFieldsReason(ff, ['srcIp']), null);
});

test('NSL-KDD-like: no addresses at all; protocol and connection flag still read', () => {
  const t = table([
    numericColumn('duration', 'feature', f64(0, 2)),
    categoricalFrom('protocol_type', 'feature', ['tcp', 'icmp']),
    categoricalFrom('flag', 'feature', ['S0', 'SF']),
    numericColumn('src_bytes', 'feature', f64(0, 1032)),
    numericColumn('dst_bytes', 'feature', f64(0, 0)),
  ], 'nsl-kdd');
  const ff = flowFields(t);
  for (const f of ['srcIp', 'dstIp', 'srcPort', 'dstPort', 'time'] as const) assert.ok(ff.missing.includes(f), f);
  assert.deepEqual([...(ff.proto as Float64Array)], [6, 1]);
  assert.deepEqual([...(ff.failed as Uint8Array)], [1, 0], 'S0 failed; ICMP with no payload is not');
  assert.equal(missingFieldsReason(ff, ['srcIp', 'dstIp', 'dstPort'], 'nsl-kdd'), 'needs the source IP, destination IP and destination port, which this input (nsl-kdd) does not have');
});

test('a known column that exists but is empty counts as missing, with a note', () => {
  const t = table([numericColumn('Flow Duration', 'feature', f64(10, 20)), categoricalFrom('Src IP', 'meta', [null, null])], 'cicflowmeter');
  const ff = flowFields(t);
  assert.ok(ff.missing.includes('srcIp'));
  assert.ok(ff.notes.some((n) => n.includes('column "Src IP" exists but holds no values')));
});

test('helpers: names, protocol numbers, epoch magnitudes', () => {
  assert.equal(normaliseColumnName(' Total Fwd Packet '), 'totalfwdpacket');
  assert.equal(normaliseColumnName('id.orig_h'), 'idorigh');
  assert.deepEqual(['TCP', 'udp', '17', 'icmp6', 'arp'].map(protocolNumber), [6, 17, 17, 58, NaN]);
  assert.equal(epochToMs(1_500_000_000), 1_500_000_000_000);
  assert.equal(epochToMs(1_500_000_000_000), 1_500_000_000_000);
  assert.equal(epochToMs(1_500_000_000_000_000), 1_500_000_000_000);
  assert.equal(epochToMs(1_500_000_000_000_000_000), 1_500_000_000_000);
  assert.equal(timestampFromText('7/7/2017 1:55 PM'), Date.UTC(2017, 6, 7, 13, 55));
});

test('an epoch column takes the unit most of its values have: one garbled row of 1e15 in epoch seconds is a missing time, not every time read as microseconds (1970)', () => {
  const ts = Float64Array.from([1e15, 1_700_000_000.5, 1_700_000_001, 0, NaN, 1_700_000_002]);
  const t = table([numericColumn('ts', 'meta', ts), categoricalFrom('src_ip', 'meta', Array(ts.length).fill('10.0.0.1'))], 'zeek');
  const ff = flowFields(t);
  assert.equal(ff.sources.time, 'ts (epoch seconds)');
  assert.deepEqual(Array.from(ff.time!), [NaN, 1_700_000_000_500, 1_700_000_001_000, 0, NaN, 1_700_000_002_000]);
  assert.ok(ff.notes.some((n) => n === '"ts" has values far larger than its other epoch seconds (garbled rows?): read as missing times, not as another unit'), ff.notes.join('\n'));
  // a column all of one unit is read as before, with no note
  const ms = flowFields(table([numericColumn('ts', 'meta', Float64Array.from([1_700_000_000_000, 1_700_000_000_500])), categoricalFrom('src_ip', 'meta', ['10.0.0.1', '10.0.0.2'])], 'zeek'));
  assert.equal(ms.sources.time, 'ts (epoch milliseconds)');
  assert.deepEqual(Array.from(ms.time!), [1_700_000_000_000, 1_700_000_000_500]);
  assert.ok(!ms.notes.some((n) => n.includes('far larger')));
});

test('port values that are no port (70000, -1, 22.5, Infinity, text) are missing to the rules, with one note; the table keeps them', () => {
  const dst = Float64Array.from([22, 70000, -1, 22.5, Infinity, 443, NaN, 0, 65535]);
  const t: FlowTable = {
    rowCount: dst.length,
    format: 'csv',
    columns: [
      categoricalFrom('src_ip', 'meta', Array(dst.length).fill('10.0.0.1')),
      categoricalFrom('src_port', 'meta', ['5', 'abc', '7', '8', '9', '10', '11', '12', '13']),
      numericColumn('dst_port', 'feature', dst),
    ],
  };
  const ff = flowFields(t);
  assert.deepEqual(Array.from(ff.dstPort!), [22, NaN, NaN, NaN, NaN, 443, NaN, 0, 65535]);
  assert.deepEqual(Array.from(ff.srcPort!), [5, NaN, 7, 8, 9, 10, 11, 12, 13]);
  assert.deepEqual(Array.from((t.columns[2] as { values: Float64Array }).values), Array.from(dst), "the table's own column is left as read");
  assert.ok(ff.notes.includes('"dst_port" has values that are not port numbers (whole numbers 0 to 65535); the rules read them as missing'), ff.notes.join(' | '));
  assert.ok(ff.notes.includes('"src_port" has values that are not port numbers (whole numbers 0 to 65535); the rules read them as missing'), ff.notes.join(' | '));
  // ordinary ports: no note, and the column's own array (no copy)
  const fine = flowFields({ rowCount: 2, format: 'csv', columns: [numericColumn('dst_port', 'feature', Float64Array.from([22, 80]))] });
  assert.equal(fine.dstPort, (fine as unknown as { dstPort: Float64Array }).dstPort);
  assert.ok(!fine.notes.some((n) => n.includes('port numbers')));
});

test("IPv4-mapped IPv6 addresses of a flow file are read as IPv4, with one note; a capture's are kept as on the wire", () => {
  const src = ['::ffff:8.8.8.8', '10.0.0.1', '::FFFF:192.0.2.10', '::ffff:300.1.1.1', '2001:db8::1', '::ffff:8.8.8.8'];
  const table = (exactTimes?: boolean): FlowTable => ({
    rowCount: src.length,
    format: 'csv',
    exactTimes,
    columns: [categoricalFrom('src_ip', 'meta', src), categoricalFrom('dst_ip', 'meta', Array(src.length).fill('::ffff:10.0.0.2'))],
  });
  const ff = flowFields(table());
  const text = (f: { codes: Int32Array; dictionary: readonly string[] }): string[] => Array.from(f.codes, (c) => f.dictionary[c]);
  assert.deepEqual(text(ff.srcIp!), ['8.8.8.8', '10.0.0.1', '192.0.2.10', '::ffff:300.1.1.1', '2001:db8::1', '8.8.8.8']);
  assert.deepEqual(text(ff.dstIp!), Array(src.length).fill('10.0.0.2'));
  assert.deepEqual(text(sourceIpField(table())!), text(ff.srcIp!), 'publish partitions by the same address');
  assert.equal(ff.notes.filter((n) => n.includes('IPv4-mapped')).length, 2, ff.notes.join(' | '));
  assert.ok(ff.notes.includes('"src_ip" has IPv4-mapped IPv6 addresses (::ffff:a.b.c.d), as dual-stack software writes IPv4 clients; they are read as the IPv4 addresses they carry'), ff.notes.join(' | '));
  // a capture: what was on the wire, no note
  const wire = flowFields(table(true));
  assert.deepEqual(text(wire.srcIp!), src);
  assert.ok(!wire.notes.some((n) => n.includes('IPv4-mapped')));
  // none mapped: the column's own dictionary, no copy
  const plain = { rowCount: 1, format: 'csv', columns: [categoricalFrom('src_ip', 'meta', ['10.0.0.1'])] };
  assert.equal(flowFields(plain).srcIp!.dictionary, (plain.columns[0] as { dictionary: readonly string[] }).dictionary);
});

test('answering: ICMP flows opened by an error message (CICFlowMeter ICMP Type, or Zeek id.orig_p), and nothing else', () => {
  // rows: port unreachable, echo request, time exceeded, ICMPv6 packet too big, ICMPv6 echo request, UDP with a stray type value
  const cic = table([
    categoricalFrom('Src IP', 'meta', ['10.0.0.5', '10.0.0.9', '10.0.0.1', 'fe80::1', 'fe80::2', '10.0.0.7']),
    numericColumn('Protocol', 'feature', f64(1, 1, 1, 58, 58, 17)),
    numericColumn('ICMP Type', 'feature', f64(3, 8, 11, 2, 128, 3)),
  ]);
  assert.deepEqual([...(flowFields(cic).answering as Uint8Array)], [1, 0, 1, 1, 0, 0]);
  // Zeek's conn.log holds an ICMP connection's type in id.orig_p (and protocols as text)
  const zeek = table([
    categoricalFrom('id.orig_h', 'meta', ['10.0.0.5', '10.0.0.9', '10.0.0.8']),
    numericColumn('id.orig_p', 'meta', f64(3, 8, 3)),
    categoricalFrom('proto', 'meta', ['icmp', 'icmp', 'udp']),
  ]);
  assert.deepEqual([...(flowFields(zeek).answering as Uint8Array)], [1, 0, 0]);
  // another tool's source port of an ICMP flow is no type; no type column, no protocol or no error: no marks
  const other = table([categoricalFrom('src_ip', 'meta', ['10.0.0.5']), numericColumn('src_port', 'meta', f64(3)), numericColumn('proto', 'meta', f64(1))]);
  assert.equal(flowFields(other).answering, undefined);
  assert.equal(flowFields(table([numericColumn('ICMP Type', 'feature', f64(3))])).answering, undefined);
  assert.equal(flowFields(table([numericColumn('Protocol', 'feature', f64(1)), numericColumn('ICMP Type', 'feature', f64(0))])).answering, undefined);
});
