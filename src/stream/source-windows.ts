/**
 * Risky-source alerts in a worker that never ends: analyze's per-source aggregation (stage 4,
 * createSourceAggregation) over a tumbling window of flow time per source instead of the whole
 * input. A source's window opens at its first flow and closes when a later flow of that source comes
 * `windowMs` or more after the opening (that flow and the ones after it open the next window), at
 * drain, or when the source is evicted as the least recently seen of more than `maxSources` open
 * windows (counted). Flow by flow whatever the message: add() cuts a message where a window closes
 * after flows of its source in the same message, and after a flow a finding closed at (the finding
 * joins the window open then), so `--batch-rows` and `publish --message-flows` change no window
 * (before 6 Dec the whole message went to the next window, and the time-ordered CIC port scan gave
 * 6 risky-source alerts flow by flow, 3 in 1,000-flow messages). Closing a window yields the source's row, joined with the rule findings about
 * it that closed meanwhile, and the row becomes a risky-source alert when its risk reaches the
 * threshold, exactly as at the end of analyze (the row is made only then: most windows close quiet,
 * and their reasons and counts were made to be thrown away).
 *
 * Deterministic over the same messages: a window closes on the source's own flows, and all of a
 * source's flows are in one partition, consumed in stream order; so a redelivery or a replay
 * after a restart gives the same rows and the same alert keys. Only eviction depends on what else
 * the worker sees (a larger maxSources, fewer evictions).
 *
 * Windows are aligned to flow time (a source's window is [k·W, (k+1)·W) for the k of its first
 * flow; the window opened when one closes starts past it, even when the message that closed it also
 * brought flows from inside it), and a risky-source alert's key is the source and that window (alert(), not the row's
 * first and last flow times): so when a partition moves between workers mid-window, the old
 * holder's drain (the window up to the move) and the new holder's close of the same window (from
 * its rebuild replay on) have one key, and the store keeps the first of them — the alert is not
 * raised twice, whatever part of the window the new holder's replay covers. A window closed before
 * its source's flows were over (evicted over maxSources; in a live capture, by the clock with a
 * flow later than the lateness allowed) is not opened again: that source's next flows open the
 * window after it (before 7 Dec they reopened it, and its second alert, under the same key, was
 * dropped with the flows it told of).
 *
 * With the per-source flow-alert limit on (FlowAlertGate in the batch scorer), a window also counts
 * what became of its source's risky flows (`decisions` given to add): written (an alert of its
 * own) or suppressed (folded into this one), and the risky-source alert carries them as analyze's
 * does (netsentinel.flowAlerts; leftOut is always 0: a worker has no global cap).
 */
import { createSourceAggregation } from '../analysis/source-aggregation.js';
import type { ScoredFlows } from '../analysis/score-stage.js';
import type { Finding } from '../detect/finding.js';
import type { IpRow } from '../report/analysis-result.js';
import { keyedAlert, sourceAlertInput, type Alert } from '../analysis/alerts.js';
import { alertKey } from '../report/eve-alert.js';
import { findingClosedRows } from '../detect/finding.js';
import { sliceFields } from '../analysis/rule-chunks.js';

export interface SourceWindowOptions {
  readonly windowMs: number;
  readonly maxSources: number;
  /** source risk at or above which a closed window is returned */
  readonly ipThreshold: number;
  readonly ruleWeight: number;
  readonly onEvict?: (n: number) => void;
  /** a per-source flow-alert limit is on: add() is given decisions, and rows carry flowAlerts */
  readonly countFlowAlerts?: boolean;
}

export { DEFAULT_MAX_SOURCES, DEFAULT_SOURCE_WINDOW_SECONDS } from './stream-defaults.js';

interface OpenWindow {
  readonly start: number;
  readonly findings: Finding[];
  /** the source's risky flows in this window with an alert of their own, and suppressed (with a limit) */
  written: number;
  suppressed: number;
}

const NO_FINDINGS: readonly Finding[] = [];

