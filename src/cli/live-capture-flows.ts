/**
 * A live capture as the long-running verbs read it (`stream --interface`, `publish --interface`):
 * the capture program started (its failure to start said at once, as a UserError naming what is
 * missing), its pcap through the one decoder and flow meter (packets/live-flow-source.ts), and the
 * packet detectors watching every packet. The verb gets the flows as they finish (every
 * `--batch-seconds`, with an empty batch in an interval where none did, so it can ask the
 * detectors what opened on a link of ARP alone) and the detectors' findings.
 */
import { liveFlowSource, type LiveCaptureSummary } from '../packets/live-flow-source.js';
import { chooseProgram, startCapture, type CaptureProgramName, type LiveCaptureRequest, type RunningCapture } from '../packets/live-capture-program.js';
import { packetDetectors, packetFindingsOf, type PacketDetectors, type PacketFindings } from '../packets/packet-evidence.js';
import type { RulesConfigInput } from '../detect/rules-config.js';
import type { FlowSource } from '../analysis/flow-source.js';
import { captureOptionsFrom } from './capture-options.js';
import { UserError } from '../util/errors.js';

export interface LiveCaptureFlows {
  readonly program: RunningCapture;
  readonly source: FlowSource;
  readonly packets: PacketFindings;
}

export interface LiveCaptureFlowsOptions {
  /** the verb, for messages ("stream", "publish") */
  readonly verb: string;
  /** what the verb does with the flows, said once capturing started */
  readonly doing: string;
  readonly rules: RulesConfigInput | undefined;
  /** ends the capture cleanly (SIGTERM): the open flows are finished and handed on */
  readonly signal: AbortSignal;
  readonly note: (line: string) => void;
  readonly onSummary?: (s: LiveCaptureSummary) => void;
}

/** `--interface IF` with its `--filter`, `--capture-program`, `--batch-seconds`, `--batch-rows`, `--duration`, `--count` and meter options in `v`. */
export async function liveCaptureFlows(ifName: string, v: Record<string, unknown>, o: LiveCaptureFlowsOptions): Promise<LiveCaptureFlows> {
  const req = captureRequest(ifName, v, o.verb);
  const program = ofVerb(o.verb, () => startCapture(req, (line) => o.note(/^(tcpdump|dumpcap)\b/.test(line) ? line : `netsentinel: ${o.verb}: capture: ${line}`)));
  // (a program that fails before capturing rejects `started` with what the user can fix)
  const first = await Promise.race([program.started, program.ended]).catch((e: unknown) => {
    program.stop();
    throw underVerb(o.verb, e);
  });
  if (typeof first !== 'string') {
    program.stop();
    if (first.failure) throw underVerb(o.verb, first.failure);
    throw new UserError(`${o.verb}: ${program.program} ended before capturing (exit ${first.code ?? first.signal})`);
  }
  o.note(`netsentinel: ${o.verb}: ${first} (${program.program}); ${o.doing}, until SIGTERM`);
  const detectors = watchingPackets(o.rules);
  const source = liveFlowSource(program, {
    ...captureOptionsFrom(v),
    onSummary: o.onSummary,
    display: `${ifName} (${program.program})`,
    batchSeconds: v.batchSeconds as number,
    batchRows: v.batchRows as number,
    durationSeconds: v.duration as number | undefined,
    maxPackets: v.count as number | undefined,
    signal: o.signal,
    ...detectors.hooks,
    // an empty batch each interval no flow finished in: the verb asks the detectors then too
    ticks: true,
    warn,
    note: o.note,
  });
  return { program, source, packets: detectors.packets };
}

/**
 * The capture asked for by `--interface`, `--filter` and `--capture-program`, its program chosen:
 * one missing is said at once (before a verb connects anywhere), under the verb's name.
 */
export function captureRequest(ifName: string, v: Record<string, unknown>, verb: string): LiveCaptureRequest {
  const req: LiveCaptureRequest = { interface: ifName, filter: v.filter as string | undefined, userFilter: v.userFilter as string | undefined, program: v.captureProgram as CaptureProgramName | undefined };
  ofVerb(verb, () => chooseProgram(req));
  return req;
}

/**
 * `f`'s result, or its UserError said under `verb` (the capture program's failures read "capture:
 * no interface named ...", as the capture verb says them).
 */
function ofVerb<T>(verb: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw underVerb(verb, e);
  }
}

function underVerb(verb: string, e: unknown): unknown {
  return e instanceof UserError && e.message.startsWith('capture: ') ? new UserError(`${verb}: ${e.message.slice('capture: '.length)}`, e.exitCode) : e;
}

/**
 * The packet detectors of a long-running reader of packets (a live capture, a capture piped in):
 * they see every packet, as capture's and analyze's do, with the rules' settings; the reader asks
 * what opened after each batch, and what is left at the end.
 */
export function watchingPackets(rules: RulesConfigInput | undefined): { hooks: PacketDetectors['hooks']; packets: PacketFindings } {
  const detectors = packetDetectors(rules ?? {}, { live: true, warn });
  return { hooks: detectors.hooks, packets: packetFindingsOf(detectors) };
}

const warn = (m: string): void => void process.stderr.write(`netsentinel: warning: ${m}\n`);
