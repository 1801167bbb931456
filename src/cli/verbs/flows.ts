/**
 * `netsentinel flows`: packet captures (pcap, pcapng, gzip-, zstd- or lz4-compressed, or `-` for a pipe) to flow
 * records: the CICFlowMeter columns of the CIC-IDS2017 CSVs (default) or Zeek conn.log fields, as
 * CSV, JSON lines or (Zeek) TSV. Every other verb reads captures directly; this one is for keeping
 * the flows, or handing them to other tools.
 */
import { skippedPackets } from '../../packets/capture-accounting.js';
import { openNamedOutput, uncompressedName } from '../../util/compressed-output.js';
import type { Command } from '../command.js';
import { CAPTURE_OPTIONS, captureOptionsFrom } from '../capture-options.js';
import { resolveCaptures } from '../../sources/read-dataset.js';
import { streamCaptureFlows, type CaptureFlowSummary } from '../../packets/capture-flows.js';
import { formatFlows, headerLine, type FlowOutputFormat, type FlowRecordFormat } from '../../packets/flow-records.js';
import { UserError } from '../../util/errors.js';
import { guardOutputs } from '../output-guard.js';

export const flows: Command = {
  spec: {
    name: 'flows',
    summary: 'meter packet captures (pcap, pcapng) into flow records (CICFlowMeter or Zeek conn.log)',
    usage: 'CAPTURE... [options]',
    positionals: { min: 1, name: 'CAPTURE' },
    description: `Reads pcap (micro- or nanosecond, either byte order) and pcapng files, plain or gzip-, zstd- or lz4-compressed,
or '-' for a pipe (tcpdump -w - | netsentinel flows -). Link types: Ethernet (802.1Q/QinQ, IP in MPLS or PPPoE), Linux
cooked v1/v2 (tcpdump -i any), raw IPv4/IPv6, BSD loopback. Files given together are one capture.
Flows are bidirectional (5-tuple); they end on TCP FIN/RST, the flow timeout (from the first packet)
and the idle timeout. --format cic writes the corrected CIC-IDS2017 columns, so the file reads back
into any verb and models trained on those CSVs apply; --format zeek writes conn.log fields (uid,
conn_state, history, bytes and packets each way). --json is --output-format jsonl. A summary (packets,
flows, skipped packets, evictions) goes to stderr.`,
    json: 'the flows as JSON lines on stdout or --output, one record per line (= --output-format jsonl)',
    options: [
      { name: 'output', short: 'o', type: 'string', value: 'FILE', description: "where to write ('-' = stdout); a name ending .gz or .zst is written compressed", default: '-' },
      { name: 'format', type: 'string', description: 'record layout', choices: ['cic', 'zeek'], default: 'cic' },
      { name: 'output-format', type: 'string', description: 'csv, JSON lines, or tsv (Zeek log with #fields; --format zeek only) [default: tsv for --format zeek into a .log file, else csv]', choices: ['csv', 'jsonl', 'tsv'] },
      ...CAPTURE_OPTIONS,
    ],
    examples: [
      'netsentinel flows capture.pcapng -o flows.csv',
      'netsentinel flows rotated-*.pcap.gz --format zeek -o conn.log',
      'tcpdump -i any -U -w - | netsentinel flows - --json | jq "select(.[\\"Dst Port\\"] == 22)"',
    ],
  },
  async run({ args, progress }) {
    const v = args.values;
    const rec = v.format as FlowRecordFormat;
    // a Zeek record into a file named like Zeek's logs is written as Zeek writes them (zeek-cut, and
    // this tool's own conn.log reader, read it); anything else as CSV unless asked
    const asZeekLog = rec === 'zeek' && /\.log$/i.test(uncompressedName(v.output as string));
    const fmt: FlowOutputFormat = v.json ? 'jsonl' : ((v.outputFormat as FlowOutputFormat | undefined) ?? (asZeekLog ? 'tsv' : 'csv'));
    if (fmt === 'tsv' && rec !== 'zeek') throw new UserError('flows: --output-format tsv is Zeek\'s log format; use it with --format zeek');
    // `flows x.pcap -o x.pcap` replaced the capture with its flows: refused before anything is opened
    await guardOutputs('flows', { data: args.positionals }, { files: [v.output as string] });
    const inputs = await resolveCaptures(args.positionals, (m) => process.stderr.write(`netsentinel: warning: ${m}\n`));
    const total = inputs.some((i) => i.path === undefined) ? 0 : inputs.reduce((s, i) => s + i.size, 0);
    // (a name ending .gz or .zst is written so compressed)
    const out = await openNamedOutput(v.output as string, 'flows');
    let summary: CaptureFlowSummary | undefined;
    let rows = 0;
    progress.start('metering flows', total || undefined, 'bytes');
    try {
      // the header goes with the first batch: an input that is no capture at all prints nothing on
      // stdout (a header there, then the error, read as an empty flow file downstream)
      let header = false;
      for await (const batch of streamCaptureFlows(inputs.map((i) => ({ display: i.display, path: i.path })), {
        ...captureOptionsFrom(v),
        progress: (done) => progress.update(done, total || undefined),
        onSummary: (s) => (summary = s),
      })) {
        if (!header) {
          await out.write(headerLine(rec, fmt));
          header = true;
        }
        rows += batch.rowCount;
        await out.write(formatFlows(batch, rec, fmt));
      }
      if (!header) await out.write(headerLine(rec, fmt));
    } catch (e) {
      // a damaged capture ends the run: the output stays as it was (closing here would have put
      // the flows read so far in its place, a partial file behind exit 2)
      await out.abort();
      throw e;
    }
    await out.close();
    const s = summary as CaptureFlowSummary;
    const skipped = skippedPackets(s);
    progress.done(
      `${s.packets.toLocaleString('en-US')} packets (${s.ipPackets.toLocaleString('en-US')} IP, ${s.arpPackets.toLocaleString('en-US')} ARP, ${s.otherPackets.toLocaleString('en-US')} other${skipped ? `, ${skipped.toLocaleString('en-US')} skipped` : ''}) → ${rows.toLocaleString('en-US')} flow${rows === 1 ? '' : 's'}` +
        (s.meter.evictions ? `, ${s.meter.evictions.toLocaleString('en-US')} evicted (flow table full at ${s.maxFlows.toLocaleString('en-US')})` : ''),
    );
    return 0;
  },
};
