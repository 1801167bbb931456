/**
 * A JetStream worker's scoring state, one per partition: each partition it owns has its own rules,
 * source windows, flow-alert limit and finding keys (createBatchScorer), so the alerts of a
 * partition depend on that partition's messages alone, in their stream order — not on which other
 * partitions the worker owns, nor on how their messages interleave with its own (the consumers of
 * a worker's partitions deliver at their own pace). With one state for all of them (before), the
 * rules' clock was the latest flow time of any partition: a partition running ahead (a backlog
 * being caught up, or simply more messages) closed another partition's episodes early, so a
 * 110-s port scan (CIC-IDS2017) became three findings when its partition shared a worker with
 * another, one when it did not (partition-determinism.test.ts); target-keyed rules (floods towards
 * one host) counted every owned partition's sources, and every limit (groups per rule, addresses,
 * sources) evicted by what the whole worker saw.
 *
 * So a partition's rules see its own flows only: all of a source's flows (partitions are a hash of
 * the source address) but of a target only the flows of the sources in that partition. A flood
 * towards one host from sources spread over several partitions is seen per partition, each part
 * against the full threshold (docs/deploy.md). Moving a partition to another worker moves exactly
 * this state, which the new holder rebuilds from the partition's own messages (the rebuild replay).
 *
 * The score stage (detectors, classifier; no state between batches that changes a result) is
 * shared by every partition and swapped for all at once (a stage per partition would be ~12 MB of
 * buffers each, measured). What a partition costs: its rule engine's tables, ~2.7 MB of buffers
 * when empty (measured, the default rules), plus what its traffic fills; the limits (maxSources,
 * maxFindingKeys, the rules' limits) hold per partition, so a worker's bound is the partitions it
 * owns times them. Per message it costs one map lookup: scoring the same messages (4 partitions of
 * 200 flows, alternated in one process, medians) took 2.87 → 2.69 CPU s for replay.pcap's 236,482
 * flows and 2.27 → 2.30 s for ord3.pcap's 120,234 (noise); the drain 0.34 → 0.15 s and 5.2 →
 * 0.27 s (its source windows closed per partition, each source with its own findings: SourceWindows.close).
 */
import type { Alert } from '../analysis/alerts.js';
import type { Finding } from '../detect/finding.js';
import type { Baseline } from '../risk/baseline.js';
import type { TrainedModel } from '../models/trained-model.js';
import { createBatchScorer, scoreStageFor, type BatchScorer, type ScoringSetup, type SharedScoreStage } from './batch-scorer.js';

export class PartitionScorers {
  private readonly scorers = new Map<string, BatchScorer>();
  private readonly stage: SharedScoreStage;

  constructor(private readonly setup: ScoringSetup) {
    this.stage = { current: scoreStageFor(setup, setup) };
  }

  /** the scorer of one partition, by the last token of its subject (made at its first message) */
  of(partition: string): BatchScorer {
    let s = this.scorers.get(partition);
    if (!s) {
      s = createBatchScorer(this.setup, { stage: this.stage, partition });
      this.scorers.set(partition, s);
    }
    return s;
  }

  /** partitions that have state, in number order */
  get partitions(): string[] {
    return [...this.scorers.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }

  /** the next batch of every partition is scored with these models (rule state kept) */
  swapModels(models: { readonly baseline: Baseline; readonly classifier?: TrainedModel }): void {
    this.stage.current = scoreStageFor(this.setup, models);
  }

  /** drain: every partition's open episodes and source windows closed, partition by partition */
  finish(now: number): { alerts: Alert[]; findings: Finding[] } {
    const alerts: Alert[] = [];
    const findings: Finding[] = [];
    for (const p of this.partitions) {
      const last = this.scorers.get(p)!.finish(now);
      alerts.push(...last.alerts);
      findings.push(...last.findings);
    }
    return { alerts, findings };
  }
}

/** The partition of a flow subject (<prefix>.flows.N): its last token. */
export function partitionOfSubject(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}
