/**
 * The capture program behind `netsentinel capture`: tcpdump (or Wireshark's dumpcap when tcpdump is
 * absent) started on a pipe, writing pcap to its standard output, which the ordinary capture reader
 * reads. No native addon: libpcap and the privilege to open a raw socket stay with the program that
 * is made for them, and an unprivileged netsentinel never links against it.
 *
 * The program's stderr is read line by line: its "listening on" line means the capture has started
 * (said once on our stderr); the failures a user can fix (no such interface, no permission, a filter
 * it cannot parse, an interface that is down) become one line saying exactly what is missing; the
 * closing counts (packets dropped by the kernel) are kept for the summary; anything else it says is
 * relayed as it comes, never swallowed.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { findProgram } from '../util/find-program.js';
import type { Readable } from 'node:stream';
import { UserError } from '../util/errors.js';

export type CaptureProgramName = 'tcpdump' | 'dumpcap';

/** The Debian package each program comes in, for the "not found" line. */
const PACKAGES: Readonly<Record<CaptureProgramName, string>> = { tcpdump: 'tcpdump', dumpcap: 'wireshark-common' };

export interface LiveCaptureRequest {
  readonly interface: string;
  /** a BPF expression, passed to the program as one argument */
  readonly filter?: string;
  /** the user's own filter where `filter` adds the verb's exclusions to it (own-connections.ts): what an error names */
  readonly userFilter?: string;
  /** which program; default tcpdump, else dumpcap */
  readonly program?: CaptureProgramName;
  /** where to look for the programs (default: $PATH) */
  readonly path?: string;
}

/** The program's own counts, from its closing lines (undefined when it did not say). */
export interface CaptureProgramCounts {
  captured?: number;
  received?: number;
  droppedByKernel?: number;
}

export interface CaptureProgramEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** set when the program failed: what the user must fix, in one line */
  readonly failure?: UserError;
  readonly counts: CaptureProgramCounts;
}

export interface RunningCapture {
  readonly program: CaptureProgramName;
  readonly executable: string;
  readonly args: readonly string[];
  /** pcap bytes */
  readonly stdout: Readable;
  /** the program's "listening"/"capturing" line, once it started capturing */
  readonly started: Promise<string>;
  readonly ended: Promise<CaptureProgramEnd>;
  /** ask the program to stop (SIGTERM; it flushes and prints its counts); SIGKILL after a grace period */
  stop(): void;
}

/** Which program to run and where it is; a UserError naming the package when it is not installed. */
export function chooseProgram(req: LiveCaptureRequest): { name: CaptureProgramName; executable: string } {
  const candidates: CaptureProgramName[] = req.program ? [req.program] : ['tcpdump', 'dumpcap'];
  for (const name of candidates) {
    const executable = findProgram(name, req.path);
    if (executable) return { name, executable };
  }
  if (req.program) throw new UserError(`capture: ${req.program} not found (Debian package ${PACKAGES[req.program]})`);
  throw new UserError(`capture: tcpdump not found (Debian package tcpdump; dumpcap from ${PACKAGES.dumpcap} would do too)`);
}

/** The program's arguments: pcap on stdout, packet-buffered, no name resolution. */
export function captureArgs(name: CaptureProgramName, req: LiveCaptureRequest): string[] {
  if (name === 'tcpdump') return ['-U', '-n', '-w', '-', '-i', req.interface, ...(req.filter ? [req.filter] : [])];
  // -P: classic pcap (the reader takes pcapng too, but one format keeps the two programs alike)
  return ['-P', '-w', '-', '-i', req.interface, ...(req.filter ? ['-f', req.filter] : [])];
}

/**
 * What a failed program's stderr means for the user, in one line. Matched on the wording of
 * tcpdump 4.99 / libpcap 1.10 and dumpcap 4.0; anything else is quoted as the program said it.
 */
export function explainFailure(name: CaptureProgramName, executable: string, req: LiveCaptureRequest, stderrLines: readonly string[], code: number | null): UserError {
  const text = stderrLines.join('\n');
  const ifName = req.interface;
  if (/no such device|there is no device named|no device named|doesn't exist/i.test(text)) {
    return new UserError(`capture: no interface named "${ifName}" (${name}: ${firstMeaningful(stderrLines)}); 'ip link' lists the interfaces`);
  }
  if (/permission|operation not permitted/i.test(text)) {
    return new UserError(`capture: no permission to capture on ${ifName}: run as root or give ${name} CAP_NET_RAW (setcap cap_net_raw,cap_net_admin=eip ${executable})`);
  }
  if (/syntax error|can't parse filter|invalid capture filter|illegal token|parse error/i.test(text)) {
    return new UserError(`capture: ${name} rejected the filter "${req.userFilter ?? req.filter ?? ''}": ${filterMessage(stderrLines)}`);
  }
  if (/is not up|network is down/i.test(text)) {
    return new UserError(`capture: interface ${ifName} is down ('ip link set ${ifName} up')`);
  }
  const said = firstMeaningful(stderrLines);
  return new UserError(`capture: ${name} failed (${code === null ? 'killed' : `exit ${code}`})${said ? `: ${said}` : ' without saying why'}`);
}

function firstMeaningful(lines: readonly string[]): string {
  for (const l of lines) {
    const t = l.replace(/^(tcpdump|dumpcap):\s*/, '').trim();
    if (t && !/^capturing on /i.test(t) && !/^listening on /i.test(t)) return t;
  }
  return '';
}

