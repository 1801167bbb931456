/**
 * The alert store as a sink: the run is recorded when analysis starts, alerts are saved in chunks
 * as they are raised (deduplicated by key in the database), and the run's summary at the end.
 */
import type { AlertStore, StoredAlert } from '../../store/alert-store.js';
import { storedAlert } from '../alerts.js';
import { summaryJson } from '../summary-json.js';
import type { RunInfo, Sink } from '../sink.js';

const CHUNK = 2000;

export function storeSink(store: AlertStore): Sink {
  let run: RunInfo;
  let runId: number | undefined;
  const buffer: StoredAlert[] = [];
  let stored = 0;
  let duplicates = 0;
  let written = 0;
  const flush = async (): Promise<void> => {
    if (runId !== undefined && buffer.length) {
      const r = await store.saveAlerts(runId, buffer.splice(0));
      stored += r.inserted;
      duplicates += r.duplicates;
    }
  };
  return {
    name: 'store',
    async open(info) {
      run = info;
      const at = info.startedAt.toISOString();
      runId = await store.saveRun({ startedAt: at, finishedAt: at, inputs: info.inputs, flows: 0, alerts: 0, summary: { state: 'running' } });
    },
    async alerts(list) {
      for (const a of list) {
        buffer.push(storedAlert(a));
        written++;
        if (buffer.length >= CHUNK) await flush();
      }
    },
    async finish(ctx) {
      await flush();
      ctx.setStored(stored, duplicates, store.where);
    },
    async commit(result) {
      if (runId === undefined) return;
      await store.saveRun({ startedAt: result.startedAt, finishedAt: result.finishedAt, inputs: run.inputs, flows: result.flows, alerts: written, summary: summaryJson(result) });
    },
  };
}
