/**
 * Stage 1 of the analysis pipeline: where flows come from. A FlowSource is an async iterable of
 * flow batches (columnar FlowTables, each with its row origin when it has one), so the rest of the
 * pipeline never knows whether the flows came from CSV files, a capture, a message bus or an HTTP
 * upload. Memory stays bounded by the batch size; a source may also be one table read whole.
 *
 * To add a source (captures, NATS, an upload): write a function returning a FlowSource, and pass
 * it as `source` in AnalysisOptions (or to runPipeline).
 */
import type { FlowTable } from '../flows/table.js';
import { streamDataset, type ReadOptions } from '../sources/read-dataset.js';
import { captureAccounting, type CaptureAccounting } from '../packets/capture-accounting.js';
import { keepReaderNotes, type ReaderNotesKept } from './reader-notes.js';

export interface FlowSource {
  /** what the flows are, for messages, the summary and the store: file names, a URL, "nats:subject" */
  readonly inputs: readonly string[];
  /** the batches, in order; each has at least one row; errors are UserErrors naming where */
  batches(): AsyncIterable<FlowTable>;
  /** for a packet capture, once its batches are all read: what became of its packets (summary.json `capture`) */
  captureAccounting?(): CaptureAccounting | undefined;
  /** what the readers warned about the input so far (reader-notes.ts): the result's `readerNotes` */
  readerNotes?(): ReaderNotesKept;
}

/** Progress of a source in its own unit (bytes read of the total, or flows). */
export type SourceProgress = (done: number, total?: number) => void;

/** Flow files, folders or globs streamed by the dataset readers, `batchRows` rows at a time. */
export function datasetSource(inputs: readonly string[], read: ReadOptions, batchRows: number, progress?: SourceProgress): FlowSource {
  const kept = keepReaderNotes(read);
  const accounting = accountingOf(kept.read);
  return {
    inputs,
    batches: () => streamDataset([...inputs], { ...accounting.read, batchRows, progress: (d, t) => progress?.(d, t) }),
    captureAccounting: accounting.get,
    readerNotes: () => kept.notes.get(),
  };
}

/**
 * Read options that also keep a capture's packet accounting when the input turns out to be one
 * (the caller's own onSummary still told), and the getter for it: undefined for flow files.
 */
export function accountingOf(read: ReadOptions): { read: ReadOptions; get: () => CaptureAccounting | undefined } {
  let kept: CaptureAccounting | undefined;
  const onSummary = read.capture?.onSummary;
  return {
    read: {
      ...read,
      capture: {
        ...read.capture,
        onSummary: (s) => {
          kept = captureAccounting(s, s.meter, { flows: s.flows, maxFlows: s.maxFlows, garbledBlocks: s.files.reduce((n, f) => n + f.garbledBlocks, 0) });
          onSummary?.(s);
        },
      },
    },
    get: () => kept,
  };
}

/** Flows already in memory (self-fitted mode reads the input whole to fit on it), as one batch. */
export function tableSource(inputs: readonly string[], table: FlowTable, accounting?: () => CaptureAccounting | undefined, readerNotes?: () => ReaderNotesKept): FlowSource {
  return {
    inputs,
    captureAccounting: accounting,
    readerNotes,
    batches: async function* () {
      yield table;
    },
  };
}
