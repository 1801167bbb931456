/**
 * Adaptation of a running stream worker (`stream --drift`, `--retrain-every`): what the worker's
 * hooks call between and after its batches. It
 *  - watches drift (drift-monitor.ts) on every scored batch and, when a window drifts, says so on
 *    stderr, publishes the event to <prefix>.adapt.drift and records it in the store;
 *  - keeps the recent clean flows (clean-reservoir.ts) and, every N flows or T seconds or on
 *    drift, fits a new baseline on them in a worker thread (retrain-thread.ts) while scoring goes
 *    on, writes it atomically, records the version (model-versions.ts) and
 *  - hands it to the worker at the start of its next message (takeSwap): the worker handles one
 *    message at a time, so the swap falls between two messages — none is dropped, none scored
 *    twice — and every alert carries the version that scored it (stamp).
 */
import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FlowTable } from '../flows/table.js';
import { makeAlertWithRecord, type Alert } from './stamp-alert.js';
import type { Finding } from '../detect/finding.js';
import { loadBaseline, type Baseline } from '../risk/baseline.js';
import type { Bus } from '../stream/nats-bus.js';
import { resultsStream } from '../stream/nats-bus.js';
import { baselineDriftReference, DriftMonitor, movedText, type DriftSettings, type DriftWindow } from './drift-monitor.js';
import { CleanReservoir } from './clean-reservoir.js';
import type { ModelEvent, ModelVersion, ModelVersionStore } from './model-versions.js';
import type { RetrainJob, RetrainResult } from './retrain-thread.js';

export interface RetrainSchedule {
  /** retrain after this many flows since the last (re)train */
  readonly everyFlows?: number;
  /** or after this many milliseconds */
  readonly everyMs?: number;
  /** retrain when drift is reported */
  readonly onDrift: boolean;
  /** clean flows kept for the next retrain */
  readonly reservoir: number;
  /** fewest clean flows a retrain needs */
  readonly minFlows: number;
  /** where new baseline files are written */
  readonly dir: string;
}

export interface AdaptationOptions {
  readonly worker: string;
  readonly baselineFile: string;
  readonly baseline: Baseline;
  /** flows below this risk (and not named by a finding) are clean */
  readonly cleanBelow: number;
  readonly drift?: DriftSettings;
  readonly retrain?: RetrainSchedule;
  readonly versions: ModelVersionStore;
  /** publish events to <prefix>.adapt.* on this bus (absent with --stdin) */
  readonly bus?: Bus;
  readonly stream?: string;
  readonly prefix?: string;
  readonly note: (line: string) => void;
  /** told each time a retrain that was due did not happen for want of clean flows (a metric) */
  readonly onRetrainSkipped?: () => void;
}

export interface AdaptationStats {
  version: string;
  driftWindows: number;
  driftReports: number;
  retrains: number;
  /** retrains due that did not happen: fewer clean flows kept than a retrain needs */
  retrainsSkipped: number;
  swaps: number;
  reservoir: number;
}

/** What the stream worker's hooks call (see src/stream/stream-worker.ts). */
export interface StreamAdapter {
  /** the model in use now and its version id (a restarted worker's: the newest it recorded, see resumeVersion) */
  current(): { readonly id: string; readonly baseline: Baseline };
  /** at the start of a message: a new baseline to score it with, once */
  takeSwap(): Baseline | undefined;
  /** the alerts of a message, each marked with the model version that scored it (default: the current one) */
  stamp(alerts: readonly Alert[], version?: string): Alert[];
  /** after a message's results are committed, before its ack */
  observe(batch: FlowTable, risk: Float64Array, findings: readonly Finding[], where: string): Promise<void>;
  /** at drain: wait for a retrain under way, then stop */
  close(): Promise<void>;
  readonly stats: AdaptationStats;
}

const enc = new TextEncoder();