/**
 * sources whose window closed early remembered at least this many (a source and a number each, ~1
 * MB): a small --max-sources (evicting often) still keeps the sources it evicted
 */
const CLOSED_EARLY_KEPT = 16_384;

/** one source's flows in a message (SourceWindows.spans) */
interface Span {
  readonly ip: string;
  /** the time of its first flow in the message (NaN: none) */
  readonly first: number;
  min: number;
  max: number;
  written: number;
  suppressed: number;
}

/** what became of each row's flow, for add(): not risky, its own alert, or suppressed by the per-source limit */
export const NOT_RISKY = 0;
export const WRITTEN = 1;
export const SUPPRESSED = 2;

export class SourceWindows {
  private readonly agg = createSourceAggregation();
  /** insertion order = least recently seen first (a seen source is moved to the end) */
  private readonly open = new Map<string, OpenWindow>();
  /** the window each returned row closed (for its alert's key) */
  private readonly startOf = new WeakMap<IpRow, number>();
  evictions = 0;
  /** the last window boundary closeEnded() swept at */
  private swept = -Infinity;
  /**
   * the end of each source's window closed before its source's flows were over (by the clock,
   * closeEnded, or evicted over maxSources), least recently closed first, at most maxSources: a
   * flow of that source that comes later opens the window from there on, not the one closed again
   * (its alert would have the closed one's key and be dropped, its flows untold); at most
   * max(maxSources, CLOSED_EARLY_KEPT) sources, the least recently closed forgotten first
   */
  private readonly closedEnd = new Map<string, number>();

  constructor(private readonly o: SourceWindowOptions) {}

  get openSources(): number {
    return this.open.size;
  }

  /** the flow-time window (aligned to windowMs) a time falls in; Infinity for no time */
  private aligned(t: number): number {
    return t === t && Number.isFinite(t) ? Math.floor(t / this.o.windowMs) * this.o.windowMs : Infinity;
  }

  /**
   * The risky-source alert of a row this returned: analyze's record, keyed by the source and its
   * window (not the first and last flow times), so whoever closes the window raises one alert.
   */
  alert(row: IpRow, now: number): Alert {
    const input = sourceAlertInput(row);
    const start = this.startOf.get(row);
    // which window the verdict is about (not in the key: that has the window already); a reader
    // otherwise had only the window's first flow time, and no length
    if (start !== undefined && Number.isFinite(start)) (input.netsentinel as Record<string, unknown>).window = { start: new Date(start).toISOString(), seconds: this.o.windowMs / 1000 };
    // keyed once, by the window (sourceAlert's own key, made and replaced, was a third of this)
    return keyedAlert(input, alertKey({ ...input, timeMs: null }, `window:${this.o.windowMs}:${start ?? ''}`), now);
  }

  /**
   * One scored message and the findings it closed; the risky rows of the windows it closed.
   * `decisions` (with a per-source limit): per row, NOT_RISKY, WRITTEN or SUPPRESSED.
   */
  add(scored: ScoredFlows, findings: readonly Finding[], decisions?: Uint8Array, firstRow?: number): IpRow[] {
    if (firstRow === undefined || scored.rows <= 1) return this.addPiece(scored, findings, decisions);
    const pieces = this.pieces(scored, findings, firstRow);
    if (pieces === null) return this.addPiece(scored, findings, decisions);
    const rows: IpRow[] = [];
    for (const p of pieces) rows.push(...this.addPiece(scoredRows(scored, p.from, p.to), p.findings, decisions?.subarray(p.from, p.to)));
    return rows;
  }

