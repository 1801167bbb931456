/**
 * Risky-source alerts in a worker that never ends: analyze's per-source aggregation (stage 4,
 * createSourceAggregation) over a tumbling window of flow time per source instead of the whole
 * input. A source's window opens at its first flow and closes when a later message brings a flow of
 * that source `windowMs` or more after the opening (that message's flows open the next window), at
 * drain, or when the source is evicted as the least recently seen of more than `maxSources` open
 * windows (counted). Closing a window yields the source's row, joined with the rule findings about
 * it that closed meanwhile, and the row becomes a risky-source alert when its risk reaches the
 * threshold, exactly as at the end of analyze.
 *
 * Deterministic over the same messages: a window closes on the source's own flows, and all of a
 * source's flows are in one partition, consumed in stream order; so a redelivery or a replay
 * after a restart gives the same rows and the same alert keys. Only eviction depends on what else
 * the worker sees (a larger maxSources, fewer evictions).
 */
import { createSourceAggregation } from '../analysis/source-aggregation.js';
import type { ScoredFlows } from '../analysis/score-stage.js';
import type { Finding } from '../detect/finding.js';
import type { IpRow } from '../report/analysis-result.js';

export interface SourceWindowOptions {
  readonly windowMs: number;
  readonly maxSources: number;
  /** source risk at or above which a closed window is returned */
  readonly ipThreshold: number;
  readonly ruleWeight: number;
  readonly onEvict?: (n: number) => void;
}

export const DEFAULT_SOURCE_WINDOW_SECONDS = 300;
export const DEFAULT_MAX_SOURCES = 200_000;

interface OpenWindow {
  readonly start: number;
  readonly findings: Finding[];
}

export class SourceWindows {
  private readonly agg = createSourceAggregation();
  /** insertion order = least recently seen first (a seen source is moved to the end) */
  private readonly open = new Map<string, OpenWindow>();
  evictions = 0;

  constructor(private readonly o: SourceWindowOptions) {}

  get openSources(): number {
    return this.open.size;
  }

  /** One scored message and the findings it closed; the risky rows of the windows it closed. */
  add(scored: ScoredFlows, findings: readonly Finding[]): IpRow[] {
    const span = new Map<string, { min: number; max: number }>();
    for (let r = 0; r < scored.rows; r++) {
      const ip = scored.srcIp(r);
      if (ip === null) continue;
      const t = scored.time(r);
      const s = span.get(ip);
      if (!s) span.set(ip, { min: t, max: t });
      else if (t === t) {
        // NaN (no time) never widens a window
        if (!(s.min <= t)) s.min = t;
        if (!(s.max >= t)) s.max = t;
      }
    }
    const closing: string[] = [];
    for (const [ip, s] of span) {
      const w = this.open.get(ip);
      if (w && s.max >= w.start + this.o.windowMs) closing.push(ip);
    }
    const rows = this.close(closing);
    this.agg.add(scored);
    for (const [ip, s] of span) {
      const w = this.open.get(ip);
      this.open.delete(ip);
      this.open.set(ip, w ?? { start: s.min === s.min ? s.min : Infinity, findings: [] });
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
      rows.push(...this.close(oldest));
    }
    return rows;
  }

  /** Drain: every open window closes, with the findings closed last. */
  finish(findings: readonly Finding[]): IpRow[] {
    this.attach(findings);
    return this.close([...this.open.keys()]);
  }

  private attach(findings: readonly Finding[]): void {
    for (const f of findings) {
      if (!f.srcIp) continue;
      let w = this.open.get(f.srcIp);
      if (!w) {
        // a finding about a source whose window already closed: it opens the next one
        w = { start: f.firstSeen ? Date.parse(f.firstSeen) : Infinity, findings: [] };
        this.open.set(f.srcIp, w);
      }
      w.findings.push(f);
    }
  }

  private close(ips: readonly string[]): IpRow[] {
    if (!ips.length) return [];
    const findings: Finding[] = [];
    for (const ip of ips) {
      findings.push(...(this.open.get(ip)?.findings ?? []));
      this.open.delete(ip);
    }
    return this.agg.take(ips, findings, this.o.ruleWeight).filter((r) => r.risk >= this.o.ipThreshold);
  }
}