export async function versionOfFile(file: string): Promise<{ id: string; sha256: string }> {
  const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
  return { id: `b-${sha256.slice(0, 12)}`, sha256 };
}

export async function createStreamAdaptation(o: AdaptationOptions): Promise<StreamAdapter> {
  const first = await versionOfFile(o.baselineFile);
  await o.versions.saveVersion({
    id: first.id,
    sha256: first.sha256,
    created: o.baseline.createdAt,
    parent: null,
    file: resolve(o.baselineFile),
    trainedOn: { source: 'baseline file', files: o.baseline.inputFiles, flows: o.baseline.fitRows + o.baseline.calibrationRows, fittedOn: o.baseline.fittedOn },
    metrics: { fitRows: o.baseline.fitRows, calibrationRows: o.baseline.calibrationRows, seconds: o.baseline.seconds },
    worker: o.worker,
  });
  if (o.bus && o.stream && o.prefix) await ensureAdaptSubjects(o.bus, o.stream, o.prefix);
  // a restarted worker goes on with the newest version it recorded, not the file it was started with
  const resumed = resumeVersion(await o.versions.listVersions(100_000), first.id, o.worker);
  let current = o.baseline;
  let startId = first.id;
  if (resumed) {
    current = await loadBaseline(resumed.file);
    startId = resumed.id;
    o.note(`netsentinel: stream: scoring with model ${resumed.id} (${resumed.file}), the newest version worker ${o.worker} recorded from ${first.id} (--baseline ${o.baselineFile}); retrained ${resumed.created}`);
  } else o.note(`netsentinel: stream: scoring with model ${first.id} (--baseline ${o.baselineFile}); worker ${o.worker} has recorded no newer version of it`);
  const stats: AdaptationStats = { version: startId, driftWindows: 0, driftReports: 0, retrains: 0, retrainsSkipped: 0, swaps: 0, reservoir: 0 };
  const monitor = o.drift ? new DriftMonitor(baselineDriftReference(current, 'stream --drift'), o.drift) : undefined;
  const reservoir = o.retrain ? new CleanReservoir(o.retrain.reservoir) : undefined;
  let flows = 0;
  let flowsAtTrain = 0;
  let timeAtTrain = Date.now();
  let training: Promise<void> | undefined;
  let ready: { baseline: Baseline; id: string } | undefined;

  const emit = async (kind: ModelEvent['kind'], key: string, detail: Record<string, unknown>): Promise<void> => {
    const e: ModelEvent = { key: `${o.worker}:${kind}:${key}`, kind, at: new Date().toISOString(), worker: o.worker, version: stats.version, detail };
    await o.versions.saveEvent(e);
    if (o.bus && o.prefix) await o.bus.js.publish(`${o.prefix}.adapt.${kind}`, enc.encode(JSON.stringify(e)), { msgID: `ev-${e.key}` });
  };

  const reportDrift = async (w: DriftWindow, where: string): Promise<void> => {
    stats.driftReports++;
    const top = w.features.slice(0, 10).map((f) => ({ feature: f.feature, psi: Math.round(f.psi * 1e4) / 1e4, noise: Math.round(f.noise * 1e4) / 1e4 }));
    o.note(`netsentinel: stream: drift in flows ${w.firstFlow + 1}-${w.firstFlow + w.flows} (at ${where}) against version ${stats.version}: ${w.moved} features moved: ${movedText(w, o.drift!.threshold)}`);
    // keyed by the message that closed the window: stable across a restart of the worker, unique per window
    await emit('drift', `${stats.version}:${where}`, { window: w.index, firstFlow: w.firstFlow, flows: w.flows, moved: w.moved, threshold: o.drift!.threshold, at: where, features: top });
  };

  const startRetrain = (reason: string): void => {
    const r = o.retrain!;
    // one under way: this one is due again once it is done (the schedule is not moved on)
    if (training || !reservoir) return;
    if (reservoir.size < r.minFlows) {
      // Not silently: a worker whose traffic is mostly risky (or mostly named by findings) kept
      // retraining nothing and said nothing. Said and counted once per retrain due; the schedule
      // moves on as if it had run (the next one is due a period later, not at the next message).
      flowsAtTrain = flows;
      timeAtTrain = Date.now();
      stats.retrainsSkipped++;
      o.onRetrainSkipped?.();
      o.note(
        `netsentinel: stream: retrain (${reason}) skipped: ${reservoir.size.toLocaleString('en-US')} clean flows kept, a retrain needs ${r.minFlows.toLocaleString('en-US')}` +
          ` (clean: risk below ${o.cleanBelow} and a source no finding named; ${reservoir.refused.toLocaleString('en-US')} of the ${(reservoir.added + reservoir.refused).toLocaleString('en-US')} flows seen were not); scoring goes on with ${stats.version}`,
      );
      return;
    }
    flowsAtTrain = flows;
    timeAtTrain = Date.now();
    const snap = reservoir.snapshot();
    const parent = stats.version;
    const out = join(r.dir, `baseline-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.nsb`);
    const job: RetrainJob = { table: snap.table, detectors: current.detectors.map((d) => d.model.estimator.name), seed: 42 + stats.retrains, out };
    const atFlow = flows;
    o.note(`netsentinel: stream: retraining the baseline on ${snap.table.rowCount.toLocaleString('en-US')} clean flows (${reason}) in a worker thread; scoring goes on with ${parent}`);
    training = runRetrain(job)
      .then(async (res) => {
        const b = await loadBaseline(res.file);
        const v = await versionOfFile(res.file);
        stats.retrains++;
        await o.versions.saveVersion({
          id: v.id,
          sha256: v.sha256,
          created: b.createdAt,
          parent,
          file: resolve(res.file),
          trainedOn: { source: 'stream', reason, flows: snap.table.rowCount, window: `the ${snap.table.rowCount} most recent clean flows before flow ${atFlow} of this worker`, firstFlowTime: snap.firstTime, lastFlowTime: snap.lastTime },
          metrics: { fitRows: res.fitRows, calibrationRows: res.calibrationRows, seconds: Math.round(res.seconds * 1000) / 1000, bytes: res.bytes, cleanFlowsSeen: reservoir.added, flowsRefused: reservoir.refused },
          worker: o.worker,
        });
        await emit('retrain', v.id, { parent, reason, flows: snap.table.rowCount, file: resolve(res.file) });
        ready = { baseline: b, id: v.id };
      })
      .catch(async (e: unknown) => {
        o.note(`netsentinel: stream: retrain failed (${(e as Error).message}); scoring goes on with ${parent}`);
        await emit('retrain-failed', `${parent}:${atFlow}`, { reason, error: (e as Error).message }).catch(() => undefined);
      })
      .finally(() => {
        training = undefined;
      });
  };

  let swapDetail: { from: string; to: string; atFlow: number } | undefined;
  return {
    stats,
    current() {
      return { id: stats.version, baseline: current };
    },
    takeSwap() {
      if (!ready) return undefined;
      const next = ready;
      ready = undefined;
      swapDetail = { from: stats.version, to: next.id, atFlow: flows };
      current = next.baseline;
      stats.version = next.id;
      stats.swaps++;
      monitor?.reset(baselineDriftReference(current, 'stream --drift'));
      return current;
    },
    stamp(alerts, version = stats.version) {
      return alerts.map((a) => makeAlertWithRecord(a, { ...a.record, model_version: version }));
    },
    async observe(batch, risk, findings, where) {
      if (swapDetail) {
        const d = swapDetail;
        swapDetail = undefined;
        o.note(`netsentinel: stream: model ${d.to} swapped in for ${d.from} from ${where} on (flow ${d.atFlow + 1} of this worker)`);
        await emit('swap', d.to, { ...d, firstMessage: where });
      }
      flows += batch.rowCount;
      if (monitor) {
        for (const w of monitor.push(batch, risk)) {
          stats.driftWindows++;
          if (w.drifted) {
            await reportDrift(w, where);
            if (o.retrain?.onDrift) startRetrain(`drift in flows ${w.firstFlow + 1}-${w.firstFlow + w.flows}`);
          }
        }
      }
      if (reservoir) {
        const flagged = new Set<string>();
        for (const f of findings) if (f.srcIp) flagged.add(f.srcIp);
        reservoir.add(batch, risk, o.cleanBelow, flagged);
        stats.reservoir = reservoir.size;
        const r = o.retrain!;
        if (r.everyFlows && flows - flowsAtTrain >= r.everyFlows) startRetrain(`every ${r.everyFlows} flows`);
        else if (r.everyMs && Date.now() - timeAtTrain >= r.everyMs) startRetrain(`every ${r.everyMs / 1000} s`);
      }
    },
    async close() {
      await training;
    },
  };
}

