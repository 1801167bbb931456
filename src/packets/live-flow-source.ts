/**
 * A live capture as a flow source of the one analysis pipeline (src/analysis/flow-source.ts): pcap
 * from a capture program's stdout (live-capture-program.ts) → the ordinary streaming reader
 * (iterateCapture) → decoder → flow meter → FlowTable batches, handed on as flows finish rather
 * than at the end: every `batchSeconds` (flows that went idle are expired by the wall clock, since
 * a quiet link brings no packets to advance the meter's own clock) or every `batchRows` flows.
 *
 * The source ends (and the pipeline then finishes its sinks as for a file) when the stop signal
 * fires (SIGINT/SIGTERM in the CLI), after `durationSeconds`, after `maxPackets`, or when the
 * program exits. Ending asks the program to stop, reads what it still flushes, and finishes every
 * flow still open. A program that fails before capturing anything is a UserError (what is missing);
 * one that dies later is reported and the flows captured so far are still analysed.
 *
 * Each packet takes the same decode → count → meter step as a file's (decode-to-meter.ts); around
 * it, only what a live capture adds: the packet limit and the rotated files.
 */
import type { Readable } from 'node:stream';
import type { FlowTable } from '../flows/table.js';
import type { FlowSource } from '../analysis/flow-source.js';
import { captureAccounting, type CaptureAccounting } from './capture-accounting.js';
import { ReaderNotes } from '../analysis/reader-notes.js';
import { UserError } from '../util/errors.js';
import { CaptureFlowBatch } from './capture-flow-batch.js';
import { LINKTYPE_NAMES, SUPPORTED_LINKS, type CapturePacket } from './capture-packet.js';
import type { DecodedPacket } from './decoded-packet.js';
import { decodeToMeter, emptyPacketCounts, packetCountWarnings, type PacketCounts } from './decode-to-meter.js';
import { FlowMeter, type FlowMeterOptions, type FlowMeterStats } from './flow-meter.js';
import { iterateCapture, type CaptureSummary } from './read-capture.js';
import type { CaptureProgramCounts, CaptureProgramEnd, RunningCapture } from './live-capture-program.js';
import type { RotatingCaptureWriter } from './live-rotation.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

export interface LiveFlowOptions extends FlowMeterOptions {
  /** what the flows are, for messages and the summary ("eth0 (tcpdump)") */
  readonly display: string;
  /** hand on finished flows at least this often (default 5 s) */
  readonly batchSeconds?: number;
  /** ... or when this many have finished (default 65536) */
  readonly batchRows?: number;
  readonly durationSeconds?: number;
  readonly maxPackets?: number;
  /** a stop request: the capture ends cleanly (not an interruption of the analysis) */
  readonly signal?: AbortSignal;
  /** every decoded packet, before the flow meter (the packet detectors) */
  readonly onPacket?: (d: DecodedPacket) => void;
  /** every packet found malformed past its link layer (the packet detectors' onMalformed) */
  readonly onMalformed?: (d: DecodedPacket) => void;
  readonly rotation?: RotatingCaptureWriter;
  readonly warn: (message: string) => void;
  readonly note: (message: string) => void;
  /** once the capture ended */
  readonly onSummary?: (s: LiveCaptureSummary) => void;
  /**
   * hand on an empty batch every `batchSeconds` in which no flow finished: the consumer gets control
   * on a link with packets but no finished flows (ARP alone), to ask the packet detectors what they
   * found (stream --interface; the pipeline of `capture` asks them on a timer of its own)
   */
  readonly ticks?: boolean;
}

export interface LiveCaptureSummary extends PacketCounts {
  flows: number;
  batches: number;
  linkTypes: string[];
  /** why the capture ended: 'SIGINT', 'SIGTERM', 'duration', 'count', 'program exited' */
  stoppedBy: string;
  program: CaptureProgramCounts & { name: string; exitCode: number | null };
  meter: FlowMeterStats;
  rotatedFiles: string[];
}

