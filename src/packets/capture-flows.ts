/**
 * Captures as a flow source: pcap/pcapng files (plain or gzip-compressed, or on stdin) → decoder →
 * flow meter → FlowTable batches in the CICFlowMeter layout (capture-flow-batch.ts). This is what
 * `streamDataset` hands every verb when its inputs are captures, and what `netsentinel flows`
 * writes out. Files given together are one capture (e.g. rotated files): one flow meter runs across
 * them, so a connection spanning two files is one flow.
 *
 * Packets that are not IP (ARP, LLDP, ...) do not make flows; they still reach `onPacket` (the
 * packet detectors). Truncated and malformed packets are counted and skipped (decode-to-meter.ts,
 * the step live captures share); a damaged file stops with one error naming the byte offset, after
 * the flows of every packet before it (a file cut short at its end is a warning instead with
 * `allowTruncated`).
 */
import type { FlowTable } from '../flows/table.js';
import { CutShortError, type ByteSource } from '../sources/byte-source.js';
import { UserError } from '../util/errors.js';
import { captureChunks } from './capture-file-chunks.js';
import { CaptureFlowBatch } from './capture-flow-batch.js';
import { LINKTYPE, LINKTYPE_NAMES, SUPPORTED_LINKS } from './capture-packet.js';
import type { DecodedPacket } from './decoded-packet.js';
import { decodeToMeter, emptyPacketCounts, packetCountWarnings, type PacketCounts } from './decode-to-meter.js';
import { FlowMeter, type FlowMeterOptions, type FlowMeterStats } from './flow-meter.js';
import { iterateCapture, type CaptureSummary } from './read-capture.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

export interface CaptureInput {
  readonly display: string;
  readonly path?: string;
  /** an already opened (peeked) source, e.g. stdin */
  readonly source?: ByteSource;
  /** the file's first bytes, read when its format was sniffed: not read again */
  readonly head?: Uint8Array;
}

export interface CaptureFlowOptions extends FlowMeterOptions {
  /** most flows per batch (default 65536) */
  readonly batchRows?: number;
  readonly warn?: (message: string) => void;
  /** every decoded packet (IP, ARP or other), before the flow meter sees it */
  readonly onPacket?: (d: DecodedPacket) => void;
  /** every packet found malformed past its link layer (counted and skipped otherwise): its source MAC read */
  readonly onMalformed?: (d: DecodedPacket) => void;
  /** bytes read so far (raw, as on disk) */
  readonly progress?: (bytesRead: number) => void;
  /**
   * a capture that ends inside its last record or block: warn and use every packet before the cut
   * (a capture still being written, or stopped mid-packet), instead of the error
   */
  readonly allowTruncated?: boolean;
  /** the summary, once every input was read */
  readonly onSummary?: (s: CaptureFlowSummary) => void;
  readonly stdin?: NodeJS.ReadableStream;
}

export interface CaptureFlowSummary extends PacketCounts {
  files: { file: string; kind: string; packets: number; linkTypes: string[]; garbledBlocks: number }[];
  flows: number;
  meter: FlowMeterStats;
  maxFlows: number;
}