  /**
   * Where a message must be cut for its windows to be what its flows would have made one by one
   * (`firstRow`: the rules engine's row of its row 0, which findingClosedRows counts in): before a
   * flow that closes its source's window when the source already has flows in the piece (they
   * belong to the window it closes), and after a flow a finding closed at (the finding joins the
   * window open then). Null when nothing needs a cut (most messages: one piece, as before).
   */
  private pieces(scored: ScoredFlows, findings: readonly Finding[], firstRow: number): { from: number; to: number; findings: Finding[] }[] | null {
    const n = scored.rows;
    const W = this.o.windowMs;
    // findings by the row (of this message) they closed after; the others with the last piece
    const at = new Map<number, Finding[]>();
    const rest: Finding[] = [];
    for (const f of findings) {
      const row = findingClosedRows.get(f);
      const r = row === undefined ? -1 : row - firstRow;
      if (r >= 0 && r < n - 1) {
        const list = at.get(r);
        if (list) list.push(f);
        else at.set(r, [f]);
      } else rest.push(f);
    }
    const src = scored.fields.srcIp;
    const time = scored.fields.time;
    // per source: the start of its window as the flows so far left it (NaN: none), and the piece of its latest flow
    const sim = new Map<string, { start: number; piece: number; floor: number }>();
    const ofCode: ({ start: number; piece: number; floor: number } | undefined)[] = src ? new Array(src.dictionary.length) : [];
    const out: { from: number; to: number; findings: Finding[] }[] = [];
    let from = 0;
    const cut = (to: number, list: Finding[]): void => {
      out.push({ from, to, findings: list });
      from = to;
    };
    for (let r = 0; r < n; r++) {
      const c = src ? src.codes[r] : -1;
      if (c >= 0) {
        let st = ofCode[c];
        if (!st) {
          const ip = src!.dictionary[c];
          st = sim.get(ip);
          if (!st) {
            const w = this.open.get(ip);
            sim.set(ip, (st = { start: w ? w.start : NaN, piece: -1, floor: this.closedEnd.get(ip) ?? -Infinity }));
          }
          ofCode[c] = st;
        }
        const t = time ? time[r] : NaN;
        if (st.start !== st.start) st.start = Math.max(this.aligned(t), st.floor);
        else if (t >= st.start + W) {
          if (st.piece === out.length && r > from) cut(r, []);
          st.start = Math.max(this.aligned(t), st.start + W);
        }
        st.piece = out.length;
      }
      const closed = at.get(r);
      if (closed) {
        cut(r + 1, closed);
        // a finding about a source without a window opens one (attach)
        for (const f of closed) {
          if (!f.srcIp) continue;
          const st = sim.get(f.srcIp);
          const floor = this.closedEnd.get(f.srcIp) ?? -Infinity;
          // (as attach: none about a window closed early)
          const t = this.aligned(f.firstSeen ? Date.parse(f.firstSeen) : NaN);
          if (!st) {
            if (this.open.has(f.srcIp)) sim.set(f.srcIp, { start: this.open.get(f.srcIp)!.start, piece: -1, floor });
            else if (t >= floor) sim.set(f.srcIp, { start: t, piece: -1, floor });
          } else if (st.start !== st.start && t >= st.floor) st.start = t;
        }
      }
    }
    if (out.length === 0) return null;
    cut(n, rest);
    return out;
  }

  private addPiece(scored: ScoredFlows, findings: readonly Finding[], decisions?: Uint8Array): IpRow[] {
    const span = this.spans(scored, decisions);
    const closing: string[] = [];
    // the window after the one each closing source had: its flows here open it, and its start is
    // past the closed one's even when the earliest of them fell inside it (a message straddling
    // the window's end, or flows out of time order), else the two windows would have one alert key
    // and the store would drop the second window's alert (its flows and suppressed flow alerts)
    const nextStart = new Map<string, number>();
    for (const [ip, s] of span) {
      const w = this.open.get(ip);
      if (w && s.max >= w.start + this.o.windowMs) {
        closing.push(ip);
        nextStart.set(ip, w.start + this.o.windowMs);
      }
    }
    const rows = this.close(closing);
    this.agg.add(scored);
    for (const [ip, s] of span) {
      let w = this.open.get(ip);
      this.open.delete(ip);
      // the window its first flow here opens (in arrival order, as that flow alone would have)
      if (!w) w = { start: Math.max(this.aligned(s.first), nextStart.get(ip) ?? this.reopened(ip)), findings: [], written: 0, suppressed: 0 };
      this.open.set(ip, w);
      w.written += s.written;
      w.suppressed += s.suppressed;
    }
    this.attach(findings);
    if (this.open.size > this.o.maxSources) {
      const over = this.open.size - this.o.maxSources;
      const oldest: string[] = [];
      for (const ip of this.open.keys()) {
        if (oldest.length === over) break;
        oldest.push(ip);
      }
      this.evictions += over;
      this.o.onEvict?.(over);
      rows.push(...this.close(oldest, true));
    }
    return rows;
  }

