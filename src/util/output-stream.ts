/**
 * Writing a long output (predictions, scored flows, alerts) as a stream, with the two things every
 * writer needs and Node leaves to each caller: waiting for 'drain' so memory stays bounded, and
 * turning a failed write (no such folder, not a directory, disk full) into one clear UserError
 * naming the file, instead of an unhandled 'error' event and a stack trace. A file is opened
 * before any work starts, so a bad path fails in a second rather than after the whole input.
 */
import { createWriteStream } from 'node:fs';
import { UserError } from './errors.js';

export interface OutputStream {
  /** write text, waiting for the stream to drain when its buffer is full */
  write(text: string): Promise<void>;
  /** finish the file (standard output is left open) */
  close(): Promise<void>;
}

/** Standard output for '-', else the file at `path`, created or truncated and already open. */
export async function openOutput(path: string, who: string): Promise<OutputStream> {
  const toStdout = path === '-';
  const sink: NodeJS.WritableStream = toStdout ? process.stdout : createWriteStream(path);
  let failed: Error | undefined;
  // one listener for the whole run (one per write would pile up: Node's listener-leak warning)
  sink.on('error', (e: Error) => (failed ??= e));
  const check = (): void => {
    if (failed) throw new UserError(`${who}: cannot write ${toStdout ? 'to standard output' : path}: ${failed.message}`);
  };
  // until the first event, an error is still to come: wait for it or for the stream to wake
  const settle = (event: 'open' | 'drain'): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        sink.off(event, done);
        sink.off('error', done);
        resolve();
      };
      sink.on(event, done);
      sink.on('error', done);
    });
  if (!toStdout) await settle('open');
  check();
  return {
    async write(text: string): Promise<void> {
      check();
      if (!sink.write(text)) await settle('drain');
      check();
    },
    async close(): Promise<void> {
      if (!toStdout && !failed) await new Promise<void>((resolve) => sink.end(() => resolve()));
      check();
    },
  };
}
