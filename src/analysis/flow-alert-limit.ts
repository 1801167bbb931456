/**
 * Which risky flows get an alert: at most N flow alerts per source address in each window of W
 * seconds of flow time (what Suricata's threshold.config calls `type limit, track by_src`), then
 * a global cap over the whole run as a backstop.
 *
 * Why per source: one port scan of 1,000 ports is ~1,000 risky flows from one address; as flow
 * alerts they are ~1,000 near-identical lines (alert fatigue) about something the scan rule's
 * finding and the source's risky-source alert already say. And a global cap alone is unfair: once a
 * noisy source has used it up, every later source's risky flows get no alert, so a real attack late
 * in a file is silent. With a per-source limit the noisy source gets its N alerts per window and
 * every other source still gets its own.
 *
 * Exactly which flows get the alerts (deterministic, whatever the batch boundaries):
 *  - a flow's window is floor(flow time in ms / (W × 1000)): windows are aligned to the Unix epoch
 *    (60 s windows are UTC clock minutes), not to the source's first flow, so the same flow falls in
 *    the same window whatever else is in the input;
 *  - the first N risky flows of a source in a window, in input order (files in the order given,
 *    rows in file order), get an alert; its later risky flows in that window are *suppressed*
 *    (counted, per source; still in flows_scored.csv with their risk and reasons);
 *  - a window is counted on its own even when the input goes back to it (files out of time order):
 *    its count is kept, not restarted;
 *  - flows without a time share one window per source (at most N alerts per source for them);
 *    W = 0 makes the whole run one window (at most N flow alerts per source per run);
 *  - flows without a source address are not limited (there is nothing to track them by); only the
 *    global cap applies to them;
 *  - N = 0: no per-source limit (every risky flow passes to the cap).
 * Then the global cap: of the flows the per-source limit let through, the first `maxFlowAlerts` in
 * input order get an alert and the rest are *left out* (0 = no cap). A flow both over its source's
 * limit and past the cap counts as suppressed, so "left out" counts only the alerts a larger cap
 * would have given.
 *
 * Then, per target (Suricata's `track by_dst`): at most `perTarget` flow alerts towards one destination
 * address per window (the same aligned windows). The per-source limit cannot hold a flood from forged
 * sources: `hping3 --flood --rand-source` sends every SYN from another address, each its own
 * one-flow source, and a 2 s flood of 20,000 SYNs was 20,000 flow alerts (the SYN-flood and
 * connection-flood findings already say what happened, towards which host, from how many sources).
 * A flow over its target's limit is *suppressed* like one over its source's (counted for its source
 * too, and per target); it does not use up its source's count, so that source's flows to other hosts
 * still get theirs. Flows without a destination address are not limited by target.
 *
 * Every risky flow is exactly one of written, suppressed or left out, overall and per source.
 * Rule findings and risky sources are never limited: they do not pass through here.
 *
 * Memory: one small record per source with a risky flow, and the counts of at most KEPT_WINDOWS (16)
 * of its other windows, kept so that input going back in time continues a window's count (a live
 * capture, which only moves forward, needs none of them). A run has an end, so analyze and capture
 * keep every source's record; a stream worker, which runs for weeks, gives `bound` (maxSources):
 * past it the least recently limited source is forgotten and counted (onEvict), so a source seen
 * again in the window it was forgotten in gets up to N more alerts there (see `bound`).
 */

/**
 * 10 alerts per source per 60 s: 60 s is the window of the scan and flood rules (rules.portScan
 * and friends), so one limit window matches one rule episode; 10 flows show an analyst the pattern
 * (a scan's first ten ports, a brute force's first ten attempts) without the other 990. A source
 * that is risky all day is then at most 14,400 flow alerts a day, not one per flow.
 */
export const DEFAULT_FLOW_ALERTS_PER_SOURCE = 10;
export const DEFAULT_FLOW_ALERT_WINDOW_SECONDS = 60;
/**
 * 100 flow alerts per target per 60 s: ten times a source's, so that several sources attacking one
 * host (a brute force from a handful of machines, each with its 10) all get theirs, while a flood
 * from thousands of (forged) sources is 100 a minute, not one per source.
 */
export const DEFAULT_FLOW_ALERTS_PER_TARGET = 100;
/** the global cap on flow alerts per run, after the per-source limit (the backstop) */
export const DEFAULT_MAX_FLOW_ALERTS = 100_000;

export interface FlowAlertLimitSettings {
  /** most flow alerts per source per window; 0 = no per-source limit */
  readonly perSource: number;
  /** the window, in seconds of flow time; 0 = the whole run is one window */
  readonly windowSeconds: number;
  /** most flow alerts per destination address per window; 0 or absent = no per-target limit */
  readonly perTarget?: number;
}

/**
 * What became of one risky flow: an alert was written; it was over its source's limit in its
 * window (suppressed); or the per-source limit let it through but the global cap was reached (left out).
 */