/** A tick with no data: lets the consumer expire flows while the link is quiet. */
const TICK = new Uint8Array(0);
/** pause the program's pipe when this much is waiting (the program then buffers, and the kernel counts drops) */
const HIGH_WATER = 16 << 20;

/**
 * The program's stdout as chunks, with an empty chunk every `tickMs` while nothing arrives, so the
 * reader's consumer gets control on a quiet link. Ends when the pipe ends.
 */
async function* liveChunks(stdout: Readable, tickMs: number): AsyncGenerator<Uint8Array> {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stdout.on('data', (b: Buffer) => {
    queue.push(b);
    queued += b.length;
    if (queued > HIGH_WATER) stdout.pause();
    poke();
  });
  stdout.on('end', () => {
    ended = true;
    poke();
  });
  // the pipe may have closed before we listened (a program that failed at once): 'end' then never
  // comes, 'close' does
  let closed = stdout.destroyed || stdout.readableEnded;
  stdout.on('close', () => {
    closed = true;
    poke();
  });
  stdout.on('error', (e) => {
    failed = e;
    ended = true;
    poke();
  });
  const timer = setInterval(poke, tickMs);
  try {
    for (;;) {
      const b = queue.shift();
      if (b) {
        queued -= b.length;
        if (stdout.isPaused() && queued < HIGH_WATER / 2) stdout.resume();
        yield b;
        continue;
      }
      if (ended || (closed && stdout.readableLength === 0)) break;
      await new Promise<void>((r) => (wake = r));
      if (queue.length === 0 && !ended) yield TICK;
    }
    if (failed) throw new UserError(`capture: reading the capture program's output failed: ${failed.message}`);
  } finally {
    clearInterval(timer);
  }
}

export function liveFlowSource(capture: RunningCapture, o: LiveFlowOptions): FlowSource {
  // the summary -o writes says what became of the packets, as analyze's of a capture file does
  let accounting: CaptureAccounting | undefined;
  // and its warnings (link types, skipped packets, evictions, kernel drops), said and kept for it too
  const notes = new ReaderNotes();
  const warn = (m: string): void => {
    notes.add(m);
    o.warn(m);
  };
  return {
    inputs: [o.display],
    batches: () => liveBatches(capture, { ...o, warn }, (a) => (accounting = a)),
    captureAccounting: () => accounting,
    readerNotes: () => notes.get(),
  };
}

