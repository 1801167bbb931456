/**
 * The one entry point for reading flow datasets: files, folders, `*` patterns or `-` (stdin), plain
 * or gzip-compressed, in any of the formats this folder knows, as FlowTable batches of bounded size
 * (`streamDataset`) or as one table (`readDataset`).
 *
 * Every file is sniffed before any is read, so a folder that mixes datasets fails at once, naming
 * the odd file, instead of after an hour of reading. Files are then read one after the other as one
 * dataset; a batch never spans two files (its origin names one file).
 *
 * Not here: what the columns mean (the format readers), and what to do with NaN/Infinity (the
 * feature pipeline).
 */
import { parseTimeZone } from '../util/time-zone.js';
import { basename } from 'node:path';
import { concatTables, type FlowTable } from '../flows/table.js';
import { UserError } from '../util/errors.js';
import { ByteSource } from './byte-source.js';
import { leadingRecords, tokenizeCsv, type CsvBatch } from './csv-tokenizer.js';
import { FORMAT_TITLES, createReader, detectFormat, formatName, type FormatName } from './detect-format.js';
import { DELIMITER_NAMES, detectDelimiter } from './detect-delimiter.js';
import { inputLimits, quoteList, type InputLimits } from './input-limits.js';
import { hexStart, isModelFile, textNamedLikeCapture, JsonFlowsError, jsonKind, notTextReason, refuseBinary } from './refuse-binary.js';
import { resolveInputs, type InputFile } from './resolve-inputs.js';
import { TableAssembler } from './table-assembler.js';
import { applyPlanOptions, outputColumns, type TablePlan } from './table-plan.js';
import { captureKind } from '../packets/read-capture.js';
import { streamCaptureFlows, type CaptureFlowOptions } from '../packets/capture-flows.js';
import { looksLikeZeekConn, streamZeekConn, ZEEK_FORMAT, ZEEK_TITLE } from './zeek-conn-log.js';
import { plural } from '../util/plural.js';
import { LabelCaseMerger } from './label-case.js';
import { canonicalAddresses } from './address-text.js';
import { newReadTally, readTallyNotes, type ReadTally } from './read-tally.js';

export interface ReadOptions {
  /** force a format instead of detecting it: 'nsl-kdd', 'cicflowmeter', 'unsw-nb15', 'csv' */
  readonly format?: FormatName | string;
  /** the label column (generic CSV); for the known formats, which label column is the default target */
  readonly label?: string;
  /** see PlanOptions.labelLikeWarning */
  readonly labelLikeWarning?: boolean;
  /** columns to leave out */
  readonly drop?: readonly string[];
  /** columns to read as categories */
  readonly categorical?: readonly string[];
  /** most rows per batch of streamDataset (default 65536) */
  readonly batchRows?: number;
  /** raw bytes read so far and in all (0 when unknown: stdin) */
  readonly progress?: (bytesRead: number, bytesTotal: number) => void;
  /** skipped lines and similar notices (default: a line on stderr) */
  readonly warn?: (message: string) => void;
  /** told each file of a folder passed over and why, beside its warning (the verbs' --json lists them) */
  readonly skipped?: (file: string, reason: string) => void;
  /** what `-` reads (default process.stdin) */
  readonly stdin?: NodeJS.ReadableStream;
  /** packet captures among the inputs: flow meter settings, packet hook, summary */
  readonly capture?: CaptureFlowOptions;
  /** limits on columns and line length (defaults in input-limits.ts) */
  readonly limits?: Partial<InputLimits>;
  /**
   * Told the dataset's format once every file is sniffed, before any row is read: a format name,
   * 'capture' or 'zeek-conn'. May throw to stop the read (a reader thread hands captures back).
   */
  readonly onFormat?: (format: string) => void;
  /** the time zone of timestamps without a UTC offset (--timezone: IANA name or ±HH:MM); absent: UTC */
  readonly timezone?: string;
  /**
   * what the readers did to cells the user must hear of (read-tally.ts: addresses with leading
   * zeros, a 12-hour clock's afternoon, text in a column of numbers), kept across reads and said by
   * the caller (a stream reading batch after batch); absent, one per file, said at its end
   */
  readonly tally?: ReadTally;
}

