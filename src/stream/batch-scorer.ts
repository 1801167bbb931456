/**
 * The scoring a stream worker does to a batch of flows, with no NATS in it: analyze's own stages
 * (RulesStage → ScoreStage → alerts) kept running between batches, with the per-source flow-alert
 * limit and the risky-source windows of a process that never reaches the end of its input. One
 * scorer is one key space's state: the JetStream worker has one per partition it owns
 * (partition-scorers.ts), `stream --stdin`/`--interface`/`--follow` one for their single input.
 */
import { flowFields } from '../flows/flow-fields.js';
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { InputError, UserError } from '../util/errors.js';
import { createRulesStage, type RulesStage } from '../analysis/rules-stage.js';
import { createScoreStage, type ScoreStage, type ScoredFlows } from '../analysis/score-stage.js';
import { findingAlertInput, flowAlert, keyedAlert, type Alert } from '../analysis/alerts.js';
import { alertKey } from '../report/eve-alert.js';
import { FlowAlertGate, type FlowAlertLimitSettings } from '../analysis/flow-alert-limit.js';
import type { Finding } from '../detect/finding.js';
import type { IpRow } from '../report/analysis-result.js';
import { foldSourceFindings } from '../detect/fold-source-findings.js';
import type { Baseline } from '../risk/baseline.js';
import type { TrainedModel } from '../models/trained-model.js';
import { resolveRulesConfig, type RulesConfigInput } from '../detect/rules-config.js';
import type { ScoringWeights } from '../risk/flow-scorer.js';
import { BoundedKeys } from './bounded-keys.js';
import { SourceWindows, SUPPRESSED, WRITTEN } from './source-windows.js';
import { windowAlerts } from './window-alerts.js';
import { DEFAULT_MAX_FINDING_KEYS, DEFAULT_MAX_SOURCES, DEFAULT_SOURCE_WINDOW_SECONDS } from './stream-defaults.js';

export interface ScoringSetup {
  readonly baseline: Baseline;
  readonly classifier?: TrainedModel;
  readonly rules?: RulesConfigInput;
  readonly weights?: ScoringWeights & { readonly rules?: number };
  readonly flowThreshold: number;
  /** finding keys remembered to emit each once (bounded: the oldest are evicted, see bounded-keys.ts) */
  readonly maxFindingKeys?: number;
  /** told how many keys a bounded set evicted */
  readonly onEvict?: (set: string, n: number) => void;
  /** risky-source alerts (source-windows.ts): source risk threshold (config thresholds.ip); none when undefined */
  readonly ipThreshold?: number;
  /** flow-time length of a source's window, seconds */
  readonly sourceWindowSeconds?: number;
  /**
   * open source windows kept (the least recently seen is closed early beyond it), and sources whose
   * flow-alert counts are kept (the least recently limited forgotten beyond it)
   */
  readonly maxSources?: number;
  /** at most N flow alerts per source per window of flow time (flow-alert-limit.ts); undefined = every risky flow an alert */
  readonly flowAlertLimit?: FlowAlertLimitSettings;
  /**
   * keep one risky-source alert per flood sender (marked floodSender) instead of folding them into
   * one per flooded host: `stream --respond` with `respond.banFloodSenders: true`, which bans them
   */
  readonly keepFloodSenderAlerts?: boolean;
  /**
   * a flow the model cannot score (text in a column it has as numbers: an error naming its file,
   * line and column) is left out of its batch (before the rules see it) and told here, the batch's
   * other flows scored; without it the error ends the batch before the rules see any of it (the
   * JetStream worker rejects the whole message instead, its rule state as it was)
   */
  readonly onUnscorable?: (problem: string) => void;
  /**
   * what was assumed in reading a batch's flows (flowFields' notes: times without a UTC offset read
   * as UTC, IPv4-mapped addresses read as IPv4, ...), told for every batch: analyze says them in its
   * summary and report, the worker on stderr (the verb says each once)
   */
  readonly onInputNotes?: (notes: readonly string[]) => void;
}

export { DEFAULT_MAX_FINDING_KEYS } from './stream-defaults.js';