/**
 * The version a restarted worker resumes with: the newest one `worker` retrained, descending (by
 * parent) from the version it was started with and whose file is still there; undefined when
 * there is none (a worker started with a new baseline file starts a new chain from it).
 */
export function resumeVersion(all: readonly ModelVersion[], startId: string, worker: string): ModelVersion | undefined {
  const byId = new Map(all.map((v) => [v.id, v]));
  const descends = (v: ModelVersion): boolean => {
    const seen = new Set<string>();
    for (let p = v.parent; p && !seen.has(p); p = byId.get(p)?.parent ?? null) {
      if (p === startId) return true;
      seen.add(p);
    }
    return false;
  };
  const mine = all.filter((v) => v.worker === worker && v.id !== startId && descends(v) && existsSync(v.file));
  mine.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  return mine[0];
}

/**
 * One process's adaptation shared by the partition workers of `stream --balance`: drift is watched
 * and clean flows kept over every partition the process holds (one monitor, one reservoir, one
 * chain of versions). Each partition's scorer swaps to the current version at the start of its
 * next message and stamps its alerts with the version it scored them with; closing it does
 * nothing (the process closes the shared adapter once every partition has drained).
 */
export function partitionAdapter(shared: StreamAdapter): StreamAdapter {
  let mine = shared.current().id;
  return {
    stats: shared.stats,
    current: () => shared.current(),
    takeSwap() {
      shared.takeSwap();
      const now = shared.current();
      if (now.id === mine) return undefined;
      mine = now.id;
      return now.baseline;
    },
    stamp: (alerts) => shared.stamp(alerts, mine),
    observe: (batch, risk, findings, where) => shared.observe(batch, risk, findings, where),
    async close() {},
  };
}

function runRetrain(job: RetrainJob): Promise<RetrainResult> {
  return new Promise((resolvePromise, reject) => {
    const w = new Worker(new URL('./retrain-thread.js', import.meta.url), { workerData: job });
    w.once('message', (m: { ok: boolean; result?: RetrainResult; error?: string }) => {
      if (m.ok) resolvePromise(m.result!);
      else reject(new Error(m.error));
      void w.terminate();
    });
    w.once('error', reject);
  });
}

/** <prefix>.adapt.* joins the results stream (alerts, findings) so events are kept with them */
async function ensureAdaptSubjects(bus: Bus, stream: string, prefix: string): Promise<void> {
  const name = resultsStream(stream);
  const subject = `${prefix}.adapt.*`;
  const info = await bus.jsm.streams.info(name).catch(() => undefined);
  if (!info) {
    await bus.jsm.streams.add({ name, subjects: [`${prefix}.alerts`, `${prefix}.findings`, subject] });
    return;
  }
  const have = info.config.subjects ?? [];
  if (!have.includes(subject)) await bus.jsm.streams.update(name, { ...info.config, subjects: [...have, subject] });
}
