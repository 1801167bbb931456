/**
 * `stream --stdin`, `stream --follow FILE` (follow-file.ts gives the followed file as the input) and
 * `stream --interface IF` (a live capture's flow batches, live-flow-source.ts): the same scoring as the JetStream worker (createBatchScorer) over flows piped
 * in, JSON lines (first byte `{`) or any CSV the dataset readers know. Alerts are stored and
 * printed as EVE JSON lines on stdout as each batch is scored; at end of input the open rule
 * episodes are closed. No acknowledgements: the pipe is the unit of delivery.
 *
 * Text is read line by line (liveBatches: a partial batch after an idle pause), each batch keeping
 * its rows' input name and line; a bad line is said, counted as rejected and left out, the rest
 * scored (one line cannot stop a worker fed by tail -F, nor, restarted, stop it again at the same
 * line of a followed file). A capture piped in is read whole by the dataset readers.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { streamDataset, type ReadOptions } from '../sources/read-dataset.js';
import { createReader, detectFormat, formatName, type FormatName } from '../sources/detect-format.js';
import { UserError } from '../util/errors.js';
import type { FlowTable } from '../flows/table.js';
import { storedAlert, type Alert } from '../analysis/alerts.js';
import type { AlertStore } from '../store/alert-store.js';
import type { Finding } from '../detect/finding.js';
import { decodeFlows } from './flow-codec.js';
import { canonicalAddresses, type AddressTally } from '../sources/address-text.js';
import { newReadTally, readTallyNotes, restoreTally, tallyState } from '../sources/read-tally.js';
import { createBatchScorer, type ScoringSetup } from './batch-scorer.js';
import type { WorkerStats } from './stream-worker.js';
import type { StreamAdapter } from '../adapt/stream-adaptation.js';
import type { WorkerMetrics } from './worker-metrics.js';
import type { LinePlace } from './follow-file.js';
import type { PacketFindings } from '../packets/packet-evidence.js';

export interface StdinOptions extends ScoringSetup {
  /** flows as bytes (stdin, a followed file) ... */
  readonly input?: Readable;
  /** ... or as batches already metered (a live capture: live-flow-source.ts) */
  readonly batches?: AsyncIterable<FlowTable>;
  readonly read: ReadOptions;
  readonly batchRows: number;
  readonly store?: AlertStore;
  readonly emit: (a: Alert) => void;
  /** where the flows come from, for the store's run record and the respond origin ("stdin", a path) */
  readonly inputName?: string;
  /** after a batch's alerts are stored (the respond policy): origin "NAME:firstLine" */
  readonly afterCommit?: (origin: string, alerts: readonly Alert[], findings: readonly Finding[]) => Promise<void>;
  /**
   * a followed file (follow-file.ts): the file and line a line of `input` was read from (its rows
   * and errors are named by them: after a rotation, the new file and its own line); default: the
   * input's name and the line's number in `input`
   */
  readonly where?: (line: number) => LinePlace;
  /**
   * a live input (a followed file): batches are cut by lines, and a partial batch is scored once
   * the input is idle this long, instead of waiting for batchRows rows or the end of the input
   */
  readonly idleFlushMs?: number;
  /**
   * drift detection, retraining and model swaps (src/adapt/), as in the JetStream worker: a swap
   * falls between two batches, the alerts carry the version that scored them, and a batch is
   * observed after its alerts are committed; closed (a retrain under way waited for) at the end
   */
  readonly adapt?: StreamAdapter;
  /**
   * --metrics-port (input-metrics.ts): batches, flows, alerts, findings and suppressed flow alerts
   * counted as they are committed; ready while the input is being read
   */
  readonly metrics?: WorkerMetrics;
  /**
   * a line that cannot be read (not JSON, a CSV row of the wrong shape) or a flow the model cannot
   * score (text in a numeric column) is told here (its input, line and problem), counted as
   * rejected and left out; the rest of its batch and of the input is scored
   */
  readonly reject?: (problem: string) => void;
  /**
   * SIGTERM: stop reading standard input (text) there, score what was read and close the open
   * episodes, as at its end (a pipe from `tail -F` never ends by itself)
   */
  readonly signal?: AbortSignal;
  /**
   * what the readers did to the input, said once when first met and once more at the end with the
   * total when more came (default: stderr): IPv4 addresses written with leading zeros read as
   * decimal (sources/address-text.ts), a 12-hour clock without AM/PM read as afternoon past its
   * turn (sources/twelve-hour-clock.ts)
   */
  readonly readerNote?: (note: string) => void;
  /**
   * a live capture's packet detectors (packet-evidence.ts: ARP and DHCP spoofing, the SYN watch,
   * TTL jumps, fragments, Wi-Fi): what they found since they were last asked is raised after each
   * batch (the capture hands on an empty one every batch interval, so ARP alone is told too), as
   * alerts stored, printed and given to the respond policy like the rules'; at the end, what they
   * found that was not raised before
   */
  readonly packetFindings?: PacketFindings;
}