  /**
   * Each source's earliest and latest flow time in a message (NaN, no time, never widens a span) and
   * its risky flows written and suppressed, in the order of their first flow. Counted by the source
   * column's codes, a source's text looked up in a Map once per message instead of once per flow
   * (and again per risky flow). With the aggregation's lookup by code (source-aggregation.ts add)
   * and the alert keys made once (alert(), batch-scorer's fresh()): a worker's decode + scoring +
   * drain 14.79 → 14.05 µs of CPU a flow (the CIC sample re-addressed, 1,000-flow messages,
   * medians of 8 rounds alternated in one process, bench/stream-scoring.ts; the same alert rows).
   */
  private spans(scored: ScoredFlows, decisions: Uint8Array | undefined): Map<string, Span> {
    const span = new Map<string, Span>();
    const src = scored.fields.srcIp;
    if (!src) return span;
    const { codes, dictionary } = src;
    const time = scored.fields.time;
    // per code: its span (index into `order`), made at its first flow
    const slot = new Int32Array(dictionary.length).fill(-1);
    const order: Span[] = [];
    for (let r = 0; r < scored.rows; r++) {
      const c = codes[r];
      if (c < 0) continue;
      const t = time ? time[r] : NaN;
      const k = slot[c];
      let s: Span;
      if (k < 0) {
        slot[c] = order.length;
        order.push((s = { ip: dictionary[c], first: t, min: t, max: t, written: 0, suppressed: 0 }));
      } else {
        s = order[k];
        if (t === t) {
          if (!(s.min <= t)) s.min = t;
          if (!(s.max >= t)) s.max = t;
        }
      }
      if (decisions) {
        const d = decisions[r];
        if (d === WRITTEN) s.written++;
        else if (d !== NOT_RISKY) s.suppressed++;
      }
    }
    for (const s of order) {
      const same = span.get(s.ip);
      if (!same) {
        span.set(s.ip, s);
        continue;
      }
      // the same text under two codes: one span, as per flow (its first flow's code came first)
      if (!(same.min <= s.min) && s.min === s.min) same.min = s.min;
      if (!(same.max >= s.max) && s.max === s.max) same.max = s.max;
      same.written += s.written;
      same.suppressed += s.suppressed;
    }
    return span;
  }

  /**
   * The windows that ended at or before `t` (flow time) close: for a live capture, whose sources
   * may go quiet for good (a host that did one odd thing is told once its window is over, not when
   * the capture ends days later). The caller gives a `t` no later flow can start before (its clock
   * less the flow meter's timeouts): a window is closed only once none of its flows can still come.
   * Swept once per window boundary passed. Not used by the streaming worker: there a window closes
   * on its source's own flows, so that a replay after a restart gives the same alerts.
   */
  closeEnded(t: number): IpRow[] {
    const boundary = this.aligned(t);
    if (!(boundary > this.swept) || boundary === Infinity) return [];
    this.swept = boundary;
    const ended: string[] = [];
    for (const [ip, w] of this.open) if (w.start + this.o.windowMs <= t) ended.push(ip);
    return this.close(ended, true);
  }

  /** The earliest start of a source's next window: past the one closed early, if one was (and forgotten then). */
  private reopened(ip: string): number {
    const end = this.closedEnd.get(ip);
    if (end === undefined) return -Infinity;
    this.closedEnd.delete(ip);
    return end;
  }

