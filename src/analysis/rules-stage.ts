/**
 * Stage 2 of the analysis pipeline: the behavioural rules, run before scoring so that a flow's
 * risk can include what its source was doing at the time. Per row it gives the p of the rule
 * evidence about the row's source: the most severe rule with an open episode or a closed finding of
 * that source whose time span, widened by a minute each side, holds the flow's time (a flow without
 * a time: any of them). At the end it gives every finding, drained or final, in
 * one stable order.
 *
 * `push`/`flush` (what the pipeline uses) run the rules over chunks of the flow stream cut by
 * rule-chunks.ts, not over the batches as they come, and hand batches back once their rows'
 * evidence is decided: the same input gives the same findings and evidence whatever its batch size.
 * `observe` runs them over each batch as given and answers at once (the stream worker, whose
 * messages are its unit of work and of acknowledgement).
 */
import type { FlowTable } from '../flows/table.js';
import type { FlowFields } from '../flows/flow-fields.js';
import { createRuleEngine, type RuleEngine, type RuleEngineResult } from '../detect/run-rules.js';
import { compareFindings, findingTriggerRows, type Finding } from '../detect/finding.js';
import type { RulesConfigInput } from '../detect/rules-config.js';
import { ruleP } from './evidence.js';
import { RuleChunks, type RuledBatch } from './rule-chunks.js';

export interface RulesStage {
  /** run the rules over one batch; per row, the p of the rule evidence about its source (0 = none) */
  observe(batch: FlowTable, fields: FlowFields): Float64Array;
  /**
   * Take a batch; the batches whose every row's rule p is now decided, in input order, each with
   * them (see rule-chunks.ts). Not to be mixed with observe on one stage.
   */
  push?(batch: FlowTable, fields: FlowFields): RuledBatch[];
  /** The input has ended: every batch still waiting, decided. */
  flush?(): RuledBatch[];
  /** close every episode: all findings (sorted by compareFindings), each rule's status, input notes */
  finish(): RuleEngineResult;
  /** findings closed since the last call (a long-running consumer stores them as they close) */
  takeFindings?(): Finding[];
  /** episodes that crossed their threshold since the last call, still open (a live capture prints them at once) */
  takeOpened?(): Finding[];
}

/** a drained finding as flows of its source look it up */
interface ClosedFinding {
  readonly severity: number;
  readonly first: number;
  readonly last: number;
  /** the engine row that crossed its threshold (findingTriggerRows), -Infinity when unknown */
  readonly from: number;
}

/**
 * within this many milliseconds of a closed finding or an open episode (between its first and last
 * flow), a flow of its source carries its evidence: one rule for both, so a scan at 18:00 lends
 * nothing to the same host's flows of 09:00 in the same chunk whether or not it has closed yet
 */
const EVIDENCE_MARGIN_MS = 60_000;

/** where a finding or episode lends its evidence: flows of its source with from <= time <= to */
interface Span {
  readonly severity: number;
  readonly from: number;
  readonly to: number;
  /**
   * in arrival order (RulesStageOptions.arrivalOrder): the first engine row it lends to, the one
   * that crossed the threshold; -Infinity for every row
   */
  readonly fromRow: number;
}

/** Spans most severe first, those of one severity that overlap or touch merged into one (same union). */
function mergeSpans(spans: Span[]): Span[] {
  if (spans.length === 1) return spans;
  spans.sort((a, b) => a.severity - b.severity || a.from - b.from);
  const out: Span[] = [];
  let cur = spans[0];
  for (let i = 1; i < spans.length; i++) {
    const e = spans[i];
    if (e.severity === cur.severity && e.fromRow === cur.fromRow && e.from <= cur.to) {
      if (e.to > cur.to) cur = { severity: cur.severity, from: cur.from, to: e.to, fromRow: cur.fromRow };
    } else {
      out.push(cur);
      cur = e;
    }
  }
  out.push(cur);
  return out;
}