export async function runStdinWorker(o: StdinOptions): Promise<WorkerStats> {
  const t0 = performance.now();
  const stats: WorkerStats = { messages: 0, flows: 0, redelivered: 0, rejected: 0, alerts: 0, flowAlerts: 0, flowAlertsSuppressed: 0, findings: 0, stored: 0, duplicates: 0, rebuiltMessages: 0, rebuiltFlows: 0, seconds: 0 };
  const rejected = (problem: string): void => {
    stats.rejected++;
    if (o.metrics) o.metrics.rejected++;
    (o.reject ?? ((p: string) => process.stderr.write(`netsentinel: ${p}\n`)))(`${problem}; left out, the rest goes on`);
  };
  const scorer = createBatchScorer({ ...o, onUnscorable: rejected });
  const at = new Date().toISOString();
  const input = o.inputName ?? 'stdin';
  const runId = o.store ? await o.store.saveRun({ startedAt: at, finishedAt: at, inputs: [input], flows: 0, alerts: 0, summary: { state: 'running' } }) : 0;
  let batchNo = 0;
  const commit = async (alerts: Alert[], findings: readonly Finding[]): Promise<void> => {
    if (o.store && alerts.length) {
      const r = await o.store.saveAlerts(runId, alerts.map(storedAlert));
      stats.stored += r.inserted;
      stats.duplicates += r.duplicates;
    }
    if (o.afterCommit && (alerts.length || findings.length)) await o.afterCommit(`${input}@${at}#${batchNo}`, alerts, findings);
    for (const a of alerts) o.emit(a);
    stats.alerts += alerts.length;
    if (o.metrics) {
      for (const a of alerts) o.metrics.alert(a.input.severity);
      o.metrics.findings += findings.length;
    }
  };
  // one tally over the whole input (its batches are read one by one), said once, not per batch
  const tally = newReadTally();
  /** each note's count when last said */
  const said = new Map<string, number>();
  /** `first`: only what was not said yet (after a batch); else (the end) the totals that grew since */
  const sayTally = (first = false): void => {
    for (const n of readTallyNotes(tally, input)) {
      if (first ? said.has(n.key) : said.get(n.key) === n.count) continue;
      said.set(n.key, n.count);
      (o.readerNote ?? ((m: string) => process.stderr.write(`netsentinel: ${m}\n`)))(n.note);
    }
  };
  const read: ReadOptions = { ...o.read, tally };
  const batches = o.batches ?? (o.idleFlushMs ? liveBatches(o.input!, read, o.batchRows, o.idleFlushMs, input, rejected, undefined, o.where) : batchesOf(o.input!, read, o.batchRows, STDIN_IDLE_FLUSH_MS, rejected, o.signal));
  if (o.metrics) o.metrics.ready = true;
  /** the packet detectors' findings since they were last asked, raised (a live capture's) */
  const packetFindings = async (): Promise<void> => {
    const fresh = o.packetFindings?.opened() ?? [];
    if (!fresh.length) return;
    batchNo++;
    const r = scorer.addFindings(fresh, Date.now());
    await commit(o.adapt ? o.adapt.stamp(r.alerts) : r.alerts, r.findings);
    stats.findings += r.findings.length;
  };
  for await (const batch of batches) {
    // a live capture's tick (no flow finished in the interval): only the packet detectors to ask
    if (batch.rowCount === 0 && o.packetFindings) {
      await packetFindings();
      continue;
    }
    batchNo++;
    sayTally(true);
    const swapped = o.adapt?.takeSwap();
    if (swapped) scorer.swapModels({ baseline: swapped, classifier: o.classifier });
    const { alerts, findings, risk, suppressed, scored } = scorer.scoreBatch(batch, Date.now());
    await commit(o.adapt ? o.adapt.stamp(alerts) : alerts, findings);
    await o.adapt?.observe(scored, risk, findings, `${input}@${at}#${batchNo}`);
    stats.findings += findings.length;
    stats.messages++;
    stats.flows += scored.rowCount;
    for (const a of alerts) if (a.input.source === 'risk:flow') stats.flowAlerts++;
    stats.flowAlertsSuppressed += suppressed;
    if (o.metrics) {
      o.metrics.messages++;
      o.metrics.flows += scored.rowCount;
      o.metrics.flowAlertsSuppressed += suppressed;
    }
    await packetFindings();
  }
  // the input ended (or SIGTERM): what is left is closing the open episodes
  if (o.metrics) o.metrics.ready = false;
  sayTally();
  const last = scorer.finish(Date.now(), o.packetFindings ? await o.packetFindings.finish() : undefined);
  batchNo++;
  await commit(o.adapt ? o.adapt.stamp(last.alerts) : last.alerts, last.findings);
  stats.findings += last.findings.length;
  await o.adapt?.close();
  stats.seconds = (performance.now() - t0) / 1000;
  if (o.store) await o.store.saveRun({ startedAt: at, finishedAt: new Date().toISOString(), inputs: [input], flows: stats.flows, alerts: stats.alerts, summary: { state: 'finished', ...stats } });
  return stats;
}

