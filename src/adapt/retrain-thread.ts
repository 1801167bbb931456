/**
 * Worker-thread entry of a retrain: fits a baseline on the clean flows it is sent and writes it
 * atomically, off the streaming worker's main thread so scoring goes on meanwhile (a baseline fit
 * takes seconds to minutes of CPU). Answers with the file, its SHA-256 and the fit's figures.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import type { FlowTable } from '../flows/table.js';

export interface RetrainJob {
  readonly table: FlowTable;
  readonly detectors: readonly string[];
  readonly seed: number;
  readonly out: string;
}

export interface RetrainResult {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly fitRows: number;
  readonly calibrationRows: number;
  readonly seconds: number;
}

const job = workerData as RetrainJob;
try {
  const b = await fitBaseline(job.table, { detectors: job.detectors, normalOnly: false, seed: job.seed, threads: 1 });
  await saveBaseline(job.out, b, 'retrain');
  const bytes = await readFile(job.out);
  const result: RetrainResult = { file: job.out, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, fitRows: b.fitRows, calibrationRows: b.calibrationRows, seconds: b.seconds };
  parentPort!.postMessage({ ok: true, result });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: (e as Error).message });
}
