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

export interface RuleInfo {
  readonly id: string;
  readonly title: string;
  readonly category: FindingCategory;
  readonly severity: Severity;
  /** fields without which the rule cannot run on a batch */
  readonly requires: readonly FlowFieldName[];
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
  /** things a user should know about this run (memory pressure, skipped rows) */
  notes(): string[];
}

/** Limits shared by all rules; see rules-config.ts for their meaning and defaults. */
export interface RuleLimits {
  readonly maxGroupsPerRule: number;
  readonly maxTrackedDistinct: number;
  readonly sampleSize: number;
}

export interface RuleContext {
  readonly interner: IpInterner;
  readonly limits: RuleLimits;
}
