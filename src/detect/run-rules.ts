/**
 * Runs every behavioural rule over a stream of flow batches: `observe` each batch as it is read,
 * `drain` findings closed so far (for live use), `finish` at the end for the rest and each rule's
 * status. Rules need no training; they complement the learned detectors, and like them they only
 * report: what to do about a finding is the policy's business.
 *
 * Per batch: canonical fields (flow-fields.ts), one shared batch view (addresses interned, flags,
 * time order), each rule whose fields are present, then a sweep of groups that went quiet (each
 * rule sweeps once event time has moved on by its window). A rule that cannot run on the input says
 * why in its status (NSL-KDD has no addresses; no GeoIP database; disabled in the configuration)
 * instead of silently finding nothing.
 *
 * Input without timestamps is one window: every rule sees the whole input at once (and findings
 * carry no times); the status notes say so.
 *
 * Not here: reading files, learned models, fusing scores into risk, decisions.
 */
import { flowFields, missingFieldsReason, type FlowFields } from '../flows/flow-fields.js';
import type { FlowTable } from '../flows/table.js';
import { buildBatch, sliceBatch, type Batch } from './batch.js';
import { sliceFields } from '../analysis/rule-chunks.js';
import { BeaconRunner } from './beaconing.js';
import { BucketRunner, type BucketRule } from './bucket.js';
import { bruteForceRule } from './brute-force.js';
import { compareFindings, findingClosedRows, type Finding, type RuleStatus } from './finding.js';
import { floodRules } from './flood.js';
import { openGeoIp, preloadGeoIp, type GeoIp, type GeoIpOpen } from './geoip.js';
import { IpInterner } from './ip-interner.js';
import { OpenSourceCounts } from './open-by-source.js';
import { hostSweepRule, verticalScanRule } from './port-scan.js';
import { Scratch, type ActiveRuleSource, type RuleContext, type RuleInfo, type RuleRunner } from './rule-runner.js';
import { resolveRulesConfig, type RulesConfig, type RulesConfigInput } from './rules-config.js';
import { spoofingRules } from './spoofing.js';
import { TtlHopRunner } from './ttl-hops.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

export interface RuleEngineOptions {
  /**
   * An opened GeoIP database, or the result of `openGeoIp` (possibly off), or null for none.
   * When left out, the engine opens what `rules.geoip` configures, but only if a rule needs it.
   */
  readonly geoip?: GeoIp | GeoIpOpen | null;
  /**
   * Visit each batch's flows as they came, as if each had come alone (a stream worker, whose
   * results must not depend on how its flows were batched): no sort by time within a batch, and the
   * rules sweep after the flow that brings their sweep due, not after the batch. Without it (analyze,
   * captures) a batch is visited in time order and swept after its last flow.
   */
  readonly arrivalOrder?: boolean;
}

export interface RuleEngineResult {
  /** findings not yet taken by `drain`, most severe first */
  readonly findings: Finding[];
  readonly status: RuleStatus[];
  /** what was assumed about the input (units, time zone, empty columns) and how the run went, once each */
  readonly inputNotes: string[];
}

export interface RuleEngine {
  readonly config: RulesConfig;
  /** Run the rules over one batch; `fields` when the caller already computed them. */
  observe(table: FlowTable, fields?: FlowFields): void;
  /** Run the rules over one batch given by its fields alone (a chunk joined from several batches: rule-chunks.ts). */
  observeFields(fields: FlowFields, format: string): void;
  /** Findings whose episodes have closed so far (each finding is returned once). */
  drain(): Finding[];
  /** Close every open episode; the remaining findings and every rule's status. */
  finish(): RuleEngineResult;
  /** Groups held per rule, for tests and memory reports. */
  groups(): Record<string, number>;
  /** Sources in an open episode past a rule's capacity right now, with the most severe rule. */
  activeSources(): Map<string, ActiveRuleSource>;
  /**
   * For one source (address text as the batch wrote it): the most severe rule with an episode about
   * it past its capacity right now, or 0 for none; what activeSources().get(ip)?.severity says,
   * without building the map (a stream asks after every small batch while thousands are open).
   */
  activeSeverity(ip: string): number;
  /**
   * activeSeverity for the source of each row of the batch just observed, by the address id the
   * engine gave it: `ids` per row (-1 for none), or null when the batch had no source column. The
   * ids are valid until the next observe; a caller asking per source saves a text lookup each.
   */
  lastSourceIds(): Int32Array | null;
  /** activeSeverity of the source with this id (from lastSourceIds) */
  activeSeverityOfId(id: number): number;
  /**
   * Each open episode past a rule's capacity about the source with this id (from lastSourceIds):
   * its rule's severity and its first and last flow time (-Infinity, Infinity when untimed).
   */
  activeSpansOfId(id: number, visit: (severity: number, firstMs: number, lastMs: number, triggerRow?: number) => void): void;
  /** activeSpansOfId for a source given by its address text as the batch wrote it */
  activeSpans(ip: string, visit: (severity: number, firstMs: number, lastMs: number, triggerRow?: number) => void): void;
  /** whether activeSources() would be empty */
  hasActiveSources(): boolean;
  /** Episodes that crossed their threshold since the last call (still open), each once. */
  opened(): Finding[];
}

