/**
 * `stream --stdin`: the same scoring as the JetStream worker (createBatchScorer) over flows piped
 * in, JSON lines (first byte `{`) or any CSV the dataset readers know. Alerts are stored and
 * printed as EVE JSON lines on stdout as each batch is scored; at end of input the open rule
 * episodes are closed. No acknowledgements: the pipe is the unit of delivery.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { streamDataset, type ReadOptions } from '../sources/read-dataset.js';
import type { FlowTable } from '../flows/table.js';
import { storedAlert, type Alert } from '../analysis/alerts.js';
import type { AlertStore } from '../store/alert-store.js';
import { decodeFlows } from './flow-codec.js';
import { createBatchScorer, type ScoringSetup, type WorkerStats } from './stream-worker.js';

export interface StdinOptions extends ScoringSetup {
  readonly input: Readable;
  readonly read: ReadOptions;
  readonly batchRows: number;
  readonly store?: AlertStore;
  readonly emit: (a: Alert) => void;
}

export async function runStdinWorker(o: StdinOptions): Promise<WorkerStats> {
  const t0 = performance.now();
  const stats: WorkerStats = { messages: 0, flows: 0, redelivered: 0, rejected: 0, alerts: 0, findings: 0, stored: 0, duplicates: 0, rebuiltMessages: 0, rebuiltFlows: 0, seconds: 0 };
  const scorer = createBatchScorer(o);
  const at = new Date().toISOString();
  const runId = o.store ? await o.store.saveRun({ startedAt: at, finishedAt: at, inputs: ['stdin'], flows: 0, alerts: 0, summary: { state: 'running' } }) : 0;
  const commit = async (alerts: Alert[]): Promise<void> => {
    if (o.store && alerts.length) {
      const r = await o.store.saveAlerts(runId, alerts.map(storedAlert));
      stats.stored += r.inserted;
      stats.duplicates += r.duplicates;
    }
    for (const a of alerts) o.emit(a);
    stats.alerts += alerts.length;
  };
  for await (const batch of batchesOf(o.input, o.read, o.batchRows)) {
    const { alerts, findings } = scorer.scoreBatch(batch, Date.now());
    await commit(alerts);
    stats.findings += findings.length;
    stats.messages++;
    stats.flows += batch.rowCount;
  }
  const last = scorer.finish(Date.now());
  await commit(last.alerts);
  stats.findings += last.findings.length;
  stats.seconds = (performance.now() - t0) / 1000;
  if (o.store) await o.store.saveRun({ startedAt: at, finishedAt: new Date().toISOString(), inputs: ['stdin'], flows: stats.flows, alerts: stats.alerts, summary: { state: 'finished', ...stats } });
  return stats;
}

/** JSON lines or CSV, told apart by the first non-blank byte. */
async function* batchesOf(input: Readable, read: ReadOptions, batchRows: number): AsyncGenerator<FlowTable> {
  const first = await peek(input);
  if (!first) return;
  const jsonLines = /^\s*\{/.test(first.subarray(0, 64).toString('latin1'));
  if (!jsonLines) {
    yield* streamDataset(['-'], { ...read, batchRows, stdin: input });
    return;
  }
  let lines: string[] = [];
  let firstLine = 1;
  let lineNo = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    lines.push(line);
    if (lines.length >= batchRows) {
      yield decodeFlows(lines.join('\n'), 'stdin', undefined, firstLine);
      firstLine = lineNo + 1;
      lines = [];
    }
  }
  if (lines.some((l) => l.trim())) yield decodeFlows(lines.join('\n'), 'stdin', undefined, firstLine);
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