export const DEFAULT_BATCH_ROWS = 65536;

/** Bytes sniffed at the start of each file to detect its format. */
const SNIFF_BYTES = 64 * 1024;
/** Records decoded to detect a format (detectFormat looks at the first; two for good measure). */
const SNIFF_RECORDS = 2;
/** Records decoded of a file found in a folder, to tell a table from text (a README.txt) by its field counts. */
const FOLDER_SNIFF_RECORDS = 8;
/**
 * Sniffed heads kept for the read, across all files (64 KiB each: 256 files); past it a file's
 * first bytes are read again when it is read. Measured (src/bench/sniff-reads.ts): before, sniffing
 * read a 1 MiB chunk and the stream's read-ahead, so a folder of CSV files of 1-2 MB was read twice.
 */
const HEAD_BUDGET = 16 * 1024 * 1024;

interface PreparedFile {
  readonly input: InputFile;
  /** kept open for stdin, pipes and FIFOs (they cannot be reopened); regular files are reopened */
  readonly source?: ByteSource;
  /** the field delimiter byte */
  readonly delimiter: number;
  /** a regular file's first bytes as sniffing read them: the reader starts with them, not reading them again */
  readonly head?: Uint8Array;
}

/** A whole dataset in memory. */
export async function readDataset(paths: readonly string[], opts: ReadOptions = {}): Promise<FlowTable> {
  const batches: FlowTable[] = [];
  for await (const t of streamDataset(paths, { ...opts, batchRows: opts.batchRows ?? 1 << 20 })) batches.push(t);
  return concatTables(batches);
}