function filterMessage(lines: readonly string[]): string {
  const l = lines.find((x) => /syntax error|can't parse|illegal|parse error/i.test(x) && !/^that string/i.test(x)) ?? firstMeaningful(lines);
  return l.replace(/^(tcpdump|dumpcap):\s*/, '').trim();
}

/** Take the program's closing counts from one stderr line (both programs' wordings). */
function readCounts(raw: string, c: CaptureProgramCounts): boolean {
  const line = raw.trim();
  let m = /^(\d+) packets? captured$/.exec(line);
  if (m) return (c.captured = Number(m[1])), true;
  m = /^(\d+) packets? received by filter$/.exec(line);
  if (m) return (c.received = Number(m[1])), true;
  m = /^(\d+) packets? dropped by kernel$/.exec(line);
  if (m) return (c.droppedByKernel = Number(m[1])), true;
  m = /^Packets captured: (\d+)$/.exec(line);
  if (m) return (c.captured = Number(m[1])), true;
  m = /^Packets received\/dropped on interface .*: (\d+)\/(\d+)/.exec(line);
  if (m) return (c.received = Number(m[1])), (c.droppedByKernel = Number(m[2])), true;
  // dumpcap's running count
  return /^Packets: \d+$/.test(line);
}

/** Lines the programs print on every run that say nothing the user needs (their help text, banners). */
const QUIET_LINES = /^(Running as user "root" and group "root"|tcpdump: verbose output suppressed|$)/;

/**
 * Start the program. `relay` gets every stderr line that is neither the start line, a closing count
 * nor part of a failure explained at the end.
 */
export function startCapture(req: LiveCaptureRequest, relay: (line: string) => void): RunningCapture {
  const { name, executable } = chooseProgram(req);
  const args = captureArgs(name, req);
  let child: ChildProcessByStdio<null, Readable, Readable>;
  try {
    child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new UserError(`capture: cannot start ${executable}: ${(e as Error).message}`);
  }
  const counts: CaptureProgramCounts = {};
  const stderrLines: string[] = [];
  let isStarted = false;
  let capturingOn: string | undefined;
  /** what it said before it started ("data link type LINUX_SLL2", warnings): relayed once it runs */
  const held: string[] = [];
  let resolveStarted!: (line: string) => void;
  let rejectStarted!: (e: Error) => void;
  const started = new Promise<string>((res, rej) => {
    resolveStarted = res;
    rejectStarted = rej;
  });
  // nobody has to wait for it (a failure is also reported through `ended`)
  started.catch(() => undefined);
  let spawnError: Error | undefined;
  child.on('error', (e) => {
    spawnError = e;
  });
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    partial += s;
    let i: number;
    // dumpcap rewrites a "Packets: N" progress line with carriage returns: each CR ends a line too
    while ((i = partial.search(/[\r\n]/)) >= 0) {
      const line = partial.slice(0, i);
      partial = partial.slice(i + 1);
      if (line.trim()) onLine(line);
    }
  });
  const onLine = (line: string): void => {
    stderrLines.push(line);
    if (stderrLines.length > 200) stderrLines.shift();
    // tcpdump says "listening on" once the device is open; dumpcap says "Capturing on" BEFORE it
    // opens the device (its failures follow that line) and "File: -" once it writes
    if (!isStarted && /^listening on /.test(line.replace(/^tcpdump:\s*/, ''))) {
      isStarted = true;
      resolveStarted(line.replace(/^tcpdump:\s*/, ''));
      for (const h of held.splice(0)) relay(h);
      return;
    }
    if (/^Capturing on /.test(line)) {
      capturingOn = line;
      return;
    }
    if (!isStarted && /^File: /.test(line) && capturingOn) {
      isStarted = true;
      resolveStarted(capturingOn);
      for (const h of held.splice(0)) relay(h);
      return;
    }
    if (readCounts(line, counts) || QUIET_LINES.test(line)) return;
    // a failure's lines are explained once at the end; until the program runs, hold them back
    if (isStarted) relay(line);
    else held.push(line);
  };
  let killTimer: NodeJS.Timeout | undefined;
  const ended = new Promise<CaptureProgramEnd>((resolve) => {
    child.on('close', (code, signal) => {
      if (partial) onLine(partial);
      if (killTimer) clearTimeout(killTimer);
      let failure: UserError | undefined;
      if (spawnError) {
        const errno = (spawnError as NodeJS.ErrnoException).code;
        failure =
          errno === 'ENOENT'
            ? new UserError(`capture: ${name} not found (Debian package ${PACKAGES[name]})`)
            : new UserError(`capture: cannot start ${executable}: ${errno === 'EACCES' ? 'not executable (permission denied)' : spawnError.message}`);
      } else if (!stopping && (code !== 0 || !isStarted)) {
        failure = explainFailure(name, executable, req, stderrLines, code);
      } else if (stopping && !isStarted && code !== 0 && signal === null) {
        failure = explainFailure(name, executable, req, stderrLines, code);
      }
      if (!isStarted) rejectStarted(failure ?? new UserError(`capture: ${name} stopped before it started capturing`));
      resolve({ code, signal, failure, counts });
    });
  });
  let stopping = false;
  return {
    program: name,
    executable,
    args,
    stdout: child.stdout,
    started,
    ended,
    stop() {
      if (stopping || child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      // a program stuck in the kernel (a dead NFS mount for -w is not ours, but a wedged driver is) gets 5 s
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
      killTimer.unref();
    },
  };
}