async function* liveBatches(capture: RunningCapture, o: LiveFlowOptions, keep: (a: CaptureAccounting) => void): AsyncGenerator<FlowTable> {
  const batchRows = o.batchRows ?? 65536;
  const batchMs = (o.batchSeconds ?? 5) * 1000;
  const batch = new CaptureFlowBatch([o.display], Math.min(batchRows, 4096));
  const ready: FlowTable[] = [];
  const meter = new FlowMeter((m, slot) => {
    batch.add(m, slot, 0);
    if (batch.rows >= batchRows) ready.push(batch.flush());
  }, o);
  meter.onFirstEviction = () =>
    o.warn(`the flow table is full (${thousands(meter.maxFlows)} flows): evicting the least recently seen flows; raise --max-flows if this is not a flood`);
  const sum: LiveCaptureSummary = {
    ...emptyPacketCounts(),
    flows: 0, batches: 0, linkTypes: [], stoppedBy: 'program exited', program: { name: capture.program, exitCode: null }, meter: meter.stats, rotatedFiles: [],
  };
  let stopReason: string | undefined;
  const stop = (why: string): void => {
    if (stopReason) return;
    stopReason = why;
    capture.stop();
  };
  const onAbort = (): void => stop(String(o.signal?.reason ?? 'a stop request'));
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const durationTimer = o.durationSeconds !== undefined ? setTimeout(() => stop('duration'), o.durationSeconds * 1000) : undefined;
  const rotation = o.rotation;
  const maxPackets = o.maxPackets ?? Infinity;
  const step = decodeToMeter(sum, meter, o.onPacket, o.onMalformed);
  const sink = (p: CapturePacket): void => {
    // packets the program flushed after a --count stop are not ours to count
    if (sum.packets >= maxPackets) return;
    rotation?.packet(p);
    step(p);
    if (sum.packets >= maxPackets) stop('count');
  };
  let lastHandOn = Date.now();
  let capSummary: CaptureSummary | undefined;
  let end: CaptureProgramEnd | undefined;
  try {
    const it = iterateCapture(liveChunks(capture.stdout, Math.min(1000, batchMs)), o.display, sink);
    for (;;) {
      let r: IteratorResult<void, CaptureSummary>;
      try {
        r = await it.next();
      } catch (e) {
        // a garbled stream is most often a program that died mid-record: say what the program said
        capture.stop();
        end = await capture.ended;
        await rotation?.abort();
        if (end.failure) throw end.failure;
        throw e;
      }
      if (rotation) await rotation.drain();
      const now = Date.now();
      if (now - lastHandOn >= batchMs) {
        // wall-clock µs: the same clock the program stamps packets with
        meter.expire(now * 1000);
        if (batch.rows > 0) ready.push(batch.flush());
        else if (o.ticks && ready.length === 0) {
          // (not counted as a batch: it holds no flow)
          yield batch.flush();
        }
        lastHandOn = now;
      }
      while (ready.length > 0) {
        sum.batches++;
        yield ready.shift() as FlowTable;
      }
      if (r.done) {
        capSummary = r.value;
        break;
      }
    }
    end = await capture.ended;
  } finally {
    // thrown at, or abandoned by the pipeline (a sink failed): the program must not outlive us
    if (!end) {
      capture.stop();
      await rotation?.abort();
    }
    if (durationTimer) clearTimeout(durationTimer);
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (end.failure) {
    if (sum.packets === 0 && !stopReason) {
      await rotation?.abort();
      throw end.failure;
    }
    o.warn(`${end.failure.message}; the ${thousands(sum.packets)} ${plural(sum.packets, 'packet')} captured before it stopped are analysed`);
  }
  await rotation?.close();
  meter.flush();
  sum.flows = meter.stats.flowsFinished;
  sum.stoppedBy = stopReason ?? 'program exited';
  sum.program = { ...end.counts, name: capture.program, exitCode: end.code };
  sum.linkTypes = capSummary ? capSummary.linkTypes.map((l) => LINKTYPE_NAMES[l] ?? `link type ${l}`) : [];
  sum.rotatedFiles = rotation ? [...rotation.files] : [];
  if (capSummary && capSummary.linkTypes.some((l) => !(l in LINKTYPE_NAMES))) {
    o.warn(`${o.display}: link type ${capSummary.linkTypes.join(', ')} is not supported (${SUPPORTED_LINKS}); its packets were counted and skipped`);
  }
  for (const m of packetCountWarnings(sum, meter.stats)) o.warn(m);
  if (meter.stats.evictions > 0) o.warn(`evicted ${thousands(meter.stats.evictions)} ${plural(meter.stats.evictions, 'flow')} because the flow table was full (--max-flows ${thousands(meter.maxFlows)})`);
  if (end.counts.droppedByKernel) o.warn(`${capture.program}: the kernel dropped ${thousands(end.counts.droppedByKernel)} ${plural(end.counts.droppedByKernel, 'packet')} (analysis fell behind the link); they are in no flow`);
  o.onSummary?.(sum);
  keep(captureAccounting(sum, meter.stats, { flows: sum.flows, maxFlows: meter.maxFlows, garbledBlocks: capSummary?.garbledBlocks ?? 0 }));
  // the pipeline needs one batch even when nothing was captured (its columns make the empty result)
  if (batch.rows > 0 || sum.batches === 0) ready.push(batch.flush());
  while (ready.length > 0) {
    sum.batches++;
    yield ready.shift() as FlowTable;
  }
}
