/**
 * A flow source for the analysis pipeline (src/analysis/flow-source.ts) that reads an HTTP
 * upload as it arrives: the request body goes to the same dataset readers as a file or stdin
 * would (every format analyze reads, packet captures (pcap, pcapng) metered into flows, gzip, zstd or lz4
 * detected by its bytes), in batches, never held whole; bytes beyond the batch limit stop the
 * upload with a 413. Reader warnings go to `warn` (the route returns them), never dropped.
 */
import { Transform, type Readable } from 'node:stream';
import { accountingOf, type FlowSource } from '../analysis/flow-source.js';
import { streamDataset } from '../sources/read-dataset.js';
import type { CaptureFlowOptions } from '../packets/capture-flows.js';
import { batchTooLarge } from './batch-reader.js';
import { ReaderNotes } from '../analysis/reader-notes.js';

export interface UploadReadOptions {
  /** for captures: flow meter settings and the packet detectors' hook */
  readonly capture?: CaptureFlowOptions;
  readonly warn?: (message: string) => void;
  readonly batchRows?: number;
  /** the zone of times without a UTC offset (the route's `timezone=`, as analyze --timezone); absent: UTC */
  readonly timezone?: string;
}

export function uploadSource(body: Readable, name: string, maxBytes: number, o: UploadReadOptions = {}): FlowSource {
  let bytes = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(batchTooLarge(maxBytes));
      done(null, chunk);
    },
  });
  body.on('error', (e) => limited.destroy(e));
  body.pipe(limited);
  // an uploaded capture's summary says what became of its packets, as analyze's does
  const accounting = accountingOf({ capture: o.capture });
  // and what the readers said about it, for the summary's readerNotes (reader-notes.ts)
  const notes = new ReaderNotes();
  // the readers name the body "stdin": said as the upload's name, as the route's errors are
  const warn = (m: string): void => {
    const said = m.replace(/^stdin\b/, name);
    notes.add(said);
    o.warn?.(said);
  };
  return {
    inputs: [name],
    batches: () => streamDataset(['-'], { stdin: limited, batchRows: o.batchRows ?? 65536, warn, capture: accounting.read.capture, ...(o.timezone !== undefined ? { timezone: o.timezone } : {}) }),
    captureAccounting: accounting.get,
    readerNotes: () => notes.get(),
  };
}