/** What scoring a batch gave. */
export interface BatchScore {
  alerts: Alert[];
  findings: Finding[];
  /** per row of `scored` */
  risk: Float64Array;
  suppressed: number;
  /** the rows scored: the batch, less the flows left out as unscorable (ScoringSetup.onUnscorable) */
  scored: FlowTable;
  /** flows left out */
  unscorable: number;
}

/** The scoring part, with no NATS in it: decode-free, per batch. Also what `stream --stdin` runs. */
export interface BatchScorer {
  readonly rules: RulesStage;
  /** the current score stage (replaced by swapModels) */
  readonly score: ScoreStage;
  /**
   * hot swap: the next batch is scored with these models (the next batch of every scorer sharing
   * this one's score stage); rule state and source windows are kept.
   * Between batches by construction (a worker handles one message at a time), so no message is
   * scored half with each model and none is dropped.
   */
  swapModels(models: { readonly baseline: Baseline; readonly classifier?: TrainedModel }): void;
  /** the per-source flow-alert limit (off when the setup gives none): its counts and evictions */
  readonly gate: FlowAlertGate;
  /**
   * score one batch: its flow alerts, the alerts of findings the rules closed meanwhile, and of
   * risky sources whose window closed; `suppressed`: its risky flows the per-source limit gave no alert
   */
  scoreBatch(batch: FlowTable, now: number): BatchScore;
  /**
   * replay a batch to rebuild state after a restart (rules, source windows and the flow-alert
   * limit's counts; no flow alerts): the alerts of findings and source windows it closes again (the
   * store has them: no-ops)
   */
  replay(batch: FlowTable, now: number): { alerts: Alert[]; findings: Finding[] };
  /**
   * findings made beside the rules (a live capture's packet detectors, as they open): the alerts of
   * those not returned before (by their alert's key, so the same finding given again at the end is
   * not raised twice), and each joins its source's window as a rule finding does
   */
  addFindings(list: readonly Finding[], now: number): { alerts: Alert[]; findings: Finding[] };
  /**
   * close every open episode and source window: the alerts and findings not returned before;
   * `extra`, findings made beside the rules that close now (the packet detectors' at the end)
   */
  finish(now: number, extra?: readonly Finding[]): { alerts: Alert[]; findings: Finding[] };
}

/**
 * The score stage of a setup's models. It keeps nothing between batches that changes a result (its
 * buffers and caches only), so the partitions of a worker share one (partition-scorers.ts): about
 * 12 MB of buffers each, measured, that one partition's rules do not need to repeat.
 */
export function scoreStageFor(o: ScoringSetup, models: { readonly baseline: Baseline; readonly classifier?: TrainedModel }): ScoreStage {
  return createScoreStage({ baseline: models.baseline, classifier: models.classifier, weights: { ...o.weights, rules: o.weights?.rules ?? 1 }, flowThreshold: o.flowThreshold });
}

/** A score stage several batch scorers use, swapped for all of them at once. */
export interface SharedScoreStage {
  current: ScoreStage;
}

/**
 * One key space's scorer: rule state, source windows and flow-alert limit over the batches it is
 * given. A JetStream worker has one per partition (partition-scorers.ts), sharing `shared.stage`;
 * `shared.partition` then goes into the keys of findings with no source (a flood towards a target
 * seen by several partitions: each partition's finding is its own alert, not one the first to
 * commit wins).
 */