/** A dataset as batches of at most `batchRows` rows; at least one batch (maybe of 0 rows). */
export async function* streamDataset(paths: readonly string[], opts: ReadOptions = {}): AsyncGenerator<FlowTable> {
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new UserError(`batchRows must be a positive integer, got ${batchRows}`);
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`netsentinel: warning: ${m}\n`));
  const limits = inputLimits(opts.limits);
  const skipped = (file: string, why: string): void => {
    warn(`skipped ${file}: ${why}`);
    opts.skipped?.(file, why);
  };
  const inputs = await resolveInputs(paths, { skipped });
  const total = inputs.some((i) => i.stream) ? 0 : inputs.reduce((s, i) => s + i.size, 0);
  const { format, files } = await sniffAll(inputs, opts, limits, warn, skipped);
  try {
    opts.onFormat?.(format);
  } catch (e) {
    for (const f of files) await f.source?.close();
    throw e;
  }
  if (format === CAPTURE) {
    // pcap / pcapng: metered into CICFlowMeter-layout flow batches (src/packets)
    yield* streamCaptureFlows(
      files.map((f) => ({ display: f.input.display, path: f.input.path, source: f.source, head: f.head })),
      { batchRows, warn, stdin: opts.stdin, progress: opts.progress ? (done) => opts.progress?.(done, total) : undefined, ...opts.capture },
    );
    return;
  }
  /** what was done to cells: the caller's tally, or one per file said at its end */
  const fileTally = (): ReadTally => opts.tally ?? newReadTally();
  const sayTally = (tally: ReadTally, file: string): void => {
    if (!opts.tally) for (const n of readTallyNotes(tally, file)) warn(n.note);
  };
  if (format === ZEEK_FORMAT) {
    for (const { input, source: kept, head } of files) {
      const source = kept ?? new ByteSource({ display: input.display, path: input.path, stream: opts.stdin, rawHead: head });
      const tally = fileTally();
      for await (const t of streamZeekConn(source, input.display, batchRows)) yield canonicalAddresses(t, tally.addresses);
      sayTally(tally, input.display);
    }
    return;
  }
  const reader = createReader(format, opts);
  const zone = opts.timezone !== undefined ? parseTimeZone(opts.timezone) : undefined;
  // "BENIGN" and "Benign" in a label column: one class (label-case.ts), said once at the end
  const labels = new LabelCaseMerger();

  let doneBytes = 0;
  let yielded = false;
  let first: { file: string; plan: TablePlan } | undefined;
  let last: TableAssembler | undefined;
  for (const { input, source: kept, delimiter, head } of files) {
    const source = kept ?? new ByteSource({ display: input.display, path: input.path, stream: opts.stdin, rawHead: head });
    let asm: TableAssembler | undefined;
    const tally = fileTally();
    const tokenizerOptions = { file: input.display, delimiter, maxFields: limits.maxColumns, maxRecordBytes: limits.maxLineBytes };
    for await (const batch of tokenizeCsv(source.chunks(), tokenizerOptions)) {
      let from = 0;
      if (!asm) {
        const head = batch.record(0);
        const header = reader.hasHeader(head) ? head : undefined;
        from = header ? 1 : 0;
        const fieldCount = header ? header.length : batch.fieldCount(0);
        const plan = applyPlanOptions(
          reader.planFile({ file: input.display, header, fieldCount, sample: batch, sampleFrom: from, sampleTo: Math.min(batch.count, from + batchRows) }),
          opts,
          input.display,
        );
        if (first) sameColumns(first, { file: input.display, plan });
        else first = { file: input.display, plan };
        asm = new TableAssembler(plan, input.display, expectedRows(batch, input.size, batchRows), zone, tally);
        last = asm;
      }
      while (from < batch.count) {
        const take = Math.min(batch.count - from, batchRows - asm.rows);
        asm.append(batch, from, from + take);
        from += take;
        if (asm.rows >= batchRows) {
          yield canonicalAddresses(labels.merge(asm.flush()), tally.addresses);
          yielded = true;
        }
      }
      opts.progress?.(doneBytes + source.bytesRead, total);
    }
    doneBytes += source.bytesRead;
    if (asm && asm.rows > 0) {
      yield canonicalAddresses(labels.merge(asm.flush()), tally.addresses);
      yielded = true;
    }
    sayTally(tally, input.display);
    if (asm && asm.skippedEmpty > 0) warn(`${input.display}: skipped ${asm.skippedEmpty.toLocaleString('en-US')} empty ${plural(asm.skippedEmpty, 'line')} (every field empty)`);
    if (asm && asm.skippedHeaders > 0) warn(`${input.display}: skipped ${asm.skippedHeaders.toLocaleString('en-US')} repeated header ${plural(asm.skippedHeaders, 'line')}`);
  }
  if (!yielded && last) yield canonicalAddresses(labels.merge(last.flush()));
  for (const w of labels.warnings()) warn(w);
}

/** Rows a file's first batch will hold, from the file size and the first records' length. */
function expectedRows(batch: CsvBatch, size: number, batchRows: number): number {
  const n = batch.count;
  if (size <= 0 || n < 2) return Math.min(batchRows, 65536);
  const perRecord = Math.max(1, (batch.offset[n - 1] - batch.offset[0]) / (n - 1));
  return Math.min(batchRows, Math.ceil((size / perRecord) * 1.02) + 16);
}

/** Packet captures are sniffed like the CSV formats, but read by src/packets. */
const CAPTURE = 'capture';
const CAPTURE_TITLE = 'a packet capture (pcap/pcapng)';
type SniffedFormat = FormatName | typeof CAPTURE | typeof ZEEK_FORMAT;
const title = (f: SniffedFormat): string => (f === CAPTURE ? CAPTURE_TITLE : f === ZEEK_FORMAT ? ZEEK_TITLE : FORMAT_TITLES[f]);

/** A file sniffed: what it looks like, before the dataset's format is settled. */
interface Sniffed extends PreparedFile {
  readonly detected: SniffedFormat;
}

/**
 * Detect (or check) the format of every file before reading any.
 *
 * A file found in a folder the user named (InputFile.folder) is passed over, with a warning, when
 * it holds no flows: empty, not text (and no capture), one value per line (a list of addresses),
 * text whose first lines have different field counts and sentences in them (a README.txt beside
 * generic CSV flows), or
 * a generic CSV beside files of a known flow format (a notes.txt in a CICFlowMeter folder). A
 * folder left with nothing is an error listing what was passed over. Files named by the user fail
 * as before: they asked for that file.
 */
