import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { cellText, getColumn } from '../flows/table.js';
import { flowFields } from '../flows/flow-fields.js';
import { readDataset } from './read-dataset.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-zeek-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// as Zeek 6 writes it (fields trimmed to the usual ones), with a #close line at the end
const TSV = `#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#open\t2024-01-01-00-00-00
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]
1704067200.123456\tCAbc1\t10.0.0.5\t51000\t10.0.0.1\t22\ttcp\tssh\t2.500000\t1000\t2000\tSF\t-\t-\t0\tShADadFf\t20\t2000\t18\t3000\t(empty)
1704067201.000000\tCAbc2\t10.0.0.5\t51001\t10.0.0.1\t23\ttcp\t-\t-\t-\t-\tS0\t-\t-\t0\tS\t1\t60\t0\t0\t(empty)
#close\t2024-01-01-01-00-00
`;

test('a Zeek TSV conn.log (plain or gzip) reads as flows with Zeek names, unset as missing', async () => {
  writeFileSync(join(dir, 'conn.log'), TSV);
  writeFileSync(join(dir, 'conn.log.gz'), gzipSync(TSV));
  for (const f of ['conn.log', 'conn.log.gz']) {
    const t = await readDataset([join(dir, f)]);
    assert.equal(t.format, 'zeek-conn');
    assert.equal(t.rowCount, 2);
    const ts = getColumn(t, 'ts') as { values: Float64Array };
    assert.equal(ts.values[0], 1704067200123.456);
    const dur = getColumn(t, 'duration') as { values: Float64Array };
    assert.ok(Number.isNaN(dur.values[1]));
    assert.equal(cellText(getColumn(t, 'service')!, 1), '');
    assert.equal(cellText(getColumn(t, 'conn_state')!, 1), 'S0');
    assert.equal(t.origin?.line[1], 10);
    const ff = flowFields(t);
    assert.ok(ff.srcIp && ff.dstPort && ff.duration && ff.failed, `missing: ${ff.missing.join(', ')}`);
    assert.equal(ff.failed?.[1], 1);
    assert.equal(ff.failed?.[0], 0);
  }
});

test('a JSON-lines conn.log reads the same; a bad number names line and field', async () => {
  const lines = [
    { ts: 1704067200.123456, uid: 'CAbc1', 'id.orig_h': '10.0.0.5', 'id.orig_p': 51000, 'id.resp_h': '10.0.0.1', 'id.resp_p': 22, proto: 'tcp', service: 'ssh', duration: 2.5, orig_bytes: 1000, resp_bytes: 2000, conn_state: 'SF', history: 'ShADadFf', orig_pkts: 20, orig_ip_bytes: 2000, resp_pkts: 18, resp_ip_bytes: 3000 },
    { ts: '2024-01-01T00:00:01Z', uid: 'CAbc2', 'id.orig_h': '10.0.0.5', 'id.orig_p': 51001, 'id.resp_h': '10.0.0.1', 'id.resp_p': 23, proto: 'tcp', conn_state: 'S0', history: 'S', orig_pkts: 1, orig_ip_bytes: 60, resp_pkts: 0, resp_ip_bytes: 0 },
  ];
  writeFileSync(join(dir, 'conn.json'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const t = await readDataset([join(dir, 'conn.json')]);
  assert.equal(t.rowCount, 2);
  assert.equal((getColumn(t, 'ts') as { values: Float64Array }).values[1], Date.parse('2024-01-01T00:00:01Z'));
  assert.ok(Number.isNaN((getColumn(t, 'duration') as { values: Float64Array }).values[1]));
  writeFileSync(join(dir, 'bad.log'), TSV.replace('\t1000\t2000\tSF', '\tlots\t2000\tSF'));
  await assert.rejects(readDataset([join(dir, 'bad.log')]), /bad\.log line 9, column "orig_bytes": "lots" is not a number/);
});

test('a conn.log saved with a UTF-8 byte order mark (TSV or JSON) is still a conn.log', async () => {
  const bom = '\uFEFF';
  writeFileSync(join(dir, 'bom.log'), bom + TSV);
  const t = await readDataset([join(dir, 'bom.log')]);
  assert.equal(t.format, 'zeek-conn');
  assert.equal(t.rowCount, 2);
  assert.equal(cellText(getColumn(t, 'uid')!, 0), 'CAbc1');
  const line = JSON.stringify({ ts: 1704067200, uid: 'CJ1', 'id.orig_h': '10.0.0.5', 'id.orig_p': 51000, 'id.resp_h': '10.0.0.1', 'id.resp_p': 22, proto: 'tcp' });
  writeFileSync(join(dir, 'bom.json'), bom + line + '\n' + line + '\n');
  const j = await readDataset([join(dir, 'bom.json')]);
  assert.equal(j.format, 'zeek-conn');
  assert.equal(j.rowCount, 2);
  assert.equal(cellText(getColumn(j, 'uid')!, 0), 'CJ1');
});