/** How a long-running consumer (the stream worker) keeps the stage's memory bounded. */
export interface RulesStageOptions {
  /**
   * Findings handed out by takeFindings are not kept for finish() (which then gives only those not
   * taken yet, and the episodes it closes): a worker that runs for weeks stores findings as they
   * close and would otherwise hold every one of them.
   */
  readonly forgetTaken?: boolean;
  /**
   * Closed findings stop lending their evidence to a source's flows once the latest flow time seen
   * is this many milliseconds past their end (plus the one-minute margin): without it the map of
   * closed findings grows with every finding for as long as the process runs. Flows out of order by
   * more than this lose that evidence; analyze of a file keeps everything (its input is finite and
   * may be in any order).
   */
  readonly closedRetentionMs?: number;
  /**
   * Flows per chunk for push (rule-chunks.ts): analyze's default batch size, so a file read in
   * default batches gives today's chunks; 0 = every batch its own chunk (a live capture, whose
   * batches are cut by time and which must report as it goes).
   */
  readonly chunkRows?: number;
  /**
   * observe as a stream worker: each flow judged as if it had come alone, on the flows before it
   * (the rules visit a batch in arrival order, RuleEngineOptions.arrivalOrder, and a flow takes no
   * evidence from an episode that crossed its threshold on a later flow of its batch), so results
   * do not depend on how the flows were batched
   */
  readonly arrivalOrder?: boolean;
}

/** analyze's default --batch-rows, and the rules' chunk of the flow stream */
export const RULE_CHUNK_ROWS = 65536;

export function createRulesStage(rules: RulesConfigInput = {}, o: RulesStageOptions = {}): RulesStage {
  const engine = createRuleEngine(rules, { arrivalOrder: o.arrivalOrder });
  const arrival = o.arrivalOrder === true;
  /** engine rows seen before the batch being decided (the engine counts them alike) */
  let rowsSeen = 0;
  let drained: Finding[] = [];
  let taken = 0;
  const closedBySource = new Map<string, ClosedFinding[]>();
  const retention = o.closedRetentionMs;
  let latest = -Infinity;
  let closedEntries = 0;
  let sweepAt = 1024;
  /** drop closed findings that ended before the watermark (amortised: when the count has doubled) */
  const sweepClosed = (): void => {
    if (retention === undefined || closedEntries < sweepAt) return;
    const before = latest - retention - EVIDENCE_MARGIN_MS;
    closedEntries = 0;
    for (const [ip, list] of closedBySource) {
      const kept = list.filter((e) => e.last >= before);
      if (kept.length) closedBySource.set(ip, kept);
      else closedBySource.delete(ip);
      closedEntries += kept.length;
    }
    sweepAt = Math.max(1024, 2 * closedEntries);
  };
  /** run the rules over one batch (its fields), then each row's rule p */
  const decide = (ff: FlowFields, format: string): Float64Array => {
    const rowCount = ff.rowCount;
    const firstRow = rowsSeen;
    rowsSeen += rowCount;
    engine.observeFields(ff, format);
    if (retention !== undefined && ff.time) latest = latestOf(ff.time, rowCount, latest);
    closedEntries += keepClosed(engine.drain(), drained, closedBySource);
    sweepClosed();
    const out = new Float64Array(rowCount);
    if (!ff.srcIp || !(closedBySource.size || engine.hasActiveSources())) return out;
    lendEvidence(out, ff, engine, closedBySource, arrival ? firstRow : -1);
    return out;
  };
  const chunks = new RuleChunks(o.chunkRows ?? RULE_CHUNK_ROWS, decide);
  return {
    observe: (batch, ff) => decide(ff, batch.format),
    push: (batch, ff) => chunks.push(batch, ff),
    flush: () => chunks.flush(),
    takeOpened: () => engine.opened(),
    takeFindings() {
      const fresh = drained.slice(taken);
      if (o.forgetTaken) {
        drained = [];
        taken = 0;
      } else taken = drained.length;
      return fresh;
    },
    finish() {
      const finished = engine.finish();
      return { ...finished, findings: [...drained, ...finished.findings].sort(compareFindings) };
    },
  };
}


