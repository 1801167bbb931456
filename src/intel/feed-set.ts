/**
 * The local feeds of a run, loaded once into one CIDR index, answering "which feeds list this
 * address, on which line, and why" without touching the network: the part of threat intelligence
 * that works with no API keys at all.
 *
 * Per-entry facts live in flat arrays indexed by entry id (feed number, line, note index, score),
 * so a million entries cost a few typed arrays (plus the notes, such as Spamhaus SBL ids, as given).
 */
import { parseIp, parseIpv4 } from '../detect/ip-address.js';
import { CidrIndexBuilder, type CidrIndex } from './cidr-index.js';
import { loadFeedFile, type FeedInfo } from './feed-file.js';

export interface FeedMatch {
  /** the feed's file name */
  readonly feed: string;
  /** the listed network that contains the address */
  readonly network: string;
  readonly line: number;
  /** Spamhaus SBL id, CSV category, ... */
  readonly note?: string;
  /** a CSV score column (0-100), when the feed has one */
  readonly score?: number;
}

export interface FeedSet {
  readonly feeds: readonly FeedInfo[];
  readonly entries: number;
  readonly loadSeconds: number;
  /** every listing of the address (innermost network first); [] when none; null when it is not an address */
  match(ip: string): FeedMatch[] | null;
  /** how many listings contain the address (no objects made; for hot paths) */
  count(ip: string): number;
}

class Grow<T extends Uint32Array | Int32Array | Float32Array> {
  constructor(
    public a: T,
    private readonly make: (n: number) => T,
  ) {}
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2);
      b.set(this.a as never);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

export function loadFeeds(paths: readonly string[]): FeedSet {
  const t0 = performance.now();
  const builder = new CidrIndexBuilder();
  const feedOf = new Grow(new Uint32Array(1024), (n) => new Uint32Array(n));
  const lineOf = new Grow(new Uint32Array(1024), (n) => new Uint32Array(n));
  const noteOf = new Grow(new Int32Array(1024), (n) => new Int32Array(n));
  const scoreOf = new Grow(new Float32Array(1024), (n) => new Float32Array(n));
  // notes are kept as given, not interned: hashing 300,000 unique SBL ids costs more than storing them
  const notes: string[] = [];
  const sink = {
    entry(feed: number, line: number, note: string | undefined, score: number | undefined): number {
      const id = feedOf.n;
      feedOf.push(feed);
      lineOf.push(line);
      let nid = -1;
      if (note !== undefined) {
        nid = notes.length;
        notes.push(note);
      }
      noteOf.push(nid);
      scoreOf.push(score ?? NaN);
      return id;
    },
  };
  const feeds = paths.map((p, i) => loadFeedFile(p, i, builder, sink));
  const index: CidrIndex = builder.build();
  const loadSeconds = (performance.now() - t0) / 1000;

  const first = (ip: string): number => {
    const v4 = parseIpv4(ip);
    if (v4 >= 0) return index.lookup4(v4);
    const a = parseIp(ip);
    if (!a) return -2;
    return a.v === 4 ? index.lookup4(a.w[3]) : index.lookup6(a.w);
  };

  return {
    feeds,
    entries: feedOf.n,
    loadSeconds,
    match(ip) {
      const r = first(ip.trim());
      if (r === -2) return null;
      const out: FeedMatch[] = [];
      for (let b = r; b >= 0; b = index.parentOf(b)) {
        const id = index.idOf(b);
        const nid = noteOf.a[id];
        const sc = scoreOf.a[id];
        out.push({
          feed: feeds[feedOf.a[id]].name,
          network: index.networkOf(b),
          line: lineOf.a[id],
          ...(nid >= 0 ? { note: notes[nid] } : {}),
          ...(Number.isNaN(sc) ? {} : { score: sc }),
        });
      }
      return out;
    },
    count(ip) {
      let n = 0;
      for (let b = first(ip); b >= 0; b = index.parentOf(b)) n++;
      return n;
    },
  };
}