async function sniffAll(
  inputs: readonly InputFile[],
  opts: ReadOptions,
  limits: InputLimits,
  warn: (message: string) => void,
  skipped: (file: string, why: string) => void,
): Promise<{ format: SniffedFormat; files: PreparedFile[] }> {
  const forced = opts.format !== undefined ? formatName(opts.format) : undefined;
  const sniffed: Sniffed[] = [];
  /** per folder the user named: the files passed over and why, and whether any file was kept */
  const folders = new Map<string, { skipped: { display: string; why: string }[]; kept: boolean }>();
  // said once every file is sniffed: as warnings, or as the error of a folder left with nothing
  const skip = (input: InputFile, why: string): void => {
    folders.get(input.folder as string)?.skipped.push({ display: input.display, why });
  };
  let headBytes = 0;
  try {
    for (const input of inputs) {
      if (input.folder !== undefined && !folders.has(input.folder)) folders.set(input.folder, { skipped: [], kept: false });
      const regular = input.path !== undefined && input.stream !== true;
      // a regular file: one read of the sniffed bytes (or the capture's first bytes read to order a
      // folder's captures), kept (within HEAD_BUDGET) for the read
      const source = new ByteSource({ display: input.display, path: input.path, stream: opts.stdin, ...(regular ? (input.head ? { rawHead: input.head } : { firstReadBytes: SNIFF_BYTES }) : {}) });
      const headOf = (): Uint8Array | undefined => {
        const h = regular ? source.rawHead : undefined;
        if (!h || headBytes + h.length > HEAD_BUDGET) return undefined;
        headBytes += h.length;
        return h;
      };
      let keep = false;
      try {
        let { bytes, complete } = await source.peek(SNIFF_BYTES);
        const inFolder = input.folder !== undefined;
        if (bytes.length === 0 && complete) {
          if (inFolder) {
            skip(input, 'the file is empty');
            continue;
          }
          throw new UserError(input.path === undefined || input.stream === true ? `${input.display}: no input arrived (the pipe closed before its first byte)` : `${input.display}: the file is empty`);
        }
        // stdin and pipes are kept open for reading once sniffed (they cannot be reopened); set just
        // before a file is taken, so a refusal below still closes them
        const stream = input.path === undefined || input.stream === true;
        // a capture (by its magic number, also inside gzip) or a Zeek conn.log is claimed before any CSV check
        const special = captureKind(bytes) !== undefined ? CAPTURE : looksLikeZeekConn(bytes) ? ZEEK_FORMAT : undefined;
        if (special) {
          if (forced) throw new UserError(`${input.display} is ${title(special)}, not ${FORMAT_TITLES[forced]}; leave out --format to read it`);
          keep = stream;
          sniffed.push({ input, source: keep ? source : undefined, delimiter: 44, detected: special, head: keep ? undefined : headOf() });
          continue;
        }
        // a text file named like a capture (another file renamed, a download that was an error
        // page): said as such, not read as a one-column CSV whose run then failed with "needs at
        // least 2 rows" far from the cause (binary under such a name is refused below, with the
        // formats we read)
        const why = forced === undefined ? textNamedLikeCapture(input.display, bytes) : undefined;
        if (why !== undefined) {
          if (inFolder) {
            skip(input, why);
            continue;
          }
          throw new UserError(`${input.display}: ${why}`);
        }
        // readers that claim an input by its first bytes (packet captures) go above this line;
        // whatever none of them claimed must be text
        if (inFolder && notTextReason(bytes) !== undefined) {
          skip(input, isModelFile(bytes, source.compression) ? 'a netsentinel model or baseline file' : `not text and not a packet capture: starts with bytes ${hexStart(bytes)}`);
          continue;
        }
        refuseBinary(input.display, bytes, source.compression);
        const json = forced === undefined ? jsonKind(bytes) : undefined;
        if (json) {
          if (inFolder) {
            skip(input, `${json}, not a table of flows`);
            continue;
          }
          throw new JsonFlowsError(input.display, json);
        }
        const want = inFolder ? FOLDER_SNIFF_RECORDS : SNIFF_RECORDS;
        // lines so long that the first read holds fewer than the records to look at: read on, as
        // far as a first chunk of the file (what sniffing read before it read 64 KiB)
        if (!complete && countNewlines(bytes) <= want) ({ bytes, complete } = await source.peek(1 << 20));
        const delimiter = forced === undefined || forced === 'csv' ? detectDelimiter(bytes) : 44;
        // the first read chunk can be the whole file (1 MiB): tokenise only the sniffed prefix, unless
        // no record ends inside it (a very long first line)
        const sniffOpts = { delimiter, maxFields: limits.maxColumns, maxRecordBytes: Math.max(limits.maxLineBytes, bytes.length) };
        const prefix = bytes.length > SNIFF_BYTES ? bytes.subarray(0, SNIFF_BYTES) : bytes;
        let records = leadingRecords(prefix, complete && prefix === bytes, input.display, sniffOpts, want);
        if (records.length === 0 && prefix !== bytes) records = leadingRecords(bytes, complete, input.display, sniffOpts, want);
        if (records.length === 0 && complete) {
          if (inFolder) {
            skip(input, 'the file is empty');
            continue;
          }
          throw new UserError(`${input.display}: the file is empty`);
        }
        const first = records.slice(0, SNIFF_RECORDS);
        // every flow format has columns; one value per line is a list (risky or blocked addresses)
        if (inFolder && first.length > 0 && first.every((r) => r.length === 1)) {
          skip(input, 'one value per line, not flow records');
          continue;
        }
        const detected = forced ?? detectFormat(first);
        // a table's lines have one field count; text with commas here and there (a README.txt beside
        // generic CSV flows) has several, and sentences in its fields. A table with a short line and
        // no sentences is a broken flow file: read, it fails naming the line, as before
        const ragged = inFolder && detected === 'csv' ? fieldCounts(records) : [];
        if (ragged.length > 1 && records.some((r) => r.some((f) => SENTENCE.test(f)))) {
          skip(input, `text, not a table of flows: its first lines have different field counts (${ragged.join(', ')}) and read as sentences`);
          continue;
        }
        if (delimiter !== 44) warn(`${input.display}: read as ${DELIMITER_NAMES[delimiter]}-separated (${JSON.stringify(String.fromCharCode(delimiter))}): its first line has no comma`);
        keep = stream;
        sniffed.push({ input, source: keep ? source : undefined, delimiter, detected, head: keep ? undefined : headOf() });
      } finally {
        if (!keep) await source.close();
      }
    }
    const files = settleFormat(sniffed, forced, skip);
    for (const f of files) if (f.input.folder !== undefined) folders.get(f.input.folder)!.kept = true;
    for (const [folder, { skipped, kept }] of folders) {
      if (!kept) throw new UserError(`${folder}: no flow files in this folder: ${skipped.map((f) => `${basename(f.display)} (${f.why})`).join(', ')}`);
    }
    for (const folder of folders.values()) for (const f of folder.skipped) skipped(f.display, f.why);
    return { format: files[0].detected, files };
  } catch (err) {
    for (const f of sniffed) await f.source?.close(); // stdin and pipes, kept open for reading
    throw err;
  }
}