interface Entry {
  readonly info: RuleInfo;
  readonly runner: RuleRunner | null;
  /** why the rule cannot run whatever the input (configuration, GeoIP) */
  readonly off: string | null;
  ran: number;
  skipped: number;
  skipReason: string | null;
}

/** Whether a rule of this configuration looks sources up in the GeoIP database. */
function rulesNeedGeoIp(config: RulesConfig): boolean {
  return (config.spoofing.enabled && config.spoofing.noLocation) || config.geoPolicy.countries.length > 0 || config.geoPolicy.asns.length > 0;
}

/**
 * Start reading what createRuleEngine(input) will open (the GeoIP databases, when a rule needs
 * them) on the thread pool, so the engine's synchronous open does not block for it. Call it early;
 * await it just before creating the engine. Never rejects: a bad configuration or file is reported
 * by createRuleEngine as before.
 */
export async function preloadRuleData(input: RulesConfig | RulesConfigInput = {}): Promise<void> {
  let config: RulesConfig;
  try {
    config = resolveRulesConfig(input);
  } catch {
    return;
  }
  if (rulesNeedGeoIp(config)) await preloadGeoIp(config.geoip);
}

function isGeoIp(g: GeoIp | GeoIpOpen): g is GeoIp {
  return typeof (g as GeoIp).lookup === 'function';
}

