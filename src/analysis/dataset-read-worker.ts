/**
 * Worker thread side of threadedDatasetSource (threaded-dataset-source.ts): reads flow files with
 * the ordinary dataset readers (streamDataset) and posts each batch to the main thread, at most
 * AHEAD batches before the main thread takes one, so memory stays bounded by the batch size.
 *
 * Packet captures are handed back before anything is read (`fallback`): their packet hooks (ARP
 * watch) run on the main thread. Warnings, progress and errors are posted as messages; the main
 * thread says them (errors keep their message and exit code).
 */
import { parentPort } from 'node:worker_threads';
import { streamDataset, type ReadOptions } from '../sources/read-dataset.js';
import { UserError } from '../util/errors.js';

/** what the main thread sends first */
export interface ReadJob {
  readonly inputs: readonly string[];
  /** the cloneable read options (no callbacks, no stdin, no capture hooks) */
  readonly read: Pick<ReadOptions, 'format' | 'label' | 'drop' | 'categorical' | 'limits' | 'timezone'>;
  readonly batchRows: number;
}

/** batches read ahead of the main thread (the one it scores, the next one ready) */
const AHEAD = 2;

/** thrown by onFormat to stop before reading a capture */
class HandBack extends Error {}

const port = parentPort!;
let credit = AHEAD;
let wake: (() => void) | undefined;
port.on('message', (m: ReadJob | 'more') => {
  if (m === 'more') {
    credit++;
    wake?.();
    wake = undefined;
    return;
  }
  void read(m);
});

async function read(job: ReadJob): Promise<void> {
  try {
    const opts: ReadOptions = {
      ...job.read,
      batchRows: job.batchRows,
      warn: (message) => port.postMessage({ kind: 'warn', message }),
      skipped: (file, reason) => port.postMessage({ kind: 'skipped', file, reason }),
      progress: (done, total) => port.postMessage({ kind: 'progress', done, total }),
      onFormat: (format) => {
        if (format === 'capture') throw new HandBack();
      },
    };
    for await (const table of streamDataset(job.inputs, opts)) {
      while (credit <= 0) await new Promise<void>((r) => (wake = r));
      credit--;
      port.postMessage({ kind: 'batch', table });
    }
    port.postMessage({ kind: 'done' });
  } catch (e) {
    if (e instanceof HandBack) port.postMessage({ kind: 'fallback' });
    else if (e instanceof UserError) port.postMessage({ kind: 'error', user: true, message: e.message, exitCode: e.exitCode });
    else port.postMessage({ kind: 'error', user: false, message: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack });
  }
}