export type FlowAlertDecision = 'written' | 'suppressed' | 'leftOut';

/** A source's risky flows by what became of them (written + suppressed + leftOut = its risky flows). */
export interface SourceFlowAlerts {
  readonly written: number;
  readonly suppressed: number;
  readonly leftOut: number;
}

/** An address's count in the window being counted, and those of the other windows it had. */
interface WindowCount {
  /** the window being counted, and its count */
  window: number;
  n: number;
  /** counts of the other windows seen, when the input went back and forth in time */
  other?: Map<number, number>;
}

interface SourceState extends WindowCount {
  written: number;
  suppressed: number;
  leftOut: number;
  /** of `suppressed`, the flows held back by their target's limit */
  byTarget: number;
  /** the destination of its risky flows while there is one (null: none yet), false once several or one without */
  target: string | null | false;
}

interface TargetState extends WindowCount {
  suppressed: number;
}

/** Moves `st` to window `w`: the window left is kept, the one entered taken up where it was left (0 when new). */
function enterWindow(st: WindowCount, w: number): void {
  if (st.window === w) return;
  st.other ??= new Map();
  st.other.set(st.window, st.n);
  if (st.other.size > KEPT_WINDOWS) forgetOldest(st.other);
  st.n = st.other.get(w) ?? 0;
  st.other.delete(w);
  st.window = w;
}

/** the window of flows without a time: no finite time gives it */
const NO_TIME = -Infinity;

/**
 * other windows' counts kept per source: a live capture runs for days and moves forward in time, so
 * without a bound every past minute of a noisy source would stay; input going back more than this
 * many windows restarts that window's count (at most N more alerts there)
 */
const KEPT_WINDOWS = 16;

function forgetOldest(other: Map<number, number>): void {
  let oldest = Infinity;
  for (const w of other.keys()) if (w < oldest) oldest = w;
  other.delete(oldest);
}

/**
 * A ceiling on the sources a gate keeps (a stream worker's): past maxSources the least recently
 * limited one (the one whose last risky flow is the oldest in arrival order) is forgotten, and
 * onEvict told. Least recently seen rather than "window long past in flow time": one worker's
 * partitions can be hours apart in flow time (a backlog on one), and forgetting by the newest flow
 * time seen would restart the counts of the lagging partition's sources while they are still busy.
 */
export interface FlowAlertGateBound {
  readonly maxSources: number;
  readonly onEvict?: (n: number) => void;
}

export class FlowAlertGate {
  written = 0;
  suppressed = 0;
  leftOut = 0;
  /** of `suppressed`, the flows over their target's limit (within their source's) */
  suppressedByTarget = 0;
  /** sources (and targets) forgotten over the bound */
  evictions = 0;
  private readonly perSource: number;
  private readonly perTarget: number;
  private readonly windowMs: number;
  private readonly cap: number;
  /** with a bound: insertion order = least recently limited first (a source limited again is moved to the end) */
  private readonly sources = new Map<string, SourceState>();
  /** the same per destination address, for the per-target limit */
  private readonly targets = new Map<string, TargetState>();
  private readonly bound: FlowAlertGateBound | undefined;
  /** per table (sources, targets), the address moved to its end last */
  private readonly newest = new Map<Map<string, unknown>, string>();

  constructor(limit: FlowAlertLimitSettings | undefined, maxFlowAlerts: number, bound?: FlowAlertGateBound) {
    this.perSource = limit && limit.perSource > 0 ? limit.perSource : 0;
    this.perTarget = limit && limit.perTarget !== undefined && limit.perTarget > 0 ? limit.perTarget : 0;
    this.windowMs = limit ? limit.windowSeconds * 1000 : 0;
    this.cap = maxFlowAlerts > 0 ? maxFlowAlerts : Infinity;
    if (bound && !(bound.maxSources >= 1)) throw new RangeError(`maxSources must be at least 1, got ${bound.maxSources}`);
    this.bound = bound;
  }

  /** sources whose counts are kept */
  get trackedSources(): number {
    return this.sources.size;
  }

  /** whether a per-source or per-target limit is on (else only the cap applies, and nothing is kept per address) */
  get limited(): boolean {
    return this.perSource > 0 || this.perTarget > 0;
  }

  /**
   * Decide for one risky flow; call once per risky flow, in input order. `timeMs` is NaN when the
   * flow has no time; `dstIp` (null: none) is what the per-target limit counts by.
   */
  decide(srcIp: string | null, timeMs: number, dstIp: string | null = null): FlowAlertDecision {
    if (!this.limited) return this.pastLimit(undefined);
    const w = !Number.isFinite(timeMs) ? NO_TIME : this.windowMs > 0 ? Math.floor(timeMs / this.windowMs) : 0;
    // every source with a risky flow is kept while a limit is on: its alert counts what became of its flows
    const st = srcIp === null ? undefined : this.source(srcIp, w);
    if (st && st.target !== false && st.target !== dstIp) st.target = st.target === null && dstIp !== null ? dstIp : false;
    if (st && this.perSource > 0 && st.n >= this.perSource) {
      st.suppressed++;
      this.suppressed++;
      return 'suppressed';
    }
    if (this.perTarget > 0 && dstIp !== null) {
      const t = this.target(dstIp, w);
      if (t.n >= this.perTarget) {
        t.suppressed++;
        if (st) {
          st.suppressed++;
          st.byTarget++;
        }
        this.suppressed++;
        this.suppressedByTarget++;
        return 'suppressed';
      }
      t.n++;
    }
    if (st) st.n++;
    return this.pastLimit(st);
  }

