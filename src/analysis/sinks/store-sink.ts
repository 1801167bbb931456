/**
 * The alert store as a sink. One run row per analysis: saved as 'running' when the input yields
 * its first batch (so its alerts can point at it as they are saved, in chunks, deduplicated by key
 * in the database; an input that fails before that touches no store and, with a SQLite file opened
 * when used, creates none), and updated at the end to 'finished' with the summary, or to 'interrupted' / 'failed'
 * when the run is aborted. Stores without finishRun get the old second row instead.
 */
import type { AlertStore, StoredAlert } from '../../store/alert-store.js';
import { storedAlert } from '../alerts.js';
import { summaryJson } from '../summary-json.js';
import type { RunInfo, Sink } from '../sink.js';

/**
 * Alerts per saveAlerts call (one transaction). Large on purpose: each SQLite commit rewrites every
 * index page its random keys touched, so 2,000-alert commits wrote the key index ~10x over; 20,000
 * holds ~25 MB of alerts at most and cuts the store's CPU by a fifth to a third.
 */
const CHUNK = 20_000;

/**
 * Risky sources kept in the run row's summary, riskiest first. Every risky source also has its own
 * alert row (with the run's id), so the run row needs only the top of the list; the whole list made
 * a run row of 5.8 MB on a 3M-packet capture (10,590 sources: ~50 ms to serialise and write) and
 * GET /v1/runs answered with fifty of them. The summary says how many were left out.
 */
export const RUN_ROW_RISKY_SOURCES = 100;

export function runRowSummary(full: Record<string, unknown>): Record<string, unknown> {
  const list = full.riskyIps as readonly unknown[];
  if (list.length <= RUN_ROW_RISKY_SOURCES) return full;
  return { ...full, riskyIps: list.slice(0, RUN_ROW_RISKY_SOURCES), riskyIpsLeftOut: list.length - RUN_ROW_RISKY_SOURCES };
}

export function storeSink(store: AlertStore): Sink {
  let run: RunInfo;
  let runId: number | undefined;
  const buffer: StoredAlert[] = [];
  let stored = 0;
  let duplicates = 0;
  let written = 0;
  let flows = 0;
  // the run row, saved once: at the first batch, or at the end of a run that had none
  let begun: Promise<void> | undefined;
  const begin = (): Promise<void> =>
    (begun ??= (async () => {
      const at = run.startedAt.toISOString();
      runId = await store.saveRun({ state: 'running', startedAt: at, finishedAt: at, inputs: run.inputs, flows: 0, alerts: 0, summary: { state: 'running' } });
    })());
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
    },
    async batch(s) {
      await begin();
      flows += s.rows;
    },
    async alerts(list) {
      await begin();
      for (const a of list) {
        buffer.push(storedAlert(a));
        written++;
        if (buffer.length >= CHUNK) await flush();
      }
    },
    async finish(ctx) {
      await begin();
      await flush();
      ctx.setStored(stored, duplicates, store.where);
    },
    async commit(result) {
      if (runId === undefined) return;
      const row = { startedAt: result.startedAt, finishedAt: result.finishedAt, inputs: run.inputs, flows: result.flows, alerts: written, summary: runRowSummary(summaryJson(result)) };
      if (store.finishRun) await store.finishRun(runId, { ...row, state: 'finished' });
      else await store.saveRun(row);
    },
    async abort(reason, error) {
      if (runId === undefined || !store.finishRun) return;
      buffer.length = 0;
      const at = new Date().toISOString();
      const why = reason === 'interrupted' ? `interrupted (${String((error as { signalName?: string })?.signalName ?? 'signal')})` : `failed: ${(error as Error)?.message ?? String(error)}`;
      await store.finishRun(runId, {
        state: reason,
        startedAt: run.startedAt.toISOString(),
        finishedAt: at,
        inputs: run.inputs,
        flows,
        alerts: stored + duplicates,
        summary: { state: reason, note: why, alertsSaved: stored },
      });
      return `store run ${runId} marked ${reason}`;
    },
  };
}
