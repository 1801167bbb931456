/**
 * One response, start to finish, shared by `respond OUTDIR`, `analyze --respond` and the
 * tests: the policy turns the sources into decisions (with the recent ones from the store for
 * suppression), the decisions are stored, the blocklist files are written from every ban that
 * holds, and, when acting for real, the alerts go to the outbox and the outbox is flushed (so
 * whatever waited from earlier runs goes too).
 *
 * Dry run by default: decisions are stored as simulated, the files show what would be blocked,
 * nothing is queued or sent.
 */
import { openDecisionStore, type DecisionStore } from '../store/decision-store.js';
import { openOutboxStore, type OutboxStore } from '../store/outbox-store.js';
import type { Allowlist } from './allowlist.js';
import { blockTargets, type BlockTargets } from './block/block-targets.js';
import { writeBlockFiles, type BlockFiles } from './block/block-files.js';
import type { Decision } from './decision.js';
import { alertMessages } from './notify/alert-message.js';
import type { NotifyConfig } from './notify/notify-config.js';
import { channelsFrom, enqueueAlerts, flushOutbox, type Channel, type ChannelReport } from './notify/outbox-delivery.js';
import { runPolicy, type Skipped, type SourceEvidence } from './policy.js';
import type { RespondConfig } from './respond-config.js';

export interface RespondOptions {
  readonly sources: readonly SourceEvidence[];
  readonly origin: string;
  readonly config: RespondConfig;
  readonly notify: NotifyConfig;
  readonly allowlist: Allowlist;
  /** a SQLite path or postgres:// URL (as openStore) */
  readonly store: string;
  readonly apply: boolean;
  /** where blocked_ips.txt, netsentinel.nft and netsentinel.ipset go; none when undefined */
  readonly outDir?: string;
  readonly nowMs?: number;
  readonly onProblem?: (line: string) => void;
  /**
   * false: queue the alerts in the outbox and leave their delivery to the caller (`capture
   * --respond` and `stream --respond` deliver in the background, notify/background-delivery.ts, so a
   * channel that is slow or down never holds the next decision); `delivery` is then empty.
   * Default: flush now.
   */
  readonly flush?: boolean;
  /** channels to use instead of the configured ones (tests) */
  readonly channels?: readonly Channel[];
  /**
   * stores already open on `store` (a streaming worker opens them once and closes them at drain);
   * used and left open. Without them each run opens and closes its own.
   */
  readonly stores?: { readonly decisions: DecisionStore; readonly outbox?: () => Promise<OutboxStore> };
}

export interface RespondResult {
  readonly apply: boolean;
  readonly decisions: readonly Decision[];
  readonly skipped: readonly Skipped[];
  readonly stored: number;
  readonly targets: BlockTargets;
  readonly files?: BlockFiles;
  readonly queued: number;
  readonly delivery: readonly ChannelReport[];
  readonly store: string;
}

export async function respond(o: RespondOptions): Promise<RespondResult> {
  const now = o.nowMs ?? Date.now();
  const decisionsStore = o.stores?.decisions ?? (await openDecisionStore(o.store));
  let decisions: Decision[];
  let skipped: Skipped[];
  let stored: number;
  let active: Decision[];
  let interrupted: Decision[] = [];
  try {
    const recent = await decisionsStore.recent(new Date(now - o.config.suppress * 1000).toISOString(), new Date(now).toISOString());
    ({ decisions, skipped } = runPolicy(o.sources, { config: o.config, allowlist: o.allowlist, origin: o.origin, nowMs: now, apply: o.apply, recent }));
    // decisions an earlier attempt of this same origin stored before it was cut short (a streaming
    // worker redoing a message): suppressed as new decisions, their alerts are queued again below
    // (the outbox keys make that a no-op when they were queued already)
    interrupted = recent.filter((d) => d.origin === o.origin && !decisions.some((x) => x.id === d.id));
    stored = await decisionsStore.save(decisions);
    active = await decisionsStore.list({ activeAt: now, type: 'ban', simulated: false });
  } finally {
    if (!o.stores) await decisionsStore.close();
  }
  // what holds for real, plus (in a dry run) what this run would add
  const preview = o.apply ? active : [...active, ...decisions.filter((d) => d.simulated)];
  const targets = blockTargets(preview, o.allowlist, now);
  const files = o.outDir ? await writeBlockFiles(o.outDir, targets) : undefined;
  let queued = 0;
  let delivery: ChannelReport[] = [];
  if (o.apply) {
    const channels = o.channels ?? channelsFrom(o.notify);
    if (channels.length) {
      const shared = o.stores?.outbox;
      const outbox = shared ? await shared() : await openOutboxStore(o.store);
      try {
        queued = await enqueueAlerts(outbox, channels, alertMessages([...decisions, ...interrupted]));
        if (o.flush !== false) delivery = await flushOutbox(outbox, channels, { onProblem: o.onProblem });
      } finally {
        if (!shared) await outbox.close();
      }
    }
  }
  return { apply: o.apply, decisions, skipped, stored, targets, files, queued, delivery, store: o.store };
}
