/**
 * A flow source for the analysis pipeline (src/analysis/flow-source.ts) that reads an HTTP
 * upload as it arrives: the request body goes to the same dataset readers as a file or stdin
 * would (every format analyze reads, gzip detected by its bytes), in batches, never held whole;
 * bytes beyond the batch limit stop the upload with a 413.
 */
import { Transform, type Readable } from 'node:stream';
import type { FlowSource } from '../analysis/flow-source.js';
import { streamDataset } from '../sources/read-dataset.js';
import { BatchInputError } from './batch-reader.js';

export function uploadSource(body: Readable, name: string, maxBytes: number, batchRows = 65536): FlowSource {
  let bytes = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new BatchInputError(413, `body: larger than the batch limit of ${maxBytes} bytes (server.limits.batchBytes)`));
      done(null, chunk);
    },
  });
  body.on('error', (e) => limited.destroy(e));
  body.pipe(limited);
  return {
    inputs: [name],
    batches: () => streamDataset(['-'], { stdin: limited, batchRows, warn: () => {} }),
  };
}
