/**
 * One sender asking many addresses, and which of them answered: the state arp-scan-watch (ARP
 * requests, IPv6 neighbor solicitations) and ping-sweep-watch (ICMP echo requests) keep alike.
 * An episode per sender closes after `windowSeconds` without a request from it; at most
 * `maxGroupsPerRule` are open (the least recently active is closed first, and counted in
 * `evictions`), each tracking at most `maxTrackedDistinct` addresses (beyond: `capped`). An episode
 * counts once it has more than `hosts` addresses that never answered.
 *
 * Episodes past their window are closed as time goes on (every quarter window of packet time, from
 * the least recently active: the table is kept in that order), not left open until their sender
 * asks again: a capture that runs for days saw every sender of its days in the table, so a busy
 * network filled it and the episodes then dropped were counted as evictions ("findings may be
 * incomplete") though each had ended. A full table still closes its least recently active episode,
 * counted only when that episode was still within its window (one that had ended loses nothing).
 */
import type { LimitsConfig } from '../detect/rules-config.js';

export interface RequestEpisode<Extra> {
  readonly sender: string;
  /** what the watch keeps of the sender besides its address (its MAC, its address family) */
  readonly extra: Extra;
  readonly first: number;
  last: number;
  requests: number;
  /** the first address asked, and whether it answered (1) or not (0) */
  readonly target: string;
  targetAnswered: number;
  /**
   * address asked → answered (1) or not (0), in the order first asked, once a second address is
   * asked (most episodes ask one: a host pinging its peer, resolving its gateway; no Map for them)
   */
  targets: Map<string, number> | null;
  answered: number;
  capped: boolean;
}

/** The addresses an episode asked, in the order first asked. */
export function askedAddresses(ep: RequestEpisode<unknown>): string[] {
  return ep.targets ? [...ep.targets.keys()] : [ep.target];
}

/** How many distinct addresses an episode asked (up to limits.maxTrackedDistinct). */
export function askedCount(ep: RequestEpisode<unknown>): number {
  return ep.targets ? ep.targets.size : 1;
}

export class UnansweredRequests<Extra> {
  /** open episodes by sender, least recently active first */
  private readonly open = new Map<string, RequestEpisode<Extra>>();
  private readonly closed: RequestEpisode<Extra>[] = [];
  evictions = 0;
  /** the sender of the last request: its episode is the map's last entry */
  private newest: string | undefined;
  /** packet time (µs) of the next sweep of ended episodes */
  private nextSweep = -Infinity;

  constructor(
    private readonly cfg: { readonly hosts: number; readonly windowSeconds: number },
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'maxTrackedDistinct'>,
  ) {}

  /** `sender` asked for `target` at `ts` (µs); `extra` is kept when this starts its episode. */
  ask(sender: string, target: string, ts: number, extra: () => Extra): void {
    if (ts >= this.nextSweep) this.closeEnded(ts);
    let ep = this.open.get(sender);
    if (ep && ts - ep.last > this.cfg.windowSeconds * 1e6) {
      this.close(ep);
      // a new episode of this sender is the most recently active: not kept in the old one's place
      this.open.delete(sender);
      if (this.newest === sender) this.newest = undefined;
      ep = undefined;
    }
    if (ep) {
      // re-inserted: the map stays in order of last activity (the newest entry is already last)
      if (this.newest !== sender) {
        this.open.delete(sender);
        this.open.set(sender, ep);
      }
    } else {
      if (this.open.size >= this.limits.maxGroupsPerRule) {
        const [oldestKey, oldest] = this.open.entries().next().value as [string, RequestEpisode<Extra>];
        this.open.delete(oldestKey);
        this.close(oldest);
        if (oldestKey === this.newest) this.newest = undefined;
        if (ts - oldest.last <= this.cfg.windowSeconds * 1e6) this.evictions++;
      }
      ep = { sender, extra: extra(), first: ts, last: ts, requests: 1, target, targetAnswered: 0, targets: null, answered: 0, capped: false };
      this.open.set(sender, ep);
      this.newest = sender;
      return;
    }
    this.newest = sender;
    ep.last = ts;
    ep.requests++;
    const targets = ep.targets;
    if (targets === null) {
      // (limits.maxTrackedDistinct is at least 16: both fit)
      if (target !== ep.target) ep.targets = new Map<string, number>().set(ep.target, ep.targetAnswered).set(target, 0);
    } else if (!targets.has(target)) {
      if (targets.size < this.limits.maxTrackedDistinct) targets.set(target, 0);
      else ep.capped = true;
    }
  }

  /** `from` answered the requester `requester` (an ARP reply, an advertisement, an echo reply). */
  answer(requester: string, from: string): void {
    const ep = this.open.get(requester);
    if (!ep) return;
    if (ep.targets === null) {
      if (ep.target === from && ep.targetAnswered === 0) {
        ep.targetAnswered = 1;
        ep.answered++;
      }
    } else if (ep.targets.get(from) === 0) {
      ep.targets.set(from, 1);
      ep.answered++;
    }
  }

  /** Every episode with more than `hosts` unanswered addresses, closed ones first. */
  crossed(): RequestEpisode<Extra>[] {
    return [...this.closed, ...this.open.values()].filter((ep) => this.hasCrossed(ep));
  }

  /**
   * Close the episodes whose window ended before `now`, least recently active first, up to the
   * first one still within it (the table is in order of last request; a packet a little out of
   * time order may leave an ended episode behind an open one until a later sweep).
   */
  private closeEnded(now: number): void {
    const window = this.cfg.windowSeconds * 1e6;
    this.nextSweep = now + window / 4;
    for (const [sender, ep] of this.open) {
      if (now - ep.last <= window) break;
      this.open.delete(sender);
      if (sender === this.newest) this.newest = undefined;
      this.close(ep);
    }
  }

  private close(ep: RequestEpisode<Extra>): void {
    if (this.hasCrossed(ep)) this.closed.push(ep);
  }

  private hasCrossed(ep: RequestEpisode<Extra>): boolean {
    return askedCount(ep) - ep.answered > this.cfg.hosts;
  }
}