/**
 * Standard input: JSON lines or CSV text go line by line like a followed file (liveBatches: a
 * partial batch is scored after `idleMs` without a new line, so `tail -F x.csv | … --stdin` scores
 * a trickle as it comes instead of when 1000 rows or the end of the pipe arrive); anything else
 * (a packet capture, a compressed file) is read whole by the dataset readers.
 */
async function* batchesOf(input: Readable, read: ReadOptions, batchRows: number, idleMs: number, reject: (problem: string) => void, signal?: AbortSignal): AsyncGenerator<FlowTable> {
  const first = await peek(input);
  if (!first) return;
  if (!looksLikeText(first.subarray(0, 64))) {
    yield* streamDataset(['-'], { ...read, batchRows, stdin: input });
    return;
  }
  yield* liveBatches(input, read, batchRows, idleMs, 'stdin', reject, signal);
}

/**
 * JSON lines read in --timezone's zone: their text times without an offset are read in it (flow-fields.ts
 * reads a table's text times in its `timeZone`), as a CSV's are by the dataset readers; before, the
 * flag was taken and JSON lines' times were read as UTC all the same
 */
function timeZoned(t: FlowTable, read: ReadOptions): FlowTable {
  return read.timezone !== undefined && t.timeZone === undefined && !t.exactTimes ? { ...t, timeZone: read.timezone } : t;
}

/** no control bytes but tab, CR and LF (a capture's or gzip's magic has some in its first bytes) */
function looksLikeText(b: Buffer): boolean {
  for (const c of b) if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return false;
  return true;
}

/** a partial batch on standard input is scored after this long without a new line */
export const STDIN_IDLE_FLUSH_MS = 2000;

/**
 * Batches of a live input: whole lines, cut at batchRows or when no line came for idleMs. A CSV's
 * header (its first line) is put before each batch's lines and the batch read by the dataset
 * readers, so every CSV they know works; the whole-stream reader (batchesOf) would wait for
 * its read-ahead to fill before the first batch.
 */