function countNewlines(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** A field of four or more words: a sentence, not a column name or a flow's value. */
const SENTENCE = /\S+\s+\S+\s+\S+\s+\S/;

/** The distinct field counts of records, in first-seen order; lines whose every field is empty (skipped when read) left out. */
function fieldCounts(records: readonly (readonly string[])[]): number[] {
  const counts: number[] = [];
  for (const r of records) if (!r.every((f) => f === '') && !counts.includes(r.length)) counts.push(r.length);
  return counts;
}

/**
 * The dataset's one format, from its sniffed files: a generic CSV found in a folder beside files
 * of a known format is passed over; any other disagreement is an error naming both files.
 */
function settleFormat(sniffed: readonly Sniffed[], forced: FormatName | undefined, skip: (input: InputFile, why: string) => void): Sniffed[] {
  const known = forced === undefined ? sniffed.find((f) => f.detected !== 'csv') : undefined;
  const files: Sniffed[] = [];
  for (const f of sniffed) {
    if (known && f.detected === 'csv' && f.input.folder !== undefined) {
      // (files found in folders are regular files: no source was kept open for them)
      skip(f.input, `${FORMAT_TITLES.csv}, not ${title(known.detected)} like ${known.input.display}`);
      continue;
    }
    files.push(f);
  }
  const first = files[0];
  for (const f of files) {
    if (f.detected === first.detected) continue;
    const a = f.detected;
    const b = first.detected;
    if (a === CAPTURE || a === ZEEK_FORMAT || b === CAPTURE || b === ZEEK_FORMAT) {
      const what = a === CAPTURE || a === ZEEK_FORMAT ? title(a) : 'not ' + title(b);
      throw new UserError(`${f.input.display} is ${what} but ${first.input.display} is ${title(b)}; files read together must be one dataset (read them separately)`);
    }
    throw new UserError(
      `${f.input.display} looks like ${FORMAT_TITLES[a]} but ${first.input.display} is ${title(b)}; files read together must be one dataset (read them separately, or force one format with --format)`,
    );
  }
  return files;
}

/**
 * The inputs of a verb that reads packet captures only (`flows`): what resolveInputs gives, with
 * the files found in a folder that are no capture passed over (a warning each), the way
 * streamDataset passes over a folder's files that hold no flows. A folder with no capture is an
 * error naming what it holds.
 */
export async function resolveCaptures(paths: readonly string[], warn: (message: string) => void): Promise<InputFile[]> {
  const inputs = await resolveInputs(paths, { skipped: (file, why) => warn(`skipped ${file}: ${why}`) });
  const kept: InputFile[] = [];
  const folders = new Map<string, { skipped: string[]; kept: boolean }>();
  for (const input of inputs) {
    if (input.folder === undefined) {
      kept.push(input);
      continue;
    }
    const folder = folders.get(input.folder) ?? { skipped: [], kept: false };
    folders.set(input.folder, folder);
    const source = new ByteSource({ display: input.display, path: input.path });
    let bytes: Uint8Array;
    try {
      bytes = (await source.peek(8)).bytes;
    } finally {
      await source.close();
    }
    if (captureKind(bytes) !== undefined) {
      kept.push(input);
      folder.kept = true;
    } else folder.skipped.push(input.display);
  }
  for (const [name, { skipped, kept: any }] of folders) {
    if (!any) throw new UserError(`${name}: no packet captures in this folder (${skipped.map((f) => basename(f)).join(', ')}: no pcap/pcapng magic number)`);
  }
  for (const { skipped } of folders.values()) for (const f of skipped) warn(`skipped ${f}: not a pcap or pcapng capture`);
  return kept;
}

/** Files of one dataset must give the same columns, or their batches could not be joined. */
function sameColumns(a: { file: string; plan: TablePlan }, b: { file: string; plan: TablePlan }): void {
  const sig = (p: TablePlan): string[] => outputColumns(p).map((c) => c.name);
  const sa = sig(a.plan);
  const sb = sig(b.plan);
  const setA = new Set(sa);
  const setB = new Set(sb);
  const missing = sa.filter((n) => !setB.has(n));
  const extra = sb.filter((n) => !setA.has(n));
  if (missing.length === 0 && extra.length === 0 && sa.every((n, i) => n === sb[i])) return;
  const parts = [
    missing.length ? `without ${quoteList(missing)}` : '',
    extra.length ? `with ${quoteList(extra)}` : '',
  ].filter(Boolean);
  throw new UserError(
    `${b.file}: its columns differ from ${a.file}'s (${parts.join(', ') || 'in another order'}); files read together must have the same columns (read them separately)`,
  );
}