/** Findings into `drained`, and those with a source into `closedBySource`; returns how many of those. */
function keepClosed(findings: readonly Finding[], drained: Finding[], closedBySource: Map<string, ClosedFinding[]>): number {
  let kept = 0;
  for (const f of findings) {
    drained.push(f);
    if (!f.srcIp) continue;
    const first = f.firstSeen ? Date.parse(f.firstSeen) : -Infinity;
    // a finding of one flow (most of a capture's: a bogon source seen once) has one time, parsed once
    const last = f.lastSeen ? (f.lastSeen === f.firstSeen ? first : Date.parse(f.lastSeen)) : Infinity;
    const list = closedBySource.get(f.srcIp) ?? [];
    list.push({ severity: f.severity, first, last, from: findingTriggerRows.get(f) ?? -Infinity });
    closedBySource.set(f.srcIp, list);
    kept++;
  }
  return kept;
}

/** The latest of `latest` and time[0..n) (NaN times left out). */
function latestOf(time: Float64Array, n: number, latest: number): number {
  for (let r = 0; r < n; r++) if (time[r] > latest) latest = time[r];
  return latest;
}

/**
 * Each row's rule p into `out`: the most severe span of its source (open episodes, closed findings)
 * that holds its time. Functions of their own, not loops in decide: the rules stage runs once per
 * chunk of 65,536 flows, so its loops are only ever compiled on the stack, and each such compile of
 * the whole decide (twice per capture) cost as much as all of these.
 */
/**
 * `firstRow` >= 0 (arrival order): the engine row of the batch's row 0, and a span lends only to rows
 * from the one that crossed its threshold on (the same flow alone would not have had it before)
 */
function lendEvidence(out: Float64Array, ff: FlowFields, engine: RuleEngine, closedBySource: Map<string, ClosedFinding[]>, firstRow: number): void {
  const rowCount = ff.rowCount;
  const codes = (ff.srcIp as NonNullable<FlowFields['srcIp']>).codes;
  const dict = (ff.srcIp as NonNullable<FlowFields['srcIp']>).dictionary;
  const time = ff.time;
  // per address code, gathered once a batch: the spans of its open episodes and closed findings,
  // most severe first, overlapping ones of a severity merged (a row then tries a few at most)
  const spansOf: (Span[] | null | undefined)[] = new Array(dict.length);
  const anyActive = engine.hasActiveSources();
  // the engine's address id of each row's source: asked by id, not by text (a Map lookup of
  // the address text per source); an address the batch wrote with spaces around it was never
  // found by its text, so it stays without an open episode here too
  const srcIds = engine.lastSourceIds();
  // gathered into one array, copied out only for a source that has any (most have none)
  const spans: Span[] = [];
  // a span that crossed its threshold before the batch lends to all of it (-Infinity, so such
  // spans still merge), as does every span outside arrival order
  const addSpan = (severity: number, first: number, last: number, triggerRow?: number): void => {
    const fromRow = firstRow >= 0 && triggerRow !== undefined && triggerRow > firstRow ? triggerRow : -Infinity;
    spans.push({ severity, from: first - EVIDENCE_MARGIN_MS, to: last + EVIDENCE_MARGIN_MS, fromRow });
  };
  /** the spans of row r's source, asked per source, not a map of every open episode built after every batch (issue 13) */
  const spansOfSource = (ip: string, r: number): Span[] | null => {
    spans.length = 0;
    if (anyActive) {
      if (srcIds) {
        if (ip === ip.trim()) engine.activeSpansOfId(srcIds[r], addSpan);
      } else engine.activeSpans(ip, addSpan);
    }
    const closed = closedBySource.get(ip);
    if (closed) for (const e of closed) addSpan(e.severity, e.first, e.last, e.from);
    return spans.length ? mergeSpans(spans.slice()) : null;
  };
  for (let r = 0; r < rowCount; r++) {
    const c = codes[r];
    if (c < 0) continue;
    let list = spansOf[c];
    if (list === undefined) list = spansOf[c] = spansOfSource(dict[c], r);
    if (list === null) continue;
    const t = time ? time[r] : NaN;
    const row = firstRow + r;
    // a flow without a time: every span lends to it (the most severe is first)
    if (!(t === t)) {
      for (let k = 0; k < list.length; k++) {
        if (row >= list[k].fromRow) {
          out[r] = ruleP(list[k].severity);
          break;
        }
      }
      continue;
    }
    for (let k = 0; k < list.length; k++) {
      const e = list[k];
      if (t >= e.from && t <= e.to && row >= e.fromRow) {
        out[r] = ruleP(e.severity);
        break;
      }
    }
  }
}