async function* liveBatches(
  input: Readable,
  read: ReadOptions,
  batchRows: number,
  idleMs: number,
  name: string,
  reject: (problem: string) => void,
  signal?: AbortSignal,
  where: (line: number) => LinePlace = (line) => ({ file: name, line }),
): AsyncGenerator<FlowTable> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  // stopped (SIGTERM): the lines read so far are the input; a followed file ends its stream itself
  const stop = (): void => {
    rl.close();
    input.pause();
  };
  if (signal?.aborted) stop();
  else signal?.addEventListener('abort', stop, { once: true });
  let json: boolean | undefined;
  /** a generic CSV's column types as its first batch was read: later batches are read with them (one line of `-` is not a text column) */
  let typed: { numeric: string[]; categorical: string[] } | undefined;
  /** a CSV batch's table → the addresses its read took through leading zeros (added to read.tally when it is yielded) */
  const tallies = new WeakMap<FlowTable, AddressTally>();
  /** the CSV's header line; undefined for a headerless format (NSL-KDD: its first line is a flow) */
  let header: string | undefined;
  /** a headerless CSV's format, found from its first line, so that every batch is read alike */
  let format: FormatName | undefined;
  let lines: string[] = [];
  let lineNo = 0;
  let firstLine = 1;
  const ready: { lines: string[]; firstLine: number }[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const cut = (): void => {
    if (lines.length) ready.push({ lines, firstLine });
    lines = [];
    firstLine = lineNo + 1;
    wake?.();
  };
  rl.on('line', (line) => {
    lineNo++;
    if (json === undefined) {
      if (!line.trim()) return;
      json = /^\s*\{/.test(line);
      if (!json) {
        const comma = line.split(',');
        const tab = line.split('\t');
        const fields = tab.length > comma.length ? tab : comma;
        const found = read.format ? formatName(read.format) : detectFormat([fields]);
        if (createReader(found, read).hasHeader(fields)) {
          header = line;
          firstLine = lineNo + 1;
          return;
        }
        // headerless: every batch is read as this format (a batch's first line is a flow, not a header to detect by)
        format = found;
      }
    }
    if (!lines.length) firstLine = lineNo;
    lines.push(line);
    clearTimeout(timer);
    if (lines.length >= batchRows) cut();
    else timer = setTimeout(cut, idleMs);
  });
  rl.on('close', () => {
    clearTimeout(timer);
    ended = true;
    cut();
  });
  for (;;) {
    const next = ready.shift();
    if (next) {
      if (!next.lines.some((l) => l.trim())) continue;
      if (json) {
        let t: FlowTable;
        try {
          t = decodeFlows(next.lines.join('\n'), name, undefined, next.firstLine);
        } catch (e) {
          // (an error other than a line's, thrown again, is named by where it was read as well)
          if (!(e instanceof UserError)) throw e;
          // which lines: each alone; a bad one is told and blanked (its neighbours keep their line numbers)
          const lines = next.lines.map((l, i) => {
            try {
              decodeFlows(l, name, undefined, next.firstLine + i);
              return l;
            } catch (e1) {
              if (!(e1 instanceof UserError)) throw e1;
              // "NAME line N" (N counted in the input) said of the file and line it was read from
              reject(relined(e1.message, name, where));
              return '';
            }
          });
          if (!lines.some((l) => l.trim())) continue;
          t = decodeFlows(lines.join('\n'), name, undefined, next.firstLine);
        }
        // addresses as the dataset readers write them (a CSV batch's go through streamDataset)
        yield placed(canonicalAddresses(timeZoned(t, read), read.tally?.addresses), name, (line) => line, where);
      } else {
        // the batch is read as a CSV of its own (the header put back before its lines): its rows'
        // lines and the reader's errors are moved to the input's own name and line numbers
        // `lineOf(k)`: the input's line number of lines[k]
        const csv = async (lines: readonly string[], lineOf: (k: number) => number): Promise<FlowTable[]> => {
          const skip = header === undefined ? 1 : 2;
          const at = (line: number): number => lineOf(line - skip);
          const text = header === undefined ? `${lines.join('\n')}\n` : `${header}\n${lines.join('\n')}\n`;
          const out: FlowTable[] = [];
          // the addresses read through leading zeros of this read: counted only if its tables are the ones kept
          const tally: AddressTally = { cells: 0 };
          // the input's clocks and text-in-numbers counts go on across batches; a first place met in
          // this read has its line moved to the input's, as the rows' are
          const shared = read.tally ?? newReadTally();
          const unturned = [...shared.clocks.values()].filter((c) => !c.turn);
          const unmet = new Set([...shared.odd.values()].filter((c) => !c.first));
          const knownOdd = new Set(shared.odd.keys());
          try {
            const types = typed ? { numeric: typed.numeric, categorical: [...new Set([...(read.categorical ?? []), ...typed.categorical])] } : {};
            for await (const t of streamDataset(['-'], { ...read, ...types, tally: { ...shared, addresses: tally }, format: format ?? read.format, batchRows, stdin: Readable.from([text]) })) {
              if (!t.rowCount) continue;
              // a generic CSV's column types, as its first batch was read, for every batch after it
              if (!typed && t.format === 'csv') {
                const cols = t.columns.filter((c) => c.role !== 'label');
                typed = { numeric: cols.filter((c) => c.kind === 'numeric').map((c) => c.name), categorical: cols.filter((c) => c.kind === 'categorical').map((c) => c.name) };
              }
              out.push(placed(t, name, at, where, 'stdin'));
            }
          } catch (e) {
            throw replaced(e, at, where);
          } finally {
            // (also when the read failed on a later line: what it met first is named by the input's line)
            for (const c of unturned) {
              if (!c.turn) continue;
              const p = where(at(c.turn.line));
              c.turn = { ...c.turn, file: p.file, line: p.line };
            }
            for (const [column, c] of shared.odd) {
              if (!c.first || (knownOdd.has(column) && !unmet.has(c))) continue;
              const p = where(at(c.first.line));
              c.first = { ...c.first, file: p.file, line: p.line };
            }
          }
          if (tally.cells > 0 && out.length > 0) {
            const f = tally.first!;
            const p = f.file === 'stdin' ? where(at(f.line)) : { file: f.file, line: f.line };
            tallies.set(out[0], { cells: tally.cells, first: { ...f, file: p.file, line: p.line } });
          }
          return out;
        };
        let tables: FlowTable[];
        // the input's clocks and odd-cell counts before this batch: a read that fails, or a line read
        // alone to find the bad ones, is not counted beside the read whose tables are kept
        const shared = read.tally ?? newReadTally();
        const before = tallyState(shared);
        try {
          tables = await csv(next.lines, (k) => next.firstLine + k);
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          restoreTally(shared, before);
          // which lines: each alone; a bad one is told, the good ones read again together, as one
          // batch (read run by run between the bad ones, a batch with every other line bad was
          // scored as hundreds of one-flow batches)
          const good: string[] = [];
          const goodAt: number[] = [];
          const alone: FlowTable[] = [];
          for (let i = 0; i < next.lines.length; i++) {
            const l = next.lines[i]!;
            const t = await csv([l], () => next.firstLine + i).then(
              (ts) => ts,
              (e1: unknown) => {
                if (!(e1 instanceof UserError)) throw e1;
                reject(e1.message);
                return undefined;
              },
            );
            if (!t) continue;
            good.push(l);
            goodAt.push(next.firstLine + i);
            alone.push(...t);
          }
          // together they should read as each did alone; should they not, each goes alone
          const afterAlone = tallyState(shared);
          restoreTally(shared, before);
          tables = good.length ? await csv(good, (k) => goodAt[k]!).catch((e2: unknown) => {
            if (!(e2 instanceof UserError)) throw e2;
            restoreTally(shared, afterAlone);
            return alone;
          }) : [];
        }
        for (const t of tables) {
          const tally = tallies.get(t);
          if (tally && read.tally) {
            read.tally.addresses.cells += tally.cells;
            read.tally.addresses.first ??= tally.first;
          }
          yield t;
        }
      }
    } else if (ended) return;
    else await new Promise<void>((r) => (wake = r));
  }
}

/**
 * A batch's rows named by where they were read: those of `from` (the input's name, or "stdin" for a
 * batch read as a CSV of its own) at their line `at(line)` in the input, through `where` (a followed
 * file's rows: the file they were read from and their line in it, also across a rotation); rows
 * naming another file (JSON lines carrying their own "@file") are left as they are.
 */
function placed(t: FlowTable, name: string, at: (line: number) => number, where: (line: number) => LinePlace, from = name): FlowTable {
  if (!t.origin) return t;
  const o = t.origin;
  const files: string[] = [];
  const file = new Int32Array(t.rowCount);
  const line = new Float64Array(t.rowCount);
  for (let r = 0; r < t.rowCount; r++) {
    const f = o.files[o.file[r]];
    const p = f === from ? where(at(o.line[r])) : { file: f, line: o.line[r] };
    let i = files.indexOf(p.file);
    if (i < 0) i = files.push(p.file) - 1;
    file[r] = i;
    line[r] = p.line;
  }
  return { ...t, origin: { files, file, line } };
}

/** The reader's error about a batch read as a CSV of its own ("stdin line 3: …"), at the file and line it was read from. */
function replaced(e: unknown, at: (line: number) => number, where: (line: number) => LinePlace): unknown {
  if (!(e instanceof UserError)) return e;
  const m = /^stdin line (\d+)([\s\S]*)$/.exec(e.message);
  if (!m) return e;
  const p = where(at(Number(m[1])));
  return new UserError(`${p.file} line ${p.line}${m[2]}`, e.exitCode);
}

/** A problem said of "NAME line N" (N counted in the input), of the file and line it was read from. */
function relined(problem: string, name: string, where: (line: number) => LinePlace): string {
  if (!problem.startsWith(`${name} line `)) return problem;
  const m = /^ line (\d+)([\s\S]*)$/.exec(problem.slice(name.length));
  if (!m) return problem;
  const p = where(Number(m[1]));
  return `${p.file} line ${p.line}${m[2]}`;
}

/** The first bytes of a stream, put back so the reader after us sees them too. */
function peek(input: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const stop = (): void => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', onError);
    };
    const onReadable = (): void => {
      const b = input.read() as Buffer | null;
      if (b === null) return;
      input.unshift(b);
      stop();
      resolve(b);
    };
    const onEnd = (): void => {
      stop();
      resolve(undefined);
    };
    const onError = (e: Error): void => {
      stop();
      reject(e);
    };
    input.on('readable', onReadable);
    input.once('end', onEnd);
    input.once('error', onError);
  });
}
