/**
 * What the rule engine asks of every rule, whether it is a bucket spec (bucket.ts) or has state of
 * its own (ttl-hops.ts): see batches, close what went idle, hand over findings, re-key after the
 * address table is compacted, and say how much state it holds.
 *
 * Not here: scheduling or status wording (run-rules.ts), any rule logic.
 */
import type { FlowFieldName } from '../flows/flow-fields.js';
import type { Batch } from './batch.js';
import type { Finding, FindingCategory, Severity } from './finding.js';
import type { IpInterner } from './ip-interner.js';
import type { OpenSourceCounts } from './open-by-source.js';

export interface RuleInfo {
  readonly id: string;
  readonly title: string;
  readonly category: FindingCategory;
  readonly severity: Severity;
  /** fields without which the rule cannot run on a batch */
  readonly requires: readonly FlowFieldName[];
}

export interface ActiveRuleSource {
  severity: number;
  rules: string[];
}

export interface RuleRunner {
  readonly info: RuleInfo;
  observe(b: Batch): void;
  /**
   * Close groups idle since before `watermarkMs` minus the rule's window (every group when
   * `force`), turning open episodes into findings and dropping the rest.
   */
  sweep(watermarkMs: number, force: boolean): void;
  /** findings closed since the last call */
  drain(): Finding[];
  /** called inside IpInterner.compact: map every address id the rule holds */
  remapIds(remap: (oldId: number) => number): void;
  /** groups (keys) currently held */
  groups(): number;
  /**
   * Sources in an episode that has already crossed the rule's capacity but not yet closed, with the
   * rule's severity (the most severe kept when several): lets analysis give a scanning source's
   * flows the rule's evidence while the scan is still going on.
   */
  activeSources?(into: Map<string, ActiveRuleSource>): void;
  /** whether the source with this address id is in such an episode (what activeSources lists, for one source) */
  inOpenEpisode?(srcId: number): boolean;
  /**
   * The first and last flow time of each such episode of the source (-Infinity, Infinity when its
   * flows had no times): the analysis lends an open episode's evidence only to flows near it;
   * `triggerRow`, when the rule knows it: the engine row that crossed the threshold (Episode.triggerRow).
   */
  openSpans?(srcId: number, visit: (firstMs: number, lastMs: number, triggerRow?: number) => void): void;
  /**
   * the watermark (latest flow time seen) at which the rule's next sweep falls due: an engine that
   * visits flows in arrival order cuts a batch there (run-rules.ts)
   */
  nextSweepMs?(): number;
  /** whether activeSources would list any source */
  hasOpenSources?(): boolean;
  /**
   * Episodes that crossed the rule's capacity since the last call, each once, as a finding as it
   * stands now (still open: it closes later with the full count): a live capture prints them at once.
   */
  opened?(into: Finding[]): void;
  /** things a user should know about this run (memory pressure, skipped rows) */
  notes(): string[];
}

/** Limits shared by all rules; see rules-config.ts for their meaning and defaults. */
export interface RuleLimits {
  readonly maxGroupsPerRule: number;
  readonly maxTrackedDistinct: number;
  readonly sampleSize: number;
}

/**
 * Per-batch working arrays, shared by the rules because they run one after the other: one set for
 * the engine instead of one per rule (on a million-row batch that is 25 MB, not 25 MB per rule).
 */
export class Scratch {
  ok: Uint8Array = new Uint8Array(0);
  keys1: Float64Array = new Float64Array(0);
  keys2: Float64Array = new Float64Array(0);
  values: Float64Array = new Float64Array(0);
  ensure(n: number): void {
    if (this.ok.length >= n) return;
    this.ok = new Uint8Array(n);
    this.keys1 = new Float64Array(n);
    this.keys2 = new Float64Array(n);
    this.values = new Float64Array(n);
  }
}

export interface RuleContext {
  readonly interner: IpInterner;
  readonly limits: RuleLimits;
  readonly scratch: Scratch;
  /** sources with an open episode in any rule (rules with OpenBySource tables keep it), when the engine asks */
  readonly openSources?: OpenSourceCounts;
}