  /** Drain: every open window closes, with the findings closed last. */
  finish(findings: readonly Finding[]): IpRow[] {
    this.attach(findings);
    return this.close([...this.open.keys()]);
  }

  /**
   * Findings made beside the rules (a live capture's packet detectors, when they open): each joins
   * its source's open window, or opens the window of its first packet, as a rule finding does.
   */
  attachFindings(findings: readonly Finding[]): void {
    this.attach(findings);
  }

  private attach(findings: readonly Finding[]): void {
    for (const f of findings) {
      if (!f.srcIp) continue;
      let w = this.open.get(f.srcIp);
      if (!w) {
        const start = this.aligned(f.firstSeen ? Date.parse(f.firstSeen) : NaN);
        const floor = this.closedEnd.get(f.srcIp);
        // about a window closed early (told without it): the finding is an alert of its own, and
        // a window of that time is not opened again (a second verdict of nothing but the finding)
        if (floor !== undefined && start < floor) continue;
        // a finding about a source whose window already closed: it opens the next one
        if (floor !== undefined) this.closedEnd.delete(f.srcIp);
        w = { start, findings: [], written: 0, suppressed: 0 };
        this.open.set(f.srcIp, w);
      }
      w.findings.push(f);
    }
  }

  /**
   * Each source is taken with its own window's findings (those are all about it): takeRisky looks
   * each source's findings up in the list it is given, so one call with every closing source's
   * findings cost sources × findings: the drain of ord3.pcap's flows (4 partitions of 200-flow
   * messages, one worker) took 1.13 CPU s, now 0.35 (medians of 6, alternated; the same alerts in
   * the same order), and 9.4 s when the worker kept one state for all four partitions.
   */
  private close(ips: readonly string[], early = false): IpRow[] {
    const rows: IpRow[] = [];
    for (const ip of ips) {
      const w = this.open.get(ip);
      this.open.delete(ip);
      if (early && w && Number.isFinite(w.start)) {
        this.closedEnd.delete(ip);
        this.closedEnd.set(ip, w.start + this.o.windowMs);
        if (this.closedEnd.size > Math.max(this.o.maxSources, CLOSED_EARLY_KEPT)) this.closedEnd.delete(this.closedEnd.keys().next().value as string);
      }
      for (let row of this.agg.takeRisky([ip], w?.findings ?? NO_FINDINGS, this.o.ruleWeight, this.o.ipThreshold)) {
        if (this.o.countFlowAlerts) row = { ...row, flowAlerts: { written: w?.written ?? 0, suppressed: w?.suppressed ?? 0, leftOut: 0 } };
        if (w) this.startOf.set(row, w.start);
        rows.push(row);
      }
    }
    return rows;
  }
}

/** Rows [from, to) of a scored message as one of their own (views; what the aggregation and add() read). */
function scoredRows(s: ScoredFlows, from: number, to: number): ScoredFlows {
  const sub = <T extends Float64Array | Uint8Array>(a: T | undefined): T | undefined => (a ? (a.subarray(from, to) as T) : undefined);
  return {
    table: s.table,
    fields: sliceFields(s.fields, from, to),
    rows: to - from,
    rowOffset: s.rowOffset + from,
    where: s.where,
    detectors: s.detectors,
    raw: s.raw.map((a) => a.subarray(from, to)),
    p: s.p.map((a) => a.subarray(from, to)),
    predictedClass: s.predictedClass?.slice(from, to),
    classProbability: sub(s.classProbability),
    pAttack: sub(s.pAttack),
    attackClass: s.attackClass.slice(from, to),
    risk: s.risk.subarray(from, to),
    z: s.z.subarray(from, to),
    reasons: s.reasons.slice(from, to),
    truth: sub(s.truth),
    flowThreshold: s.flowThreshold,
    srcIp: (r) => s.srcIp(from + r),
    dstIp: (r) => s.dstIp(from + r),
    time: (r) => s.time(from + r),
    file: (r) => s.file(from + r),
    line: (r) => s.line(from + r),
  };
}