export function createBatchScorer(o: ScoringSetup, shared?: { readonly stage: SharedScoreStage; readonly partition: string }): BatchScorer {
  // a worker runs for weeks: findings it has stored are not kept, closed ones stop counting an hour
  // (of flow time) after they end
  // in arrival order: a flow is judged on the flows before it, whatever the batch (message) it came in
  const rules = createRulesStage(o.rules ?? {}, { forgetTaken: true, closedRetentionMs: CLOSED_RETENTION_MS, arrivalOrder: true });
  const ruleWeight = o.weights?.rules ?? 1;
  const stage: SharedScoreStage = shared?.stage ?? { current: scoreStageFor(o, o) };
  const sourceless = shared ? `partition:${shared.partition}` : '';
  const emitted = new BoundedKeys(o.maxFindingKeys ?? DEFAULT_MAX_FINDING_KEYS, (n) => o.onEvict?.('findings', n));
  // the findings not emitted before (by their alert's key) and those keys, for alertOf: the key is
  // made once per finding, and no alert record just to read a key off it
  const sampleSize = resolveRulesConfig(o.rules ?? {}).limits.sampleSize;
  const fresh = (list: readonly Finding[]): { findings: Finding[]; keys: string[] } => {
    const findings: Finding[] = [];
    const keys: string[] = [];
    for (const f of list) {
      const key = alertKey(findingAlertInput(f), f.srcIp === null ? sourceless : '');
      if (!emitted.add(key)) continue;
      findings.push(f);
      keys.push(key);
    }
    return { findings, keys };
  };
  // findingAlert(f, now, its extra key), keyed by fresh
  const alertOf = (f: Finding, key: string, now: number): Alert => keyedAlert(findingAlertInput(f), key, now);
  const maxSources = o.maxSources ?? DEFAULT_MAX_SOURCES;
  // no global cap in a worker (it has no end to count to): only the per-source limit
  const gate = new FlowAlertGate(o.flowAlertLimit, 0, { maxSources, onEvict: (n) => o.onEvict?.('flow-alert-sources', n) });
  const limited = gate.limited;
  const windows =
    o.ipThreshold === undefined
      ? undefined
      : new SourceWindows({
          windowMs: (o.sourceWindowSeconds ?? DEFAULT_SOURCE_WINDOW_SECONDS) * 1000,
          maxSources,
          ipThreshold: o.ipThreshold,
          ruleWeight,
          onEvict: (n) => o.onEvict?.('sources', n),
          countFlowAlerts: limited,
        });
  let rulesRows = 0;
  const run = (batch: FlowTable, now: number, flowAlerts: boolean): BatchScore => {
    // What the models cannot score is found before the rules see anything: a message rejected
    // (term'd) or a flow left out must not count toward a scan, flood or brute force, nor open an
    // episode its source is then judged by. Before, the rules had already counted a message's
    // flows when the scoring refused it, so a rejected message still made findings (and a
    // rebuild's replay, which does not score, fed them to the rules again). All its bad rows are
    // found in one look (the batch was scored once more per bad row: quadratic in them).
    let unscorable = 0;
    const problems = stage.current.problems(batch);
    if (problems.missingError) throw problems.missing.length === problems.needed.length ? new NoModelColumns(problems.missingError, problems.missing, batch) : problems.missingError;
    if (problems.rows.size) {
      const bad = [...problems.rows.keys()].sort((a, b) => a - b);
      if (!o.onUnscorable) throw problems.rows.get(bad[0])!;
      for (const r of bad) o.onUnscorable(problems.rows.get(r)!.message);
      unscorable = bad.length;
      const keep: number[] = [];
      for (let r = 0, k = 0; r < batch.rowCount; r++) {
        if (r === bad[k]) k++;
        else keep.push(r);
      }
      batch = takeTableRows(batch, keep);
    }
    let ff = flowFields(batch);
    if (o.onInputNotes && ff.notes.length) o.onInputNotes(ff.notes);
    // the rules engine's row of the batch's row 0 (source windows cut a batch at rows it names)
    const firstRow = rulesRows;
    rulesRows += batch.rowCount;
    let ruleP = rules.observe(batch, ff);
    // the bogon-source findings of a flood from forged sources that close together, one per target (as analyze)
    const { findings, keys } = fresh(foldSourceFindings(rules.takeFindings!(), sampleSize));
    const alerts: Alert[] = [];
    let risk: Float64Array = new Float64Array(0);
    const suppressedBefore = gate.suppressed;
    // a replay scores too when the limit is on: its counts are rebuilt from the risky flows
    if (flowAlerts || windows || limited) {
      let scored: ScoredFlows;
      // problems() finds what transformRows refuses; should a model refuse a flow it did not
      // foresee, that flow is still left out and the rest scored again (the rules have seen it then)
      for (;;) {
        try {
          scored = stage.current.score(batch, ff, ruleP, 0);
          break;
        } catch (e) {
          const bad = o.onUnscorable ? rowNamedBy(e, batch) : -1;
          if (bad < 0) throw e;
          o.onUnscorable!((e as Error).message);
          unscorable++;
          const keep = Array.from({ length: batch.rowCount - 1 }, (_, i) => (i < bad ? i : i + 1));
          batch = takeTableRows(batch, keep);
          ff = flowFields(batch);
          ruleP = Float64Array.from(keep, (i) => ruleP[i]);
        }
      }
      risk = scored.risk;
      let decisions: Uint8Array | undefined;
      if (limited) {
        if (windows) decisions = new Uint8Array(scored.rows);
        for (let r = 0; r < scored.rows; r++) {
          if (!(scored.risk[r] >= o.flowThreshold)) continue;
          const written = gate.decide(scored.srcIp(r), scored.time(r), scored.dstIp(r)) === 'written';
          if (decisions) decisions[r] = written ? WRITTEN : SUPPRESSED;
          if (written && flowAlerts) alerts.push(flowAlert(scored, r, now));
        }
      } else if (flowAlerts) for (let r = 0; r < scored.rows; r++) if (scored.risk[r] >= o.flowThreshold) alerts.push(flowAlert(scored, r, now));
      for (let i = 0; i < findings.length; i++) alerts.push(alertOf(findings[i], keys[i], now));
      if (windows) sourceAlerts(windows, windows.add(scored, findings, decisions, firstRow), alerts, now);
    } else for (let i = 0; i < findings.length; i++) alerts.push(alertOf(findings[i], keys[i], now));
    return { alerts, findings, risk, suppressed: gate.suppressed - suppressedBefore, scored: batch, unscorable };
  };
  const windowOptions = { gate, sampleSize, sourceless, keepFloodSenderAlerts: o.keepFloodSenderAlerts };
  // the risky-source alerts of the windows that closed, flood senders folded (window-alerts.ts)
  const sourceAlerts = (w: SourceWindows, rows: readonly IpRow[], alerts: Alert[], now: number): void => windowAlerts(w, rows, windowOptions, now, alerts);
  return {
    rules,
    get score() {
      return stage.current;
    },
    gate,
    swapModels(models) {
      stage.current = scoreStageFor(o, models);
    },
    scoreBatch: (batch, now) => run(batch, now, true),
    replay: (batch, now) => run(batch, now, false),
    addFindings(list, now) {
      const { findings, keys } = fresh(list);
      const alerts = findings.map((f, i) => alertOf(f, keys[i], now));
      windows?.attachFindings(findings);
      return { alerts, findings };
    },
    finish(now, extra = []) {
      const { findings, keys } = fresh([...foldSourceFindings(rules.finish().findings, sampleSize), ...extra]);
      const alerts = findings.map((f, i) => alertOf(f, keys[i], now));
      if (windows) sourceAlerts(windows, windows.finish(findings), alerts, now);
      return { alerts, findings };
    },
  };
}

/**
 * A batch with none of the models' input columns (the error says the first one missing, as
 * transformRows does): the input is another data set's, or the baseline was made from one. The
 * JetStream worker tells this apart from a message lacking some columns (stream-worker.ts: a stream
 * of such messages ends it with one error, instead of a rejection per message forever).
 */
export class NoModelColumns extends UserError {
  /** the batch's own feature columns */
  readonly have: string[];
  constructor(
    readonly first: InputError,
    /** every column the models need */
    readonly missing: readonly string[],
    batch: FlowTable,
  ) {
    super(first.message);
    this.have = batch.columns.filter((c) => c.role === 'feature').map((c) => c.name);
  }
}

/** The row of `batch` an input error names by its file and line, or -1. */
function rowNamedBy(e: unknown, batch: FlowTable): number {
  if (!(e instanceof InputError) || e.place.line === undefined || !batch.origin) return -1;
  const { files, file, line } = batch.origin;
  for (let r = 0; r < batch.rowCount; r++) if (line[r] === e.place.line && (e.place.file === undefined || files[file[r]] === e.place.file)) return r;
  return -1;
}

/** how long (flow time) after its end a closed finding still lends its evidence to its source's flows in a worker */
const CLOSED_RETENTION_MS = 3_600_000;