  /** `ip`'s source state, in window `w` */
  private source(ip: string, w: number): SourceState {
    return this.entry(this.sources, ip, w, () => ({ window: w, n: 0, written: 0, suppressed: 0, leftOut: 0, byTarget: 0, target: null }));
  }

  /** `ip`'s target state, in window `w` (the same bound as the sources') */
  private target(ip: string, w: number): TargetState {
    return this.entry(this.targets, ip, w, () => ({ window: w, n: 0, suppressed: 0 }));
  }

  /**
   * `ip`'s entry of `table` in window `w`: made when new (past the bound the least recently limited
   * entry goes), or moved to the end under a bound; the table's last-moved address is remembered, as
   * flows come in runs of one source (a scan) or one target (a flood) and are moved once.
   */
  private entry<T extends WindowCount>(table: Map<string, T>, ip: string, w: number, make: () => T): T {
    let e = table.get(ip);
    if (!e) {
      e = make();
      table.set(ip, e);
      if (this.bound) {
        this.newest.set(table, ip);
        if (table.size > this.bound.maxSources) this.evictOldest(table);
      }
    } else if (this.bound && this.newest.get(table) !== ip) {
      table.delete(ip);
      table.set(ip, e);
      this.newest.set(table, ip);
    }
    enterWindow(e, w);
    return e;
  }

  /** A source's risky flows by what became of them; undefined without a per-source limit or for a source with no risky flow. */
  ofSource(ip: string): SourceFlowAlerts | undefined {
    const st = this.sources.get(ip);
    return st ? { written: st.written, suppressed: st.suppressed, leftOut: st.leftOut } : undefined;
  }

  /**
   * Whether `ip` is known only as one of many senders towards a flooded host: all its risky flows
   * went to one destination, whose per-target limit held flows back, and none was over its own
   * limit or left out. A flood from forged addresses makes such sources by the thousand (analyze
   * folds their risky-source alerts; respond neither bans nor notifies on them alone). The first
   * senders, whose flows the target's limit still let through, are such sources too: they are as
   * forged as the rest. A bot of a real flood sends more than its own limit and is not one.
   */
  floodSender(ip: string): boolean {
    const st = this.sources.get(ip);
    if (st === undefined || typeof st.target !== 'string' || st.suppressed !== st.byTarget || st.leftOut !== 0) return false;
    return (this.targets.get(st.target)?.suppressed ?? 0) > 0;
  }

  /** The host a flood sender's risky flows went to (see floodSender), or null. */
  floodTarget(ip: string): string | null {
    const st = this.sources.get(ip);
    return st !== undefined && typeof st.target === 'string' ? st.target : null;
  }

  /**
   * A risky source's row is a flood sender's (analyze folds its alert, a stream worker marks it):
   * floodSender(row.ip), and nothing else against it (no rule finding, no classifier attack class).
   */
  floodSenderRow(row: { readonly ip: string; readonly rules: readonly string[]; readonly attackClasses: Readonly<Record<string, number>> }): boolean {
    return row.rules.length === 0 && Object.keys(row.attackClasses).length === 0 && this.floodSender(row.ip);
  }

  /** how many sources had at least one flow suppressed */
  suppressedSources(): number {
    let n = 0;
    for (const st of this.sources.values()) if (st.suppressed > 0) n++;
    return n;
  }

  /** the targets that had flows suppressed by their limit, most suppressed first (ties: first limited first) */
  suppressedTargets(): { ip: string; suppressed: number }[] {
    const out: { ip: string; suppressed: number }[] = [];
    for (const [ip, t] of this.targets) if (t.suppressed > 0) out.push({ ip, suppressed: t.suppressed });
    return out.sort((a, b) => b.suppressed - a.suppressed);
  }

  private evictOldest(table: Map<string, unknown>): void {
    // a Map iterates in insertion order: the first entry is the least recently limited
    const oldest = table.keys().next().value as string;
    table.delete(oldest);
    this.evictions++;
    this.bound!.onEvict?.(1);
  }

  private pastLimit(st: SourceState | undefined): FlowAlertDecision {
    if (this.written < this.cap) {
      this.written++;
      if (st) st.written++;
      return 'written';
    }
    this.leftOut++;
    if (st) st.leftOut++;
    return 'leftOut';
  }
}