export async function* streamCaptureFlows(inputs: readonly CaptureInput[], opts: CaptureFlowOptions = {}): AsyncGenerator<FlowTable> {
  const batchRows = opts.batchRows ?? 65536;
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`netsentinel: warning: ${m}\n`));
  const files = inputs.map((i) => i.display);
  // room for a whole batch from the start (pages never written cost nothing; growing from less
  // copied the first batch twice)
  const batch = new CaptureFlowBatch(files, Math.min(batchRows, 65536));
  const ready: FlowTable[] = [];
  let fileIndex = 0;
  const meter = new FlowMeter((m, slot) => {
    batch.add(m, slot, fileIndex);
    if (batch.rows >= batchRows) ready.push(batch.flush());
  }, opts);
  meter.onFirstEviction = () =>
    warn(`the flow table is full (${thousands(meter.maxFlows)} flows): evicting the least recently seen flows; raise --max-flows if this capture is not a flood`);
  const sum: CaptureFlowSummary = { files: [], ...emptyPacketCounts(), flows: 0, meter: meter.stats, maxFlows: meter.maxFlows };
  const sink = decodeToMeter(sum, meter, opts.onPacket, opts.onMalformed);
  let rawBefore = 0;
  /** files whose first packet came before the packets read before them */
  const earlierFiles: string[] = [];
  for (let i = 0; i < inputs.length; i++) {
    fileIndex = i;
    const input = inputs[i];
    const source = await captureChunks(input, opts.stdin, opts.allowTruncated === true);
    const it = iterateCapture(source.chunks, input.display, sink, { allowCutShort: opts.allowTruncated });
    let s: CaptureSummary;
    const packetsBefore = sum.packets;
    const earlierBefore = meter.stats.earlierFiles;
    meter.startFile();
    // the flows finished because this file starts earlier belong to the files before it
    meter.onEarlierFile = () => {
      fileIndex = i - 1;
      meter.flush();
      fileIndex = i;
    };
    const ipBefore = sum.ipPackets;
    const arpBefore = sum.arpPackets;
    const otherBefore = sum.otherPackets;
    const malformedBefore = sum.malformedPackets;
    for (;;) {
      let r: IteratorResult<unknown, CaptureSummary>;
      try {
        r = await it.next();
      } catch (e) {
        // a compressed stream cut short before its first packet (zstd gives its data a block of up
        // to 128 KiB at a time): nothing to keep, with --allow-truncated or without (with it the
        // reader took the nothing that arrived for an empty file; without, the error offered the
        // option to use "0 packets")
        if ((source.cutShort() || e instanceof CutShortError) && sum.packets === packetsBefore) {
          throw new UserError(`${input.display}: the compressed capture is cut short before its first packet (its ${source.compression() ?? 'compressed'} stream ends early): nothing to read`);
        }
        // after some packets: say what --allow-truncated would keep, as for a plain capture cut inside its last packet
        if (e instanceof CutShortError) {
          const n = sum.packets - packetsBefore;
          throw new UserError(`${e.message.replace(/; is it truncated\?$/, '')}: the compressed capture is cut short; ${thousands(n)} ${plural(n, 'packet')} before the cut ${n === 1 ? 'was' : 'were'} read; --allow-truncated uses them (a warning instead of this error)`);
        }
        throw e;
      }
      while (ready.length > 0) yield ready.shift() as FlowTable;
      opts.progress?.(rawBefore + source.bytesRead());
      if (r.done) {
        s = r.value;
        break;
      }
    }
    rawBefore += source.bytesRead();
    if (meter.stats.earlierFiles > earlierBefore) earlierFiles.push(input.display);
    // a file of packets none of which is IP or ARP is most often a link type its header gets
    // wrong (raw IP labelled Ethernet, Ethernet labelled Linux cooked): 0 flows and exit 0 said nothing
    const known = s.linkTypes.filter((l) => l in LINKTYPE_NAMES);
    const fileIp = sum.ipPackets - ipBefore;
    const fileArp = sum.arpPackets - arpBefore;
    const fileOther = sum.otherPackets - otherBefore;
    const fileMalformed = sum.malformedPackets - malformedBefore;
    // (a Wi-Fi capture without IP is most often beacons and encrypted frames, with the link type right: said below)
    const wifi = known.length > 0 && known.every((l) => l === LINKTYPE.IEEE802_11 || l === LINKTYPE.IEEE802_11_RADIOTAP);
    if (wifi && fileIp === 0 && fileArp === 0 && s.packets > 0 && sum.wlanEncryptedPackets === 0) {
      warn(`${input.display}: none of its ${thousands(s.packets)} 802.11 ${plural(s.packets, 'frame')} carries IP or ARP (management, control and empty data frames: beacons, probes, acknowledgements): no flow to make`);
    } else if (!wifi && known.length > 0 && fileIp === 0 && fileArp === 0 && fileOther + fileMalformed > 0) {
      const what = [fileOther ? `${thousands(fileOther)} of another EtherType or family` : '', fileMalformed ? `${thousands(fileMalformed)} malformed` : ''].filter((x) => x).join(', ');
      warn(
        `${input.display}: none of its ${thousands(s.packets)} ${plural(s.packets, 'packet')} is IP or ARP when read as ${known.map((l) => LINKTYPE_NAMES[l]).join(', ')} (${what}): ` +
          `if it holds IP traffic, the link type in its header is wrong (editcap -T sets another)`,
      );
    }
    // a capture of no packets (tcpdump stopped before the first, a filter that matched nothing) gave
    // 0 flows and exit 0 without a word, as if the traffic had been judged and found quiet
    if (s.packets === 0 && s.garbledBlocks === 0 && !s.cutShort && !source.cutShort()) warn(`${input.display}: the capture holds no packets`);
    sum.files.push({ file: input.display, kind: s.kind, packets: s.packets, linkTypes: s.linkTypes.map((l) => LINKTYPE_NAMES[l] ?? `link type ${l}`), garbledBlocks: s.garbledBlocks });
    const unknown = s.linkTypes.filter((l) => !(l in LINKTYPE_NAMES));
    if (unknown.length > 0) warn(`${input.display}: link type ${unknown.join(', ')} is not supported (${SUPPORTED_LINKS}); its packets were skipped`);
    if (s.garbledBlocks > 0) warn(`${input.display}: skipped ${thousands(s.garbledBlocks)} garbled pcapng ${plural(s.garbledBlocks, 'block')}`);
    if (source.cutShort()) {
      warn(`${input.display}: the compressed capture is cut short (its ${source.compression() ?? 'compressed'} stream ends early): the flows of the ${thousands(s.packets)} ${plural(s.packets, 'packet')} before the cut are used (--allow-truncated)`);
    } else if (s.cutShort) {
      warn(`${s.cutShort.message}; the capture ends there (cut short): the flows of ${s.cutShort.packets === 1 ? 'that' : 'those'} ${thousands(s.cutShort.packets)} ${plural(s.cutShort.packets, 'packet')} are used (--allow-truncated)`);
    }
  }
  meter.flush();
  sum.flows = meter.stats.flowsFinished;
  if (earlierFiles.length > 0) {
    const named = earlierFiles.length <= 5 ? earlierFiles.join(', ') : `${earlierFiles.slice(0, 5).join(', ')} and ${thousands(earlierFiles.length - 5)} more`;
    warn(
      `${earlierFiles.length === 1 ? `${named} starts` : `${thousands(earlierFiles.length)} files start`} before the packets read before ${earlierFiles.length === 1 ? 'it' : `them (${named})`}: the files are out of time order, ` +
        `so the flows open at each such start were finished there and the file's own metered afresh (no flow joins across it); give the files oldest first (a folder's captures are read in the order of their first packets; files named one by one in the order given), or merge them into one capture (mergecap)`,
    );
  }
  for (const m of packetCountWarnings(sum, meter.stats)) warn(m);
  // packets, but none that makes a flow (ARP only, say): said, as 0 flows looked like a quiet network
  if (sum.flows === 0 && sum.ipPackets === 0 && sum.arpPackets > 0) {
    const kinds = [sum.arpPackets ? `${thousands(sum.arpPackets)} ARP` : '', sum.otherPackets ? `${thousands(sum.otherPackets)} of other link-layer types` : ''].filter((x) => x).join(', ');
    warn(`no flows: none of the ${thousands(sum.packets)} ${plural(sum.packets, 'packet')} is IP (${kinds}); flows are made of IP packets (the packet detectors still saw them)`);
  }
  if (meter.stats.evictions > 0) warn(`evicted ${thousands(meter.stats.evictions)} ${plural(meter.stats.evictions, 'flow')} because the flow table was full (--max-flows ${thousands(meter.maxFlows)})`);
  opts.onSummary?.(sum);
  if (batch.rows > 0 || sum.flows === 0) ready.push(batch.flush());
  while (ready.length > 0) yield ready.shift() as FlowTable;
}
