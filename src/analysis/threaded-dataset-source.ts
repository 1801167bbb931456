/**
 * Flow files read on a worker thread, as a FlowSource: the same readers and the same batches as
 * datasetSource (flow-source.ts), but tokenising and parsing the CSV runs beside the rules,
 * scoring and writing on the main thread instead of before them. On the CIC sample (16 files,
 * 24k flows, 85 columns) reading was the largest phase of `analyze` (issue 8 #2).
 *
 * Falls back to reading on the main thread, with identical results, when a worker cannot help:
 * stdin (one per process), packet captures (their packet hooks run on this thread; a capture file
 * is known here by its first bytes and no worker starts, one in a folder the worker hands back
 * before reading), read options that cannot cross threads, or a worker that
 * cannot start. The worker starts when the source is made, so it loads its modules and reads the
 * first file while the caller is still setting up.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { FlowTable } from '../flows/table.js';
import { captureKind } from '../packets/read-capture.js';
import { streamDataset, type ReadOptions } from '../sources/read-dataset.js';
import { UserError } from '../util/errors.js';
import { accountingOf, datasetSource, type FlowSource, type SourceProgress } from './flow-source.js';
import { keepReaderNotes } from './reader-notes.js';
import type { ReadJob } from './dataset-read-worker.js';

type Message =
  | { kind: 'batch'; table: FlowTable }
  | { kind: 'warn'; message: string }
  | { kind: 'skipped'; file: string; reason: string }
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done' }
  | { kind: 'fallback' }
  | { kind: 'error'; user: boolean; message: string; exitCode?: number; stack?: string }
  | { kind: 'exit'; error?: Error };

/** reading threads started by this process (tests check when none is) */
export const readingThreads = { started: 0 };

export function threadedDatasetSource(inputs: readonly string[], read: ReadOptions, batchRows: number, progress?: SourceProgress): FlowSource {
  const inThread = (): FlowSource => datasetSource(inputs, read, batchRows, progress);
  if (read.stdin || inputs.some((i) => i === '-') || startsAsCapture(inputs)) return inThread();
  const job: ReadJob = {
    inputs: [...inputs],
    read: { format: read.format, label: read.label, drop: read.drop, categorical: read.categorical, limits: read.limits, timezone: read.timezone },
    batchRows,
  };
  let worker: Worker | undefined;
  try {
    worker = new Worker(new URL('./dataset-read-worker.js', import.meta.url));
    readingThreads.started++;
    worker.postMessage(job);
  } catch {
    void worker?.terminate();
    return inThread();
  }
  const queue: Message[] = [];
  let waiting: ((m: Message) => void) | undefined;
  const push = (m: Message): void => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(m);
    } else queue.push(m);
  };
  worker.on('message', push);
  worker.on('error', (error) => push({ kind: 'exit', error }));
  worker.on('exit', () => push({ kind: 'exit' }));
  // after the listeners (adding one refs the thread again): a run that stops early, or never
  // asks for its batches, must not keep the process alive
  worker.unref();
  // the thread keeps the process alive only while a batch is awaited from it
  const next = (): Promise<Message> => {
    if (queue.length) return Promise.resolve(queue.shift()!);
    worker.ref();
    return new Promise((r) => {
      waiting = (m) => {
        worker.unref();
        r(m);
      };
    });
  };
  // the thread's warnings (posted to this one) and the fallback's, said and kept for the outputs
  const kept = keepReaderNotes(read);
  const warn = kept.read.warn!;
  // captures found by the thread are handed back and read here (fallback): their packet accounting
  const accounting = accountingOf(kept.read);
  const said = new Set<string>();
  const skippedSaid = new Set<string>();
  return {
    inputs,
    captureAccounting: accounting.get,
    readerNotes: () => kept.notes.get(),
    batches: async function* () {
      try {
        for (;;) {
          const m = await next();
          switch (m.kind) {
            case 'batch':
              worker.postMessage('more');
              yield m.table;
              break;
            case 'warn':
              said.add(m.message);
              warn(m.message);
              break;
            case 'skipped':
              skippedSaid.add(m.file);
              read.skipped?.(m.file, m.reason);
              break;
            case 'progress':
              progress?.(m.done, m.total);
              break;
            case 'done':
              return;
            case 'fallback':
              // the thread's sniffing already warned (files of a folder passed over): not twice
              yield* streamDataset([...inputs], {
                ...accounting.read,
                batchRows,
                warn: (w) => said.has(w) || warn(w),
                skipped: (f, r) => skippedSaid.has(f) || read.skipped?.(f, r),
                progress: (d, t) => progress?.(d, t),
              });
              return;
            case 'error':
              if (m.user) throw new UserError(m.message, m.exitCode);
              throw Object.assign(new Error(m.message), { stack: m.stack ?? m.message });
            case 'exit':
              throw m.error ?? new Error('the flow reading thread stopped before the end of the input');
          }
        }
      } finally {
        // done, failed, or the caller stopped early (an interrupt): the thread is not needed any more
        await worker.terminate();
      }
    },
  };
}

/**
 * Whether the first input is a plain packet capture file (by its magic number), which the worker
 * would hand back before reading anything: then it is not started at all (starting it cost ~0.1 s
 * of CPU for its bootstrap and modules, most of `analyze` on a small capture). Folders, globs,
 * gzip-compressed captures and unreadable paths go to the worker as before, which sniffs them
 * (and reports what is wrong) the same way the main thread would.
 */
function startsAsCapture(inputs: readonly string[]): boolean {
  const first = inputs[0];
  if (first === undefined) return false;
  let fd: number | undefined;
  try {
    if (!statSync(first).isFile()) return false;
    fd = openSync(first, 'r');
    const head = new Uint8Array(4);
    return readSync(fd, head, 0, 4, 0) === 4 && captureKind(head) !== undefined;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