export function createRuleEngine(input: RulesConfig | RulesConfigInput = {}, opts: RuleEngineOptions = {}): RuleEngine {
  const config = resolveRulesConfig(input);
  const arrivalOrder = opts.arrivalOrder === true;
  const interner = new IpInterner();
  const openSources = new OpenSourceCounts();
  const ctx: RuleContext = {
    interner,
    limits: { maxGroupsPerRule: config.limits.maxGroupsPerRule, maxTrackedDistinct: config.limits.maxTrackedDistinct, sampleSize: config.limits.sampleSize },
    scratch: new Scratch(),
    openSources,
  };

  const needsGeo = rulesNeedGeoIp(config);
  let geoip: GeoIp | null = null;
  let geoipOff: string | null = null;
  if (opts.geoip === null) geoipOff = 'no GeoIP database was given';
  else if (opts.geoip !== undefined) {
    if (isGeoIp(opts.geoip)) geoip = opts.geoip;
    else if (opts.geoip.state === 'on') geoip = opts.geoip.geoip;
    else geoipOff = opts.geoip.reason;
  } else if (needsGeo) {
    const g = openGeoIp(config.geoip);
    if (g.state === 'on') geoip = g.geoip;
    else geoipOff = g.reason;
  } else geoipOff = 'no rule needs GeoIP';

  const entries: Entry[] = [];
  const add = (info: RuleInfo, runner: RuleRunner | null, off: string | null): void => {
    entries.push({ info, runner: off ? null : runner, off, ran: 0, skipped: 0, skipReason: null });
  };
  const bucket = (rule: BucketRule, off: string | null): void => {
    add(rule, off ? null : new BucketRunner(rule, ctx), off);
  };
  const disabled = (section: string, enabled: boolean): string | null => (enabled ? null : `disabled (rules.${section}.enabled is false)`);

  bucket(verticalScanRule(config.portScan), disabled('portScan', config.portScan.enabled));
  bucket(hostSweepRule(config.hostSweep), disabled('hostSweep', config.hostSweep.enabled));
  bucket(bruteForceRule(config.bruteForce), disabled('bruteForce', config.bruteForce.enabled));
  for (const r of floodRules(config.flood)) bucket(r, disabled('flood', config.flood.enabled));
  for (const { rule, off } of spoofingRules(config.spoofing, config.geoPolicy, { interner, geoip, geoipOff })) bucket(rule, off);
  const ttl = new TtlHopRunner(config.ttlHops, ctx);
  add(ttl.info, ttl, disabled('ttlHops', config.ttlHops.enabled));
  const beacon = new BeaconRunner(config.beaconing, ctx);
  add(beacon.info, beacon, disabled('beaconing', config.beaconing.enabled));

  const active = entries.filter((e) => e.runner !== null);
  let rowOffset = 0;
  let lastSrc: Int32Array | null = null;
  let watermark = -Infinity;
  let untimedBatches = 0;
  let timedBatches = 0;
  let untimedRows = 0;
  let compactions = 0;
  const fieldNotes = new Set<string>();
  const collected: Finding[] = [];

  /** the most severe rule with an open episode about address id `id` past its capacity, or 0 */
  const severityOfId = (id: number): number => {
    if (id < 0 || !openSources.has(id)) return 0;
    let severity = 0;
    for (const e of active) {
      const r = e.runner as RuleRunner;
      if (r.inOpenEpisode?.(id) && (severity === 0 || e.info.severity < severity)) severity = e.info.severity;
    }
    return severity;
  };

  /** every open episode about address id `id` past its capacity, with its rule's severity and time span */
  const spansOfId = (id: number, visit: (severity: number, firstMs: number, lastMs: number, triggerRow?: number) => void): void => {
    // most sources have no open episode in any rule: one array read instead of a question per rule
    if (id < 0 || !openSources.has(id)) return;
    for (const e of active) {
      const r = e.runner as RuleRunner;
      if (!r.inOpenEpisode?.(id)) continue;
      const severity = e.info.severity;
      if (r.openSpans) r.openSpans(id, (first, last, triggerRow) => visit(severity, first, last, triggerRow));
      else visit(severity, -Infinity, Infinity);
    }
  };

  const collect = (): void => {
    for (const e of active) for (const f of (e.runner as RuleRunner).drain()) collected.push(f);
  };

  /** every rule that can run on the batch's fields observes it */
  const observeBatch = (batch: Batch, ff: FlowFields, format: string): void => {
    for (const e of active) {
      const missing = missingFieldsReason(ff, e.info.requires, format);
      if (missing) {
        e.skipped += batch.n;
        e.skipReason = missing;
        continue;
      }
      (e.runner as RuleRunner).observe(batch);
      e.ran += batch.n;
    }
  };

  /** the watermark moved on to `t` (when later): each rule sweeps only when event time has moved on by its window */
  const sweepTo = (t: number): void => {
    if (t > watermark) watermark = t;
    for (const e of active) (e.runner as RuleRunner).sweep(watermark, false);
  };

  /** the watermark at which the first rule's next sweep falls due (-Infinity before the first sweep) */
  const nextSweep = (): number => {
    let due = Infinity;
    for (const e of active) {
      const r = e.runner as RuleRunner;
      // a rule that does not say sweeps as soon as the watermark moves on
      const at = r.nextSweepMs ? r.nextSweepMs() : -Infinity;
      if (at < due) due = at;
    }
    return due;
  };

  const observeFields = (ff: FlowFields, format: string): void => {
    lastSrc = null;
    if (ff.rowCount === 0) return;
    for (const n of ff.notes) fieldNotes.add(n);
    if (interner.size > config.limits.maxInternedIps) {
      interner.compact((remap) => {
        for (const e of active) (e.runner as RuleRunner).remapIds(remap);
      });
      compactions++;
    }
    // a batch without times joins the stream at the latest time seen so far
    const batch = buildBatch(ff, interner, rowOffset, format, Number.isFinite(watermark) ? watermark : 0, arrivalOrder);
    lastSrc = batch.src;
    rowOffset += batch.n;
    untimedRows += batch.untimedRows;
    if (batch.hasTime) timedBatches++;
    else untimedBatches++;
    if (!arrivalOrder || !batch.hasTime) {
      observeBatch(batch, ff, format);
      if (batch.hasTime) {
        const t = batch.order ? batch.time[batch.order[batch.n - 1]] : batch.time[batch.n - 1];
        sweepTo(t);
      }
    } else {
      // as if the flows had come one by one: the batch is cut after each flow that brings a rule's
      // sweep due, and the rules sweep there (a sweep at the batch's end let its later flows, older
      // than the watermark, join groups that flow by flow were already closed; and the sweeps fell
      // where batches happened to end)
      const time = batch.time;
      let due = nextSweep();
      let wm = watermark;
      let from = 0;
      for (let i = 0; i < batch.n; i++) {
        const t = time[i];
        if (t > wm) wm = t;
        if (!(wm >= due) && i < batch.n - 1) continue;
        const whole = from === 0 && i === batch.n - 1;
        observeBatch(whole ? batch : sliceBatch(batch, from, i + 1, sliceFields(ff, from, i + 1)), ff, format);
        sweepTo(wm);
        // findings closed by the piece and its sweep: after its last flow, unless a flow of theirs said
        for (const e of active) {
          for (const f of (e.runner as RuleRunner).drain()) {
            if (!findingClosedRows.has(f)) findingClosedRows.set(f, batch.rowOffset + i);
            collected.push(f);
          }
        }
        from = i + 1;
        due = nextSweep();
      }
    }
    collect();
  };

  return {
    config,
    observe(table, fields) {
      if (table.rowCount === 0) {
        lastSrc = null;
        return;
      }
      observeFields(fields ?? flowFields(table), table.format);
    },
    observeFields,
    drain() {
      collect();
      return collected.splice(0, collected.length).sort(compareFindings);
    },
    finish() {
      for (const e of active) (e.runner as RuleRunner).sweep(watermark, true);
      collect();
      const findings = collected.splice(0, collected.length).sort(compareFindings);
      const status: RuleStatus[] = entries.map((e): RuleStatus => {
        const base = { ruleId: e.info.id, title: e.info.title };
        if (e.off) return { ...base, state: 'off', reason: e.off.replace(/^off: /, '') };
        if (e.ran === 0) {
          return { ...base, state: 'off', reason: e.skipReason ?? 'no flows were given' };
        }
        const notes: string[] = [...(e.runner as RuleRunner).notes()];
        if (e.skipped > 0) notes.push(`skipped ${thousands(e.skipped)} of ${thousands(e.ran + e.skipped)} flows: ${e.skipReason}`);
        if (untimedBatches > 0 && timedBatches === 0) notes.push('the input has no timestamps: the whole input is one window');
        else if (untimedBatches > 0) notes.push(`${untimedBatches} ${plural(untimedBatches, 'batch', 'batches')} had no timestamps and were counted at the latest time seen`);
        if (untimedRows > 0) notes.push(`${thousands(untimedRows)} ${plural(untimedRows, 'flow')} without a timestamp took the time of the flow before them`);
        return notes.length > 0 ? { ...base, state: 'on', note: notes.join('; ') } : { ...base, state: 'on' };
      });
      const notes = [...fieldNotes];
      if (compactions > 0) {
        notes.push(`more than ${thousands(config.limits.maxInternedIps)} distinct addresses: the address table was compacted ${thousands(compactions)} ${plural(compactions, 'time')}, keeping those still in use`);
      }
      return { findings, status, inputNotes: notes };
    },
    groups() {
      const out: Record<string, number> = {};
      for (const e of active) out[e.info.id] = (e.runner as RuleRunner).groups();
      return out;
    },
    activeSources() {
      const out = new Map<string, ActiveRuleSource>();
      for (const e of active) (e.runner as RuleRunner).activeSources?.(out);
      return out;
    },
    activeSeverity(ip) {
      return severityOfId(interner.idOf(ip));
    },
    lastSourceIds: () => lastSrc,
    activeSeverityOfId: (id) => severityOfId(id),
    activeSpansOfId: spansOfId,
    activeSpans(ip, visit) {
      spansOfId(interner.idOf(ip), visit);
    },
    hasActiveSources() {
      for (const e of active) if ((e.runner as RuleRunner).hasOpenSources?.()) return true;
      return false;
    },
    opened() {
      const out: Finding[] = [];
      for (const e of active) (e.runner as RuleRunner).opened?.(out);
      return out.sort(compareFindings);
    },
  };
}
