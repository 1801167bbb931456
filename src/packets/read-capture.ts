/**
 * Reading a capture file or pipe: recognise it by its magic number (classic pcap in either byte
 * order and resolution, or pcapng; gzip-compressed is undone first by ByteSource), then feed its
 * records, in place, to a synchronous sink. Chunks arrive asynchronously; the packets of one chunk
 * are delivered in one synchronous loop, and the consumer gets control back between chunks (that is
 * where finished flow batches are handed on), so the hot path awaits nothing.
 */
import { UserError } from '../util/errors.js';
import { ByteWindow } from './byte-window.js';
import { isWindowFiller } from './capture-file-chunks.js';
import { newCapturePacket, type CapturePacket } from './capture-packet.js';
import { PCAP_MAGIC_NS, PCAP_MAGIC_US, PcapParser } from './pcap-reader.js';
import { PCAPNG_SHB, PcapngParser } from './pcapng-reader.js';
import { CaptureCutShort } from './cut-short.js';
import { textNamedLikeCapture } from '../sources/refuse-binary.js';

export type CaptureKind = 'pcap' | 'pcapng';

/** reads of a WindowFiller (128 KB each) per turn of the consumer: handing on finished flows and progress */
const FILLS_PER_TURN = 8;

/** The kind of capture these first (decompressed) bytes start, or undefined. */
export function captureKind(head: Uint8Array): CaptureKind | undefined {
  if (head.length < 4) return undefined;
  const be = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  const le = ((head[3] << 24) | (head[2] << 16) | (head[1] << 8) | head[0]) >>> 0;
  if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) return 'pcap';
  if (be === PCAPNG_SHB) return 'pcapng';
  return undefined;
}

export interface CaptureSummary {
  kind: CaptureKind;
  packets: number;
  /** pcapng blocks skipped because their contents were garbled */
  garbledBlocks: number;
  linkTypes: number[];
  /** (decompressed) bytes read */
  bytes: number;
  /** with `allowCutShort`: the capture ended inside a record or block (this says where); else absent */
  cutShort?: CaptureCutShort;
}

export interface IterateCaptureOptions {
  /**
   * A capture that ends inside its last record or block is not an error: its summary says where
   * (`cutShort`) and every packet before the cut was read (`--allow-truncated`).
   */
  readonly allowCutShort?: boolean;
}

/**
 * Read a capture from its chunks, calling `sink` for every packet (the object is reused: copy what
 * you keep). Throws an InputError naming the byte offset when the capture is truncated or garbled,
 * after every packet before the damage went to the sink.
 */
export async function readCapture(chunks: AsyncIterable<Uint8Array>, display: string, sink: (p: CapturePacket) => void): Promise<CaptureSummary> {
  const it = iterateCapture(chunks, display, sink);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
  }
}

/**
 * The same as a generator that pauses after each chunk's packets went to the sink, so a consumer
 * can hand on what those packets produced (finished flows) before more is read.
 */
export async function* iterateCapture(chunks: AsyncIterable<Uint8Array>, display: string, sink: (p: CapturePacket) => void, o: IterateCaptureOptions = {}): AsyncGenerator<void, CaptureSummary> {
  const win = new ByteWindow();
  const p = newCapturePacket();
  let parser: PcapParser | PcapngParser | undefined;
  let kind: CaptureKind | undefined;
  const filler = isWindowFiller(chunks) ? chunks : undefined;
  // a file that reads straight into the window, else chunks copied into it
  const iterator = filler ? undefined : chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (filler) {
        if ((await filler.fill(win)) === 0) break;
      } else {
        const r = await (iterator as AsyncIterator<Uint8Array>).next();
        if (r.done) break;
        win.push(r.value);
      }
      if (!parser) {
        if (win.available < 24) continue;
        const head = win.buf.subarray(win.start, win.end);
        kind = captureKind(head);
        if (!kind) throw new UserError(`${display}: ${notACapture(display, head)}`);
        parser = kind === 'pcap' ? new PcapParser(display, head) : new PcapngParser(display);
      }
      parser.consume(win, p, sink);
      // more small reads in this turn (a megabyte between the consumer's turns, as one read was)
      for (let more = 1; filler && more < FILLS_PER_TURN; more++) {
        if (filler.fillSync(win) <= 0) break;
        parser.consume(win, p, sink);
      }
      yield;
    }
  } finally {
    // stopped early (an error, or the consumer left): let the source close its file
    if (filler) await filler.close();
    else await iterator?.return?.();
  }
  if (!parser) {
    const head = win.buf.subarray(win.start, win.end);
    kind = captureKind(head);
    if (!kind) throw new UserError(`${display}: ${win.available === 0 ? (display === 'stdin' ? 'no input arrived (the pipe closed before its first byte)' : 'the file is empty') : notACapture(display, head)}`);
    parser = kind === 'pcap' ? new PcapParser(display, head) : new PcapngParser(display);
    parser.consume(win, p, sink);
  }
  let cutShort: CaptureCutShort | undefined;
  try {
    parser.finish(win);
  } catch (e) {
    if (!(o.allowCutShort && e instanceof CaptureCutShort)) throw e;
    cutShort = e;
  }
  return {
    ...(cutShort ? { cutShort } : {}),
    kind: kind as CaptureKind,
    // (the parsers count what they hand to the sink: no wrapper around the sink to count it again,
    // which V8 compiled once more with the whole per-packet path inlined into it)
    packets: parser.packets,
    garbledBlocks: parser instanceof PcapngParser ? parser.garbled : 0,
    linkTypes: parser instanceof PcapngParser ? [...parser.linkTypes] : [parser.linkType],
    bytes: win.offset,
  };
}

/**
 * Why the first bytes are no capture we read, with the magic number shown: formats next of kin to
 * pcap (the "modified" pcap of old Red Hat tcpdump, Sun snoop, ERF ...) are named with the one
 * command that converts them, so the user need not guess what the file is.
 */
function notACapture(display: string, head: Uint8Array): string {
  const text = textNamedLikeCapture(display, head);
  if (text !== undefined) return text;
  const hex = Array.from(head.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
  const be = head.length >= 4 ? ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0 : 0;
  const le = head.length >= 4 ? ((head[3] << 24) | (head[2] << 16) | (head[1] << 8) | head[0]) >>> 0 : 0;
  let kin = '';
  if (be === 0xa1b2cd34 || le === 0xa1b2cd34) kin = "the 'modified' pcap of old Red Hat tcpdump";
  else if (Buffer.from(head.subarray(0, 8)).toString('latin1') === 'snoop\0\0\0') kin = 'a Sun snoop capture';
  else if (Buffer.from(head.subarray(0, 4)).toString('latin1') === 'GMBU') kin = 'a Microsoft Network Monitor capture';
  return `not a pcap or pcapng capture (unknown magic number ${hex}${kin ? `: ${kin}` : ''}); editcap -F pcap converts any capture Wireshark reads`;
}
